// `npm run bench:events`: how long until a subscriber sees a message someone else just appended.
// From sending appendMessages to the messageAdded result arriving over a WebSocket, measured
// (1) on one server with the in-process bus, and (2) across two servers on one database through
// Redis (REDIS_URL), the mutation served by one and the subscriber connected to the other.
// Redis: BENCH_REDIS_URL, or a throwaway Debian redis-server started here.
//
//   BENCH_EVENTS=300 npm run bench:events
import { performance } from "node:perf_hooks";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { openDatabase } from "../src/db/database.ts";
import { createAuthenticator } from "../src/auth/viewer.ts";
import { inProcessEvents, type EventBus } from "../src/events/pubsub.ts";
import { connectRedisEvents } from "../src/events/redis.ts";
import { startServer, type RunningServer } from "../src/server.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { RedisServer, redisServerAvailable } from "../test/support/redis.ts";
import { percentile, post } from "./harness.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300);
if (!Number.isInteger(EVENTS) || EVENTS < 10 || EVENTS > 100_000) throw new Error("BENCH_EVENTS must be a whole number from 10 to 100000");

const logger = createLogger("error");
const database = await openDatabase({ dataDir: "memory://" });
const config = loadConfig({ NODE_ENV: "test", PORT: "0" }); // local mode: one user
const start = (events: EventBus) =>
  startServer(
    { config, prisma: database.prisma, events, authenticator: createAuthenticator(config.auth, database.prisma), embedder: createEmbedder("hashing"), logger },
    { host: "127.0.0.1", port: 0 },
  );

const APPEND = `mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`;

/** Appends EVENTS messages one at a time through `writer`; returns each one's latency until `reader`'s subscriber had it. */
async function measure(writer: RunningServer, reader: RunningServer): Promise<Float64Array> {
  const created = await post(writer.url, { query: `mutation { createConversation(input: { title: "events bench" }) { id } }` });
  if (!created.ok) throw new Error(`createConversation failed: ${created.error}`);
  const conversationId = created.data.createConversation.id as string;
  const client = createClient({ url: reader.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
  const waiting = new Map<string, (at: number) => void>();
  const subscription = client.iterate<{ messageAdded: { content: string } }>({
    query: `subscription($id: ID) { messageAdded(conversationId: $id) { content } }`,
    variables: { id: conversationId },
  });
  const pump = (async () => {
    for await (const result of subscription) waiting.get(result.data!.messageAdded.content)?.(performance.now());
  })();
  const send = async (content: string) => {
    const arrived = new Promise<number>((resolve) => waiting.set(content, resolve));
    const sent = performance.now();
    const appended = await post(writer.url, { query: APPEND, variables: { id: conversationId, m: [{ role: "USER", content }] } });
    if (!appended.ok) throw new Error(`appendMessages failed: ${appended.error}`);
    const at = await Promise.race([arrived, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`"${content}" never arrived`)), 10_000))]);
    waiting.delete(content);
    return at - sent;
  };
  // Warm up until the subscription is live (it registers a moment after the socket opens).
  for (let i = 0; ; i++) {
    const attempt = send(`warm-up ${i}`).catch(() => undefined);
    if ((await Promise.race([attempt, new Promise((resolve) => setTimeout(() => resolve(undefined), 200))])) !== undefined) break;
    if (i > 50) throw new Error("the subscription never went live");
  }
  const latencies = new Float64Array(EVENTS);
  for (let i = 0; i < EVENTS; i++) latencies[i] = await send(`event ${i}`);
  await subscription.return?.();
  await client.dispose();
  await pump.catch(() => {});
  return latencies.sort();
}

const row = (name: string, sorted: Float64Array) =>
  `| ${name} | ${sorted.length} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 95).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${sorted[sorted.length - 1].toFixed(1)} |`;

console.log(`# Threadline benchmark: subscription events\n`);
console.log(`${EVENTS} appends one at a time, each timed from sending appendMessages until the subscriber's WebSocket delivered the message; PGlite in memory.\n`);
console.log(`| path | events | p50 ms | p95 ms | p99 ms | max ms |`);
console.log(`|---|--:|--:|--:|--:|--:|`);

const single = await start(inProcessEvents());
console.log(row("one server, in-process bus", await measure(single, single)));
await single.close();

let redis: RedisServer | undefined;
let redisUrl = process.env.BENCH_REDIS_URL;
if (!redisUrl && redisServerAvailable()) {
  redis = await RedisServer.start();
  redisUrl = redis.url;
}
if (redisUrl) {
  const prefix = `threadline-bench-${Date.now()}:`;
  const buses = await Promise.all([0, 1].map(() => connectRedisEvents({ url: redisUrl!, prefix, logger })));
  const [a, b] = await Promise.all(buses.map((bus) => start(bus)));
  console.log(row("two servers through Redis (write on one, subscribe on the other)", await measure(b, a)));
  await Promise.all([a.close(), b.close()]);
  await Promise.all(buses.map((bus) => bus.close()));
} else {
  console.log(`| two servers through Redis | skipped: set BENCH_REDIS_URL or install redis-server | | | | |`);
}
await redis?.stop();
await database.close();
