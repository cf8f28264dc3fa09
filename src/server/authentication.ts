// Authentication before any other work: a request's credential is checked as soon as its
// parameters are read, before its document is parsed or validated, so a request without a valid
// credential costs a signature check (or one indexed lookup) and nothing more. The context reuses
// the verdict instead of authenticating twice.
import type { Plugin } from "graphql-yoga";
import type { Authenticator } from "../auth/viewer.ts";

type Verdict = ReturnType<Authenticator["viewerFor"]>;

export function authenticateFirst(authenticator: Authenticator) {
  const verdicts = new WeakMap<Request, Verdict>();
  const plugin: Plugin = {
    async onParams({ request }) {
      const verdict = authenticator.viewerFor(request.headers.get("authorization") ?? undefined);
      verdicts.set(request, verdict);
      await verdict; // throws UNAUTHENTICATED (HTTP 401) before the document is parsed
    },
  };
  /** The authenticator for one request's context: the verdict already reached for it, if any. */
  const forRequest = (request: Request | undefined): Authenticator => ({
    viewerFor: (authorization) => (request && verdicts.get(request)) || authenticator.viewerFor(authorization),
  });
  return { plugin, forRequest };
}
