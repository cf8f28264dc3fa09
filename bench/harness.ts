// A small closed-loop load generator: C workers each send one GraphQL request at a time, for D seconds
// after a warm-up, and every request's latency is recorded. Only ever talks to 127.0.0.1.
// runLoadOffThread runs the clients on a worker thread, so they do not share the server's event loop.
import { performance } from "node:perf_hooks";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  /** The next request of `worker` (0 … concurrency − 1); `iteration` counts that worker's requests. */
  next(worker: number, iteration: number): Operation;
}

export interface LoadOptions {
  url: string;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Stops early after this many measured requests. */
  maxRequests?: number;
  /** A request taking longer is aborted and counted as an error. */
  requestTimeoutMs?: number;
}

export interface LoadResult {
  name: string;
  concurrency: number;
  requests: number;
  errors: number;
  /** The first error seen, to tell a broken scenario from a slow one. */
  firstError?: string;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
}

const MAX_CONCURRENCY = 256;
const MAX_DURATION_MS = 10 * 60_000;
const DEFAULT_MAX_REQUESTS = 1_000_000;

/** Refuses anything but plain http to 127.0.0.1: this tool must never load someone else's server. */
export function checkTarget(url: string): URL {
  const target = new URL(url);
  if (target.protocol !== "http:" || target.hostname !== "127.0.0.1") {
    throw new Error(`bench targets only http://127.0.0.1, not ${target.origin}`);
  }
  return target;
}

export interface GraphQLReply {
  ok: boolean;
  data?: any;
  error?: string;
}

/**
 * One POST; `ok` is false for an HTTP status other than 200 or a response carrying `errors`.
 * `freshConnection` sends it on a new connection, closed after the reply: use it for requests that
 * follow a pause. A kept-alive socket left idle while its thread was blocked (PGlite runs queries on
 * the server's thread) can be closed by the server just as it is reused, failing with ECONNRESET.
 */
export async function post(url: string, operation: Operation, { timeoutMs = 30_000, freshConnection = false } = {}): Promise<GraphQLReply> {
  checkTarget(url);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(freshConnection ? { connection: "close" } : {}),
      },
      body: JSON.stringify(operation),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.status !== 200) return { ok: false, error: `HTTP ${response.status}: ${text.slice(0, 300)}` };
    if (!body) return { ok: false, error: `not JSON: ${text.slice(0, 300)}` };
    if (body.errors?.length) {
      const [first] = body.errors;
      return { ok: false, data: body.data, error: `${first.extensions?.code ?? "ERROR"}: ${first.message}` };
    }
    return { ok: true, data: body.data };
  } catch (error) {
    // fetch reports network failures as "fetch failed"; the reason (ECONNRESET, …) is in `cause`.
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${(error.cause as NodeJS.ErrnoException).code ?? error.cause.name}: ${error.cause.message})` : "";
    return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}${cause}` : String(error) };
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export async function runLoad(scenario: Scenario, options: LoadOptions): Promise<LoadResult> {
  const { url, warmupMs, requestTimeoutMs = 30_000 } = options;
  checkTarget(url);
  const concurrency = Math.min(Math.max(1, Math.floor(options.concurrency)), MAX_CONCURRENCY);
  const durationMs = Math.min(Math.max(1, options.durationMs), MAX_DURATION_MS);
  const maxRequests = Math.min(options.maxRequests ?? DEFAULT_MAX_REQUESTS, DEFAULT_MAX_REQUESTS);

  const latencies = new Float64Array(maxRequests);
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  const iterations = new Array<number>(concurrency).fill(0);

  // Warm-up: same traffic, nothing recorded (JIT, connection pool, plan and page caches).
  const warmupEnd = performance.now() + Math.min(warmupMs, MAX_DURATION_MS);
  await Promise.all(
    iterations.map(async (_, worker) => {
      while (performance.now() < warmupEnd) await post(url, scenario.next(worker, iterations[worker]++), { timeoutMs: requestTimeoutMs });
    }),
  );

  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    iterations.map(async (_, worker) => {
      while (performance.now() < end && requests < maxRequests) {
        const operation = scenario.next(worker, iterations[worker]++);
        const sent = performance.now();
        const reply = await post(url, operation, { timeoutMs: requestTimeoutMs });
        const took = performance.now() - sent;
        if (requests >= maxRequests) break;
        latencies[requests++] = took;
        if (!reply.ok) {
          errors++;
          firstError ??= reply.error;
        }
      }
    }),
  );
  // Requests in flight at `end` finish and count, so the window is measured to the last reply.
  const seconds = (performance.now() - start) / 1000;

  const sorted = latencies.slice(0, requests).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    name: scenario.name,
    concurrency,
    requests,
    errors,
    firstError,
    seconds,
    requestsPerSecond: requests / seconds,
    latencyMs: {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
      mean: sorted.length ? sum / sorted.length : Number.NaN,
    },
  };
}

/** A module whose `exportName` builds the scenarios from plain data (it runs on the load thread). */
export interface ScenarioSource {
  module: string;
  exportName: string;
  scenario: string;
  /** Structured-cloneable: ids, vectors, terms. */
  data: unknown;
}

type ScenarioFactory = (data: any, concurrency: number) => Scenario[];

interface WorkerJob {
  kind: "threadline-bench-load";
  source: ScenarioSource;
  options: LoadOptions;
}

/** runLoad on a worker thread: the server keeps its event loop to itself (though not its CPU cores). */
export function runLoadOffThread(source: ScenarioSource, options: LoadOptions): Promise<LoadResult> {
  checkTarget(options.url);
  // The worker's first import registers tsx, so this TypeScript file can be its entry as well.
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const job: WorkerJob = { kind: "threadline-bench-load", source, options };
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap, { eval: true, workerData: job });
    let settled = false;
    worker.once("message", (message: { result?: LoadResult; error?: string }) => {
      settled = true;
      if (message.result) resolve(message.result);
      else reject(new Error(message.error));
      void worker.terminate();
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`load worker exited with code ${code} before reporting`));
    });
  });
}

if (!isMainThread && (workerData as WorkerJob | undefined)?.kind === "threadline-bench-load") {
  const { source, options } = workerData as WorkerJob;
  try {
    const module = (await import(source.module)) as Record<string, ScenarioFactory>;
    const scenario = module[source.exportName](source.data, options.concurrency).find((s) => s.name === source.scenario);
    if (!scenario) throw new Error(`no scenario named "${source.scenario}" in ${source.module}`);
    parentPort!.postMessage({ result: await runLoad(scenario, options) });
  } catch (error) {
    parentPort!.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}
