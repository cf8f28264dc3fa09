// `npm run bench:background`: what background embedding costs the requests that write messages, and
// how fast the Universal Sentence Encoder works in its worker thread.
//
//   1. USE throughput in the worker: sentences per second at several batch sizes.
//   2. appendMessages throughput (10 messages per call, C clients on a load thread) with the
//      background worker off (the job is still enqueued: one INSERT per call) and on (USE in a
//      worker thread, embedding the backlog while the load runs), and how much it embedded meanwhile.
// BENCH_DATABASE_URL=postgres://… for PostgreSQL (throwaway databases), else PGlite in memory.
// BENCH_SECONDS (default 20), BENCH_CONCURRENCY (default 4), BENCH_SENTENCES (default 64: texts per batch size).
import os from "node:os";
import { performance } from "node:perf_hooks";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { openDatabase, type Database } from "../src/db/database.ts";
import { throwawayDatabase } from "../src/db/throwaway.ts";
import { createAuthenticator } from "../src/auth/viewer.ts";
import { inProcessEvents } from "../src/events/pubsub.ts";
import { startServer } from "../src/server.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { startBackgroundWorker } from "../src/jobs/worker.ts";
import { post, runLoadOffThread } from "./harness.ts";
import { generator, message } from "./scenarios.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const serverUrl = process.env.BENCH_DATABASE_URL;

const use = createEmbedder("use");
await use.warm!();

console.log(`# Background embedding: ${serverUrl ? "PostgreSQL" : "PGlite (in memory)"}\n`);
console.log(`- date: ${new Date().toISOString()}; ${os.availableParallelism()} CPUs; load average ${os.loadavg()[0].toFixed(2)} at start`);
console.log(`- appendMessages: ${concurrency} clients on a load thread, 3 s warm-up + ${seconds} s per run, 10 messages per call\n`);

// --- 1. USE in its worker ---------------------------------------------------------------------------
const rng = generator(7);
const SENTENCES = Number(process.env.BENCH_SENTENCES ?? 64);
const sentences = Array.from({ length: SENTENCES }, (_, i) => message(rng, i, `s${i}`).content);
console.log("| USE batch size | sentences/s (one worker thread) |\n|---|---|");
for (const batch of [1, 8, 32, 64]) {
  const start = performance.now();
  let done = 0;
  for (let at = 0; at + batch <= SENTENCES; at += batch) {
    await use.embed(sentences.slice(at, at + batch));
    done += batch;
  }
  console.log(`| ${batch} | ${(done / ((performance.now() - start) / 1000)).toFixed(0)} |`);
}
console.log("");

// --- 2. appendMessages with the worker off and on ---------------------------------------------------
async function database(): Promise<Database> {
  return serverUrl ? throwawayDatabase(serverUrl, { prefix: "threadline_bench" }) : openDatabase({ dataDir: "memory://" });
}

async function run(background: boolean) {
  const db = await database();
  const config = loadConfig({ NODE_ENV: "test", PORT: "0", THREADLINE_BACKGROUND_POLL_MS: "200" });
  const logger = createLogger("error");
  const server = await startServer(
    { config, prisma: db.prisma, events: inProcessEvents(), authenticator: createAuthenticator(config.auth, db.prisma), embedder: use, logger },
    { host: "127.0.0.1", port: 0 },
  );
  const worker = background ? await startBackgroundWorker({ prisma: db.prisma, embedder: use, config: config.background, logger }) : undefined;
  try {
    const conversationIds: string[] = [];
    for (let c = 0; c < concurrency * 4; c++) {
      const reply = await post(server.url, { query: `mutation($t: String!) { createConversation(input: { title: $t }) { id } }`, variables: { t: `bench ${c}` } });
      conversationIds.push(reply.data.createConversation.id);
    }
    const result = await runLoadOffThread(
      { module: new URL("./background-scenario.ts", import.meta.url).href, exportName: "appendScenario", scenario: "append", data: { conversationIds } },
      { url: server.url, concurrency, durationMs: seconds * 1000, warmupMs: 3000 },
    );
    const written = await db.prisma.message.count();
    const embedded = (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(DISTINCT message_id)::int AS n FROM conversation_chunks WHERE message_id IS NOT NULL`)[0].n;
    return { result, written, embedded };
  } finally {
    await worker?.stop();
    await server.close();
    await db.close();
  }
}

{
  const off = await run(false);
  const on = await run(true);
  console.log("| background embedding | appendMessages calls/s | p50 ms | p95 ms | messages written | embedded meanwhile |\n|---|---|---|---|---|---|");
  for (const [label, { result, written, embedded }] of [["off (jobs only enqueued)", off], ["on (USE, 1 worker thread)", on]] as const) {
    console.log(`| ${label} | ${result.requestsPerSecond.toFixed(1)} | ${result.latencyMs.p50.toFixed(1)} | ${result.latencyMs.p95.toFixed(1)} | ${written} | ${embedded} |`);
  }
  console.log(`\nwith / without: ${((100 * on.result.requestsPerSecond) / off.result.requestsPerSecond).toFixed(0)} %`);
  await use.close!();
}
