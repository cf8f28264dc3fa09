// Requests per user and per API key: a token bucket each (RATE_LIMIT_BURST requests at once,
// refilled at RATE_LIMIT_PER_MINUTE). Over it, RATE_LIMITED with HTTP 429 and Retry-After. Kept in
// this process: with several instances behind a load balancer each instance has its own buckets.
import { apiError } from "../errors.ts";

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateLimiter {
  /** Takes one request from the key's bucket, or throws RATE_LIMITED. */
  take(key: string): void;
}

export function createRateLimiter({ perMinute, burst }: { perMinute: number; burst: number }, now = () => Date.now()): RateLimiter | undefined {
  if (perMinute <= 0) return undefined;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  let sweptAt = now();
  return {
    take(key) {
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
      if (bucket.tokens < 1) {
        const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
        throw apiError("RATE_LIMITED", `Too many requests: at most ${perMinute} a minute (bursts of ${burst}); retry in ${retryAfter} s`, {
          retryAfter,
          http: { status: 429, headers: { "Retry-After": String(retryAfter) } },
        });
      }
      bucket.tokens -= 1;
    },
  };
}
