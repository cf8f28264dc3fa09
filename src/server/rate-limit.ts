// Requests per user and per API key: a token bucket each (RATE_LIMIT_BURST requests at once,
// refilled at RATE_LIMIT_PER_MINUTE). Over it, RATE_LIMITED with HTTP 429 and Retry-After.
//
// One instance keeps its buckets in memory. With REDIS_URL the buckets live in Redis, so a user's
// budget is the same whichever instance answers: one Lua script reads, refills and takes a token
// atomically, on Redis's clock (instances' clocks may differ). Why not rate-limiter-flexible, and
// what happens while Redis is away: docs/design/hardening.md ("Rate limits").
import { Redis } from "ioredis";
import { apiError } from "../errors.ts";
import { redactUrl, type Logger } from "../logger.ts";
import { whenReady } from "../events/redis.ts";

export interface RateLimitConfig {
  perMinute: number;
  burst: number;
}

export interface RateLimiter {
  /** Takes one request from the key's bucket, or throws RATE_LIMITED. */
  take(key: string): Promise<void>;
  /** "in-process" or where the shared buckets are, for the start-up log. */
  description: string;
  close(): Promise<void>;
}

interface Bucket {
  tokens: number;
  at: number;
}

function rateLimited({ perMinute, burst }: RateLimitConfig, waitMs: number) {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return apiError("RATE_LIMITED", `Too many requests: at most ${perMinute} a minute (bursts of ${burst}); retry in ${retryAfter} s`, {
    retryAfter,
    http: { status: 429, headers: { "Retry-After": String(retryAfter) } },
  });
}

/** Buckets in this process's memory: per instance. */
export function createRateLimiter(config: RateLimitConfig, now = () => Date.now()): RateLimiter | undefined {
  const { perMinute, burst } = config;
  if (perMinute <= 0) return undefined;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  let sweptAt = now();
  const takeNow = (key: string) => {
    const time = now();
    if (time - sweptAt > 60_000) {
      // Full buckets hold nothing worth keeping.
      for (const [k, b] of buckets) if (b.tokens + (time - b.at) * perMs >= burst) buckets.delete(k);
      sweptAt = time;
    }
    const bucket = buckets.get(key) ?? { tokens: burst, at: time };
    bucket.tokens = Math.min(burst, bucket.tokens + (time - bucket.at) * perMs);
    bucket.at = time;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) throw rateLimited(config, (1 - bucket.tokens) / perMs);
    bucket.tokens -= 1;
  };
  return {
    description: "in-process (per instance)",
    async take(key) {
      takeNow(key);
    },
    async close() {},
  };
}

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

/** The limiter a configuration asks for: off, in-process, or shared through REDIS_URL. */
export function openRateLimiter(
  config: { rateLimit: RateLimitConfig; events: { redisUrl?: string; channelPrefix: string } },
  logger: Logger,
): Promise<RateLimiter | undefined> | RateLimiter | undefined {
  const { redisUrl, channelPrefix } = config.events;
  if (!redisUrl) return createRateLimiter(config.rateLimit);
  return connectSharedRateLimiter(config.rateLimit, { url: redisUrl, prefix: channelPrefix, logger });
}
