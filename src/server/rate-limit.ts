// Requests per user and per API key: a token bucket each (RATE_LIMIT_BURST requests at once,
// refilled at RATE_LIMIT_PER_MINUTE). Over it, RATE_LIMITED with HTTP 429 and Retry-After.
//
// One instance keeps its buckets in memory. With REDIS_URL the buckets live in Redis, so a user's
// budget is the same whichever instance answers: one Lua script reads, refills and takes a token
// atomically, on Redis's clock (./rate-limit-redis.ts). Why not rate-limiter-flexible, and what
// happens while Redis is away: docs/design/hardening.md ("Rate limits").
import { apiError } from "../errors.ts";
import type { Logger } from "../logger.ts";

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

export function rateLimited({ perMinute, burst }: RateLimitConfig, waitMs: number) {
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

/** The limiter a configuration asks for: off, in-process, or shared through REDIS_URL. */
export function openRateLimiter(
  config: { rateLimit: RateLimitConfig; events: { redisUrl?: string; channelPrefix: string } },
  logger: Logger,
): Promise<RateLimiter | undefined> | RateLimiter | undefined {
  const { redisUrl, channelPrefix } = config.events;
  if (!redisUrl || config.rateLimit.perMinute <= 0) return createRateLimiter(config.rateLimit);
  // ioredis is loaded only when Redis is configured.
  return import("./rate-limit-redis.ts").then(({ connectSharedRateLimiter }) =>
    connectSharedRateLimiter(config.rateLimit, { url: redisUrl, prefix: channelPrefix, logger }),
  );
}
