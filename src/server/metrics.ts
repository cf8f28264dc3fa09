// Prometheus metrics (METRICS_PATH, off by default): per-operation request counts, durations and
// errors from Yoga's Prometheus plugin, HTTP durations, and the process (memory, CPU, event-loop
// lag), in a registry of this server's own (several servers in one process stay apart).
import { collectDefaultMetrics, Registry } from "prom-client";
import { usePrometheus } from "@graphql-yoga/plugin-prometheus";
import type { Plugin } from "graphql-yoga";

export function useMetrics(path: string): Plugin {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "threadline_" });
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
