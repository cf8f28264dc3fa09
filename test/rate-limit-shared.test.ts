// Rate limits across instances: two real servers on one database, each with its own connection to a
// real Redis server (REDIS_URL). A user's (and an API key's) budget is one budget whichever instance
// answers, over HTTP and WebSocket; a Redis outage or hang leaves the API answering, limited per
// instance, and the shared buckets come back with Redis.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RateLimiter } from "../src/server/rate-limit.ts";
import { connectSharedRateLimiter } from "../src/server/rate-limit-redis.ts";
import type { Logger } from "../src/logger.ts";
import type { Database } from "../src/db/database.ts";
import { freshDatabase } from "./support/database.ts";
import { errorCodes, ok, startTestServer, type GraphQLResponse, type TestServer } from "./support/server.ts";
import { RedisServer, redisServerAvailable } from "./support/redis.ts";

const BURST = 6;
// One token a minute: nothing refills while a test runs, so every count below is exact.
const LIMITS = { perMinute: 1, burst: BURST };

describe.skipIf(!redisServerAvailable())("rate limits shared through Redis (REDIS_URL)", () => {
  const prefix = `threadline-test-${randomUUID()}:`;
  const lines: string[] = [];
  const logger: Logger = { debug() {}, info: (m) => lines.push(`INFO ${m}`), warn: (m) => lines.push(`WARN ${m}`), error: (m) => lines.push(`ERROR ${m}`) };
  let redis: RedisServer;
  let db: Database;
  const limiters: RateLimiter[] = [];
  let a: TestServer;
  let b: TestServer;

  const limiter = async (keyPrefix = prefix) => {
    const created = (await connectSharedRateLimiter(LIMITS, { url: redis.url, prefix: keyPrefix, logger, connectTimeoutMs: 5_000 }))!;
    limiters.push(created);
    return created;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    db = await freshDatabase();
    a = await startTestServer({ db, rateLimiter: await limiter() });
    b = await startTestServer({ db, rateLimiter: await limiter() });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all(limiters.map((each) => each.close()));
    await db?.close();
    await redis?.stop();
  });

  const viewer = (server: TestServer, token: string) => server.gql(`{ viewer { externalId } }`, {}, { token });
  /** Sends `count` requests, alternating between the instances, and returns their answers. */
  const alternating = async (token: string, count: number, servers = [a, b]) => {
    const answers: GraphQLResponse[] = [];
    for (let i = 0; i < count; i++) answers.push(await viewer(servers[i % servers.length], token));
    return answers;
  };
  const refused = (answer: GraphQLResponse) => answer.status === 429 && errorCodes(answer).join() === "RATE_LIMITED";

  it("gives a user one budget across instances: the burst is spent whichever instance answers", async () => {
    const busy = await a.tokenFor(`user_shared_busy_${randomUUID()}`);
    const calm = await a.tokenFor(`user_shared_calm_${randomUUID()}`);
    const answers = await alternating(busy, BURST + 4);
    // Per instance, each would have allowed BURST: together they allow BURST, no more.
    expect(answers.map((answer) => (answer.errors ? "refused" : "ok"))).toEqual([...Array(BURST).fill("ok"), ...Array(4).fill("refused")]);
    expect(answers.slice(BURST).every(refused)).toBe(true);
    const response = await fetch(b.url, { method: "POST", headers: { authorization: `Bearer ${busy}`, "content-type": "application/json" }, body: JSON.stringify({ query: "{ viewer { id } }" }) });
    expect(response.status).toBe(429);
    // One token a minute, none left: the next comes within 60 s.
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await response.json()) as any).errors[0].extensions.retryAfter).toBe(retryAfter);
    // Another user's budget is untouched on both instances.
    expect((await alternating(calm, 2)).every((answer) => !answer.errors)).toBe(true);
  });

  it("gives each API key its own budget, shared across instances, apart from its user's tokens", async () => {
    const token = await a.tokenFor(`user_shared_keys_${randomUUID()}`);
    const { key } = ok(await a.gql(`mutation { createApiKey(name: "ingest") { key } }`, {}, { token })).createApiKey; // 1 of the user's budget
    const keyAnswers = await alternating(key, BURST + 2);
    expect(keyAnswers.filter((answer) => !answer.errors)).toHaveLength(BURST);
    expect(keyAnswers.slice(BURST).every(refused)).toBe(true);
    // The key's budget is spent, the user's tokens still have theirs (less the createApiKey call).
    const tokenAnswers = await alternating(token, BURST);
    expect(tokenAnswers.filter((answer) => !answer.errors)).toHaveLength(BURST - 1);
  });

  it("counts operations over WebSocket in the same budget as over HTTP, on every instance", async () => {
    const token = await a.tokenFor(`user_shared_ws_${randomUUID()}`);
    expect((await alternating(token, BURST - 1)).every((answer) => !answer.errors)).toBe(true);
    const overSocket = async (server: TestServer) => {
      const results: any[] = [];
      for await (const result of server.wsClient(token).iterate({ query: `{ viewer { externalId } }` })) results.push(result);
      return results;
    };
    const last = await overSocket(b);
    expect(last[0].errors).toBeUndefined();
    const over = await overSocket(a).catch((errors) => ({ errors }));
    const codes = (Array.isArray(over) ? over[0].errors : over.errors).map((error: any) => error.extensions?.code);
    expect(codes).toEqual(["RATE_LIMITED"]);
  });

  it("keeps deployments that share a Redis apart by key prefix", async () => {
    const other = await startTestServer({ db, rateLimiter: await limiter(`another-deployment-${randomUUID()}:`) });
    try {
      const token = await a.tokenFor(`user_shared_prefix_${randomUUID()}`);
      expect((await alternating(token, BURST)).every((answer) => !answer.errors)).toBe(true);
      expect(refused(await viewer(a, token))).toBe(true);
      // The same user on another deployment (its own prefix) has a full bucket.
      expect((await alternating(token, BURST, [other])).every((answer) => !answer.errors)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it("goes on answering through a Redis outage, limited per instance, and shares budgets again once Redis is back", async () => {
    const before = await a.tokenFor(`user_shared_outage_${randomUUID()}`);
    lines.length = 0;
    await redis.stop();
    try {
      // Counted in each instance's own buckets: BURST on A, then refused on A; B has its own.
      const onA = await alternating(before, BURST + 1, [a]);
      expect(onA.slice(0, BURST).every((answer) => !answer.errors)).toBe(true);
      expect(refused(onA[BURST])).toBe(true);
      expect(ok(await viewer(b, before)).viewer.externalId).toMatch(/^user_shared_outage_/);
      // Said once per instance, not once per request.
      const warnings = lines.filter((line) => line.startsWith("WARN rate limits: Redis"));
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.length).toBeLessThanOrEqual(2);
    } finally {
      await redis.resume();
    }
    // Back (an empty Redis: buckets start full). Probe with fresh users until both instances use it.
    const after = await a.tokenFor(`user_shared_after_${randomUUID()}`);
    await expect
      .poll(
        async () => {
          // Each probe spends one token of a fresh user on A; shared once B sees it spent too.
          const probe = await a.tokenFor(`user_shared_probe_${randomUUID()}`);
          for (let i = 0; i < BURST; i++) await viewer(a, probe);
          return refused(await viewer(b, probe));
        },
        { timeout: 20_000, interval: 300 },
      )
      .toBe(true);
    const answers = await alternating(after, BURST + 2);
    expect(answers.filter((answer) => !answer.errors)).toHaveLength(BURST);
  }, 60_000);

  it("answers promptly while Redis hangs without closing its connections", async () => {
    const token = await a.tokenFor(`user_shared_hang_${randomUUID()}`);
    redis.freeze();
    try {
      const started = Date.now();
      const answers = await alternating(token, 4);
      expect(answers.every((answer) => !answer.errors)).toBe(true);
      // Each request waits at most the command timeout (250 ms) for Redis, then counts locally.
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      redis.thaw();
    }
  });

  it("refuses to start when Redis cannot be reached, without printing its password", async () => {
    const attempt = connectSharedRateLimiter(LIMITS, { url: "redis://:hunter2@127.0.0.1:1", prefix, logger, connectTimeoutMs: 1_000 });
    await expect(attempt).rejects.toThrow(/could not connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 for rate limits/);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });
});
