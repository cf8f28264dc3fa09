// Token buckets in Redis, shared by every instance (REDIS_URL); loaded only when Redis is configured.
// One Lua script reads, refills and takes a token atomically, on Redis's clock (instances' clocks
// may differ). Why hand code, and what happens while Redis is away: docs/design/hardening.md.
import { Redis } from "ioredis";
import { redactUrl, type Logger } from "../logger.ts";
import { whenReady } from "../events/redis.ts";
import { createRateLimiter, rateLimited, type RateLimitConfig, type RateLimiter } from "./rate-limit.ts";

// KEYS[1]: the bucket (a hash of tokens and the time they were counted). ARGV: burst, tokens per ms.
// Returns { 1, 0 } when a token was taken, { 0, ms until one is there } when not. A refused request
// writes nothing (refilling is a function of time alone); a bucket expires once it would be full.
const TAKE_TOKEN = `
local burst = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * per_ms)
if tokens < 1 then
  return { 0, math.ceil((1 - tokens) / per_ms) }
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
return { 1, 0 }
`;

export interface SharedRateLimiterOptions {
  url: string;
  /** Put before every key (REDIS_CHANNEL_PREFIX), so deployments sharing a Redis keep their own buckets. */
  prefix: string;
  logger: Logger;
  /** How long a request waits for Redis before it is counted in this instance's buckets instead. */
  commandTimeoutMs?: number;
  /** After Redis failed, how long requests go to the local buckets before Redis is asked again. */
  retryAfterFailureMs?: number;
  connectTimeoutMs?: number;
}

type TakeTokenClient = Redis & { takeToken(key: string, burst: number, perMs: number): Promise<[number, number]> };

/**
 * Buckets in Redis, shared by every instance. While Redis is unreachable or slow, requests are
 * counted in this instance's own buckets (never let through unlimited, never refused for it), with
 * one warning per outage; the shared buckets are used again as soon as Redis answers.
 */
export async function connectSharedRateLimiter(
  config: RateLimitConfig,
  { url, prefix, logger, commandTimeoutMs = 250, retryAfterFailureMs = 1_000, connectTimeoutMs = 10_000 }: SharedRateLimiterOptions,
): Promise<RateLimiter | undefined> {
  const local = createRateLimiter(config);
  if (!local) return undefined;
  const where = redactUrl(url);
  const client = new Redis(url, {
    lazyConnect: true,
    connectionName: "threadline-rate-limit",
    connectTimeout: connectTimeoutMs,
    // A request never waits in a queue for a Redis that is away: it fails at once and is counted locally.
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  }) as TakeTokenClient;
  client.defineCommand("takeToken", { numberOfKeys: 1, lua: TAKE_TOKEN });
  client.on("error", () => {}); // reported below, once per outage
  try {
    await whenReady(client, connectTimeoutMs);
  } catch (error) {
    client.disconnect();
    throw new Error(`could not connect to Redis at ${where} for rate limits: ${(error as Error).message}`);
  }

  const perMs = config.perMinute / 60_000;
  let failedAt: number | undefined;
  return {
    description: `shared through Redis at ${where} (keys ${prefix}rate:*)`,
    async take(key) {
      if (failedAt !== undefined && Date.now() - failedAt < retryAfterFailureMs) return local.take(key);
      let answer: [number, number];
      try {
        answer = await client.takeToken(`${prefix}rate:${key}`, config.burst, perMs);
      } catch (error) {
        if (failedAt === undefined) {
          logger.warn(`rate limits: Redis at ${where} did not answer (${(error as Error).message}): counting requests per instance until it does`);
        }
        failedAt = Date.now();
        return local.take(key);
      }
      if (failedAt !== undefined) {
        logger.info(`rate limits: Redis at ${where} answers again: buckets shared again`);
        failedAt = undefined;
      }
      const [taken, waitMs] = answer;
      if (taken !== 1) throw rateLimited(config, waitMs);
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
