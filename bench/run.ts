// `npm run bench`: the real server in-process on 127.0.0.1 over a fresh database (in-memory PGlite, or
// a throwaway database on BENCH_DATABASE_URL's server), synthetic data loaded through the API, then
// each scenario under load from a separate thread. Prints markdown; docs/BENCHMARKS.md has the numbers.
//
//   BENCH_SECONDS=5 BENCH_CONCURRENCY=8 BENCH_WARMUP_SECONDS=1 BENCH_ONLY=search BENCH_VERBOSE=1 npm run bench
//   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:54329/postgres npm run bench
//   BENCH_EMBEDDER=use embeds chunks and text queries with the Universal Sentence Encoder (THREADLINE_EMBEDDER=use).
//   BENCH_PGLITE_DISK=1 puts PGlite in a temporary folder (as `npm start` does) instead of in memory.
//   BENCH_KEEP_DATABASE=1 (with BENCH_DATABASE_URL) leaves the loaded database in place, for EXPLAIN.
//   BENCH_PROFILE=/tmp/prof writes a CPU profile of the server's thread per scenario and prints where it went.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Session } from "node:inspector/promises";
import { execFileSync } from "node:child_process";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { openDatabase, type Database, type QueryEvent } from "../src/db/database.ts";
import { throwawayDatabase } from "../src/db/throwaway.ts";
import { createAuthenticator } from "../src/auth/viewer.ts";
import { inProcessEvents } from "../src/events/pubsub.ts";
import { startServer } from "../src/server.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { embedderConfig } from "../src/config.ts";
import { percentile, post, runLoadOffThread, type LoadResult, type Operation } from "./harness.ts";
import { APPEND_MESSAGES, TERMS, buildScenarios, generator, message, sentence, type Fixture } from "./scenarios.ts";

const CONVERSATIONS = 100;
const MESSAGES_PER_CONVERSATION = 50;
const CHUNKS = 2_000;
const CHUNKS_PER_BATCH = 200;

function numberFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

const seconds = numberFromEnv("BENCH_SECONDS", 5, 0.1, 600);
const concurrency = Math.floor(numberFromEnv("BENCH_CONCURRENCY", 8, 1, 256));
const warmupSeconds = numberFromEnv("BENCH_WARMUP_SECONDS", 1, 0, 60);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, "i") : undefined;
const verbose = Boolean(process.env.BENCH_VERBOSE);
const serverUrl = process.env.BENCH_DATABASE_URL || undefined;
const keepDatabase = Boolean(process.env.BENCH_KEEP_DATABASE);
const profileDir = process.env.BENCH_PROFILE || undefined;
const pgliteOnDisk = Boolean(process.env.BENCH_PGLITE_DISK);

/** PGlite in memory (or a temporary folder), or a new database on a real server that close() drops, as the tests do. */
async function benchDatabase(): Promise<Database> {
  if (!serverUrl && pgliteOnDisk) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-bench-"));
    const database = await openDatabase({ dataDir });
    return {
      ...database,
      async close() {
        await database.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!serverUrl) return openDatabase({ dataDir: "memory://" });
  return throwawayDatabase(serverUrl, { prefix: "threadline_bench", keep: keepDatabase });
}

async function must(url: string, operation: Operation): Promise<any> {
  const reply = await post(url, operation, { timeoutMs: 300_000, freshConnection: true });
  if (!reply.ok) throw new Error(`setup request failed: ${reply.error}\n${operation.query}`);
  return reply.data;
}

/** Runs a task per item with at most `limit` in flight; returns each task's latency in ms. */
async function inPool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        const start = performance.now();
        await task(item);
        latencies.push(performance.now() - start);
      }
    }),
  );
  return latencies;
}

/** The longest the server's thread went without turning its event loop while fn ran, in ms. */
async function longestStall<T>(fn: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    return { value: await fn(), stallMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

/** Every statement the server sends while fn runs, with the driver's duration for each. */
async function recording<T>(database: Database, fn: () => Promise<T>): Promise<{ value: T; events: QueryEvent[] }> {
  const events: QueryEvent[] = [];
  const stop = database.onQuery((event) => events.push(event));
  try {
    return { value: await fn(), events };
  } finally {
    stop();
  }
}

const oneLine = (sql: string, width = 150) => sql.replace(/\s+/g, " ").trim().slice(0, width);
const ms = (value: number) => (Number.isNaN(value) ? "–" : value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0));
const rate = (value: number) => (value < 100 ? value.toFixed(1) : value.toFixed(0));

/** Statement kinds by total driver time: where a phase spent its database time. */
function topStatements(events: QueryEvent[], limit = 6): string[] {
  const byShape = new Map<string, { count: number; ms: number }>();
  for (const event of events) {
    const shape = oneLine(event.query, 90);
    const entry = byShape.get(shape) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += event.durationMs;
    byShape.set(shape, entry);
  }
  return [...byShape]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, limit)
    .map(([shape, { count, ms: total }]) => `    ${count}× ${Math.round(total)} ms  ${shape}`);
}

/** The commit measured, and whether the working tree differed from it. */
function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: new URL("..", import.meta.url), encoding: "utf8" }).trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "src", "prisma") ? " + uncommitted changes in src/ or prisma/" : ""}`;
  } catch {
    return "unknown (no git)";
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by package (or src/, node internals, idle, GC): the server thread's CPU, coarsely. */
function profileByPackage(profile: CpuProfile, limit = 8): string {
  const urlOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame.url || `(${n.callFrame.functionName || "native"})`]));
  const byPackage = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const url = urlOf.get(id)!;
    const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes("/src/") ? "src/" : url.startsWith("node:") ? "node internals" : url.startsWith("wasm:") ? "wasm" : url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + profile.timeDeltas[i]);
    total += profile.timeDeltas[i];
  });
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([pkg, t]) => `${pkg} ${((100 * t) / total).toFixed(0)} %`)
    .join(", ");
}

async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!profileDir) return fn();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: CpuProfile };
    session.disconnect();
    fs.mkdirSync(profileDir, { recursive: true });
    const file = path.join(profileDir, `${name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "")}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`  server thread: ${profileByPackage(profile)} (${file})\n`);
  }
}

// --- the server -----------------------------------------------------------------------------------

const openStart = performance.now();
const database = await benchDatabase();
const openSeconds = (performance.now() - openStart) / 1000;
const config = loadConfig({ NODE_ENV: "test", PORT: "0" });
const embedder = createEmbedder(embedderConfig({ ...process.env, THREADLINE_EMBEDDER: process.env.BENCH_EMBEDDER || "hashing" }));
await embedder.warm?.();
const server = await startServer(
  { config, prisma: database.prisma, events: inProcessEvents(), authenticator: createAuthenticator(config.auth, database.prisma), embedder, logger: createLogger("error") },
  { host: "127.0.0.1", port: 0 },
);

let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    await server.close();
    await database.close();
  })());
process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));

try {
  const url = server.url;
  const [{ version }] = await database.prisma.$queryRaw<{ version: string }[]>`SELECT version()`;
  const [vectorExtension] = await database.prisma.$queryRaw<{ extversion: string }[]>`SELECT extversion FROM pg_extension WHERE extname = 'vector'`;
  const dbLabel = database.kind === "postgres" ? "PostgreSQL" : pgliteOnDisk ? "PGlite (on disk)" : "PGlite (in memory)";

  console.log(`# Threadline benchmark: ${dbLabel}\n`);
  console.log(`- date: ${new Date().toISOString()}, code: ${codeVersion()}`);
  console.log(`- database: ${version.split(",")[0]}, pgvector ${vectorExtension?.extversion ?? "?"} (created and migrated in ${openSeconds.toFixed(1)} s)`);
  console.log(`- machine: ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model.trim() ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`);
  console.log(`- other load on the machine: 1-minute load average ${os.loadavg()[0].toFixed(2)} at start (anything else running skews every number)`);
  console.log(`- load: ${concurrency} concurrent clients on a worker thread, ${warmupSeconds} s warm-up + ${seconds} s per scenario, keep-alive HTTP to 127.0.0.1\n`);

  // --- loading through the API --------------------------------------------------------------------
  const rng = generator(42);
  const phases: { phase: string; calls: number; rows: string; seconds: number; perSecond: number; callMs: number[]; events: QueryEvent[]; stallMs: number }[] = [];
  async function phase<T>(name: string, items: readonly T[], rows: () => [number, string], task: (item: T) => Promise<unknown>) {
    const start = performance.now();
    const { value: { value: callMs, events }, stallMs } = await longestStall(() => recording(database, () => inPool(items, concurrency, task)));
    const took = (performance.now() - start) / 1000;
    const [count, unit] = rows();
    phases.push({ phase: name, calls: items.length, rows: `${count} ${unit}`, seconds: took, perSecond: count / took, callMs, events, stallMs });
  }

  // Every payload is built before the first request, so the timings are the server's, not the generator's.
  const titles = Array.from({ length: CONVERSATIONS }, (_, i) => `Bench conversation ${i}: ${sentence(rng, 5)}`);
  const messageBatches = titles.map((_, c) => Array.from({ length: MESSAGES_PER_CONVERSATION }, (_, i) => message(rng, i, `c${c}m${i}`)));
  const toolUses = messageBatches.flat().reduce((n, m) => n + (m.toolUses?.length ?? 0), 0);
  // Chunk embeddings come from the server's own (hashing) model, so the vector half of a hybrid
  // search, which compares only vectors of the embedder's model, finds them too.
  const chunkBatches: { conversation: number; chunks: { chunkIndex: number; chunkText: string; embedding: number[]; model: string }[] }[] = [];
  for (let b = 0; b < CHUNKS / CHUNKS_PER_BATCH; b++) {
    const texts = Array.from({ length: CHUNKS_PER_BATCH }, () => sentence(rng, rng.int(40, 120)));
    const vectors = await embedder.embed(texts);
    chunkBatches.push({
      conversation: b % CONVERSATIONS,
      chunks: texts.map((chunkText, chunkIndex) => ({ chunkIndex, chunkText, embedding: vectors[chunkIndex], model: embedder.model })),
    });
  }

  const conversationIds: string[] = new Array(CONVERSATIONS);
  await phase("createConversation", [...titles.keys()], () => [CONVERSATIONS, "conversations"], async (i) => {
    const data = await must(url, {
      query: `mutation ($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      variables: { input: { title: titles[i], projectPath: `/home/dev/project${i % 5}` } },
    });
    conversationIds[i] = data.createConversation.id;
  });

  let inserted = 0;
  await phase(`appendMessages (${MESSAGES_PER_CONVERSATION} per call, with ${toolUses} tool uses in all)`, [...messageBatches.keys()], () => [inserted, "messages"], async (c) => {
    const data = await must(url, { query: APPEND_MESSAGES, variables: { id: conversationIds[c], messages: messageBatches[c] } });
    inserted += data.appendMessages.inserted; // not `inserted += await …`: that reads `inserted` before awaiting
  });
  if (inserted !== CONVERSATIONS * MESSAGES_PER_CONVERSATION) throw new Error(`expected ${CONVERSATIONS * MESSAGES_PER_CONVERSATION} messages, inserted ${inserted}`);

  let chunks = 0;
  await phase(`upsertChunks (${CHUNKS_PER_BATCH} per call, ${embedder.dimensions}-d embeddings)`, chunkBatches, () => [chunks, "chunks"], async (batch) => {
    const data = await must(url, {
      query: `mutation ($id: ID!, $chunks: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $chunks) { id } }`,
      variables: { id: conversationIds[batch.conversation], chunks: batch.chunks },
    });
    chunks += data.upsertChunks.length;
  });

  // Plans depend on statistics: without them the planner guesses (and the vector query may or may not
  // take the HNSW index). A long-running server's autovacuum would have analyzed the new rows by now;
  // PGlite runs no autovacuum, so there only an explicit ANALYZE ever does.
  const [{ analyzed }] = await database.prisma.$queryRaw<{ analyzed: number }[]>`
    SELECT count(*) FILTER (WHERE last_autoanalyze IS NOT NULL)::int AS analyzed
      FROM pg_stat_user_tables WHERE relname IN ('conversations', 'messages', 'tool_uses', 'conversation_chunks')`;
  await database.prisma.$executeRaw`ANALYZE`;

  console.log(`## Loading through the API (${concurrency} concurrent clients)\n`);
  console.log(
    `${CONVERSATIONS} conversations, ${inserted} messages with ${toolUses} tool uses, ${chunks} chunks with ${embedder.dimensions}-d embeddings. ` +
      `Autovacuum had analyzed ${analyzed} of the 4 loaded tables; the runner then ran ANALYZE.\n`,
  );
  console.log("| phase | calls | rows | seconds | rows/s | ms per call, p50 | max | SQL statements | longest server stall, ms |");
  console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const p of phases) {
    const sorted = Float64Array.from(p.callMs).sort();
    console.log(`| ${p.phase} | ${p.calls} | ${p.rows} | ${p.seconds.toFixed(2)} | ${rate(p.perSecond)} | ${ms(percentile(sorted, 50))} | ${ms(sorted[sorted.length - 1])} | ${p.events.length} | ${ms(p.stallMs)} |`);
  }
  if (verbose) {
    for (const p of phases) console.log(`\n${p.phase}: statements by driver time\n\n${topStatements(p.events).join("\n")}`);
  }
  console.log("");

  // --- scenarios ----------------------------------------------------------------------------------
  const queryRng = generator(7);
  const fixture: Fixture = {
    conversationIds,
    queryVectors: await embedder.embed(Array.from({ length: 64 }, () => sentence(queryRng, 12))),
    containsTerms: [...TERMS.slice(0, 20), "connection pool", "ci.example.com/run/4", "nothing-matches-this"],
    hybridQueries: Array.from({ length: 64 }, () => `${queryRng.pick(TERMS)} ${queryRng.pick(TERMS)}`),
  };
  const scenarios = buildScenarios(fixture, concurrency).filter((s) => !only || only.test(s.name));

  const rows: { result: LoadResult; probe: QueryEvent[]; probeMs: number; stallMs: number }[] = [];
  for (const scenario of scenarios) {
    // Requests one at a time on an otherwise idle server, each on a new connection: one's exact SQL
    // statements, and the median latency of five (the first after a scenario change is often an outlier).
    const { value: probe, events } = await recording(database, () => post(url, scenario.next(concurrency + 1, 0), { freshConnection: true }));
    if (!probe.ok) throw new Error(`${scenario.name}: ${probe.error}`);
    const alone: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const start = performance.now();
      const reply = await post(url, scenario.next(concurrency + 1, i), { freshConnection: true });
      alone.push(performance.now() - start);
      if (!reply.ok) throw new Error(`${scenario.name}: ${reply.error}`);
    }
    const probeMs = percentile(Float64Array.from(alone).sort(), 50);

    process.stderr.write(`running ${scenario.name} …\n`);
    const { value: result, stallMs } = await longestStall(() =>
      profiled(scenario.name, () =>
        runLoadOffThread(
          { module: new URL("./scenarios.ts", import.meta.url).href, exportName: "buildScenarios", scenario: scenario.name, data: fixture },
          { url, concurrency, durationMs: seconds * 1000, warmupMs: warmupSeconds * 1000 },
        ),
      ),
    );
    rows.push({ result, probe: events, probeMs, stallMs });
    if (result.errors) process.stderr.write(`  ${result.errors} errors; first: ${result.firstError}\n`);
  }

  console.log(`## Scenarios (${concurrency} concurrent clients, ${seconds} s each after ${warmupSeconds} s warm-up)\n`);
  console.log("| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | SQL per request | one at a time, p50 ms | longest server stall, ms |");
  console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const { result: r, probe, probeMs, stallMs } of rows) {
    console.log(
      `| ${r.name} | ${r.requests} | ${rate(r.requestsPerSecond)} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p95)} | ${ms(r.latencyMs.p99)} | ${ms(r.latencyMs.max)} | ${r.errors} | ${probe.length} | ${ms(probeMs)} | ${ms(stallMs)} |`,
    );
  }
  for (const { result: r, probe } of rows) {
    if (!verbose && !r.name.startsWith("(b)")) continue;
    console.log(`\n${r.name}: the ${probe.length} statements of one request (driver ms)\n`);
    for (const e of probe) console.log(`    ${ms(e.durationMs).padStart(7)}  ${oneLine(e.query)}`);
  }
  console.log(`\n1-minute load average at the end: ${os.loadavg()[0].toFixed(2)} (this run itself adds about 2 on this many cores).`);
  const failed = rows.filter((r) => r.result.errors > 0);
  for (const { result: r } of failed) console.log(`\n${r.name}: ${r.errors} errors, first: ${r.firstError}`);
  process.exitCode = failed.length ? 1 : 0;
} finally {
  await cleanup();
}
