// Prometheus metrics (METRICS_PATH, off by default): per-operation request counts, durations and
// errors from Yoga's Prometheus plugin, HTTP durations, and the process (memory, CPU, event-loop
// lag), in a registry of this server's own (several servers in one process stay apart).
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { usePrometheus } from "@graphql-yoga/plugin-prometheus";
import type { Plugin } from "graphql-yoga";
import type { Backlog } from "../jobs/queue.ts";
import type { TenantIndexStatus } from "../search/tenant-indexes.ts";

export interface MetricsSources {
  /** The background job queue, read at each scrape (shared by every instance on the database). */
  backlog?: () => Promise<Backlog[]>;
  /** Large users' own search indexes in the catalog (PostgreSQL), read at each scrape. */
  tenantIndexes?: () => Promise<TenantIndexStatus>;
}

const JOB_KINDS = ["embed_messages", "reembed"] as const;
const JOB_STATES = ["waiting", "running", "failed"] as const;

export function useMetrics(path: string, sources: MetricsSources = {}): Plugin {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "threadline_" });
  if (sources.backlog) {
    const read = sources.backlog;
    let latest: Promise<Backlog[]> | undefined;
    // Both gauges come from one query per scrape.
    const once = () => (latest ??= read().finally(() => setTimeout(() => (latest = undefined), 0)));
    const gauge = (name: string, help: string, pick: (row: Backlog) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["kind", "state"],
        registers: [registry],
        async collect() {
          const rows = await once();
          for (const kind of JOB_KINDS) for (const state of JOB_STATES) this.set({ kind, state }, 0);
          for (const row of rows) this.set({ kind: row.kind, state: row.state }, pick(row));
        },
      });
    gauge("threadline_background_jobs", "Background jobs in the queue (embed_messages, reembed) by state: waiting, running, failed (dead-lettered).", (row) => row.jobs);
    gauge("threadline_background_backlog", "Work left in the queue by job kind and state: messages to embed, stored vectors to embed again.", (row) => row.items);
  }
  if (sources.tenantIndexes) {
    const read = sources.tenantIndexes;
    new Gauge({
      name: "threadline_tenant_indexes",
      help: "Large users' own HNSW search indexes (PostgreSQL) by state: valid, unfinished (being built, or left by a stopped build and rebuilt on the next search).",
      labelNames: ["state"],
      registers: [registry],
      async collect() {
        const status = await read();
        this.set({ state: "valid" }, status.valid);
        this.set({ state: "unfinished" }, status.unfinished);
      },
    });
    new Gauge({
      name: "threadline_tenant_index_build_progress",
      help: "The tenant index build under way on the database server, as the fraction of rows loaded (0 when none).",
      registers: [registry],
      async collect() {
        this.set((await read()).buildProgress);
      },
    });
  }
  return usePrometheus({
    registry,
    endpoint: path,
    skipIntrospection: true,
    // A GET request's URL carries its query: as a label it would make a new series per request.
    labels: { url: false },
    metrics: {
      graphql_envelop_request: true,
      graphql_envelop_request_duration: true,
      graphql_envelop_error_result: true,
      graphql_envelop_phase_parse: true,
      graphql_envelop_phase_validate: true,
      graphql_envelop_phase_context: true,
      graphql_envelop_phase_execute: true,
      graphql_envelop_phase_subscribe: true,
      graphql_yoga_http_duration: true,
    },
  });
}
