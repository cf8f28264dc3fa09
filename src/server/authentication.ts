// Authentication before any other work: a request's credential is checked as soon as its
// parameters are read, before its document is parsed or validated, so a request without a valid
// credential costs a signature check (or one indexed lookup) and nothing more. Given the viewer
// cache (auth/viewer-cache.ts), the context's own lookup then finds the same viewer remembered.
import type { Plugin } from "graphql-yoga";
import { hashApiKey, type Authenticator } from "../auth/viewer.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { ACT_AS_HEADER } from "../auth/acting.ts";

export function authenticateFirst(authenticator: Authenticator, limiter?: RateLimiter) {
  const plugin: Plugin = {
    async onParams({ request }) {
      const authorization = request.headers.get("authorization") ?? undefined;
      const verdict = authenticator.viewerFor(authorization, request.headers.get(ACT_AS_HEADER) ?? undefined);
      const { user, credential } = await verdict; // throws UNAUTHENTICATED (HTTP 401) before the document is parsed
      // Each API key has its own bucket (an ingest job), the person's tokens share the user's.
      limiter?.take(credential === "apiKey" ? `key:${hashApiKey(authorization!.replace(/^Bearer\s+/i, "").trim())}` : `user:${user.id}`);
    },
  };
  return { plugin };
}
