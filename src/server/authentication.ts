// Authentication before any other work: a request's credential is checked as soon as its
// parameters are read, before its document is parsed or validated, so a request without a valid
// credential costs a signature check (or one indexed lookup) and nothing more. Given the viewer
// cache (auth/viewer-cache.ts), the context's own lookup then finds the same viewer remembered.
import type { Plugin } from "graphql-yoga";
import { hashApiKey, type Authenticator, type Credential } from "../auth/viewer.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { ACT_AS_HEADER } from "../auth/acting.ts";

/** Each API key has its own bucket (an ingest job); a person's tokens share the user's. */
export function rateLimitKey(credential: Credential, userId: string, authorization: string | undefined): string {
  return credential === "apiKey" && authorization ? `key:${hashApiKey(authorization.replace(/^Bearer\s+/i, "").trim())}` : `user:${userId}`;
}

export function authenticateFirst(authenticator: Authenticator, limiter?: RateLimiter) {
  const plugin: Plugin = {
    async onParams({ request }) {
      const authorization = request.headers.get("authorization") ?? undefined;
      const verdict = authenticator.viewerFor(authorization, request.headers.get(ACT_AS_HEADER) ?? undefined);
      const { user, credential } = await verdict; // throws UNAUTHENTICATED (HTTP 401) before the document is parsed
      await limiter?.take(rateLimitKey(credential, user.id, authorization));
    },
  };
  return { plugin };
}
