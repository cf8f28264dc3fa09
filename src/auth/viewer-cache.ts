// The viewer of a credential, remembered for a few seconds: most requests of a client carry the same
// token or API key, and looking its user up every time was most of the per-request floor.
//
// Safe by construction: the key is the whole credential (the Authorization header), an entry never
// outlives the token's own expiry, and a revoked API key or a deleted account drops every entry of
// that user at once, on every instance (the credentialsChanged event goes through the event bus).
// A lookup that was in flight while an invalidation arrived is answered but not remembered.
import type { Authenticator, Viewer } from "./viewer.ts";
import { ALL_USERS, type PubSub } from "../events/pubsub.ts";

const MAX_ENTRIES = 10_000;

interface Entry {
  viewer: Viewer;
  expiresAt: number;
}

export interface ViewerCache extends Authenticator {
  /** Forgets every cached viewer of this user (this instance only; publish credentialsChanged to reach all). */
  forgetUser(userId: string): void;
  dispose(): void;
}

export function cachedAuthenticator(inner: Authenticator, pubsub: PubSub, ttlMs: number): ViewerCache {
  const entries = new Map<string, Entry>();
  let generation = 0;

  function forgetUser(userId: string) {
    generation++;
    for (const [key, entry] of entries) if (entry.viewer.user.id === userId) entries.delete(key);
  }

  const changes = pubsub.subscribe("credentialsChanged", ALL_USERS);
  void (async () => {
    for await (const change of changes) forgetUser(change.userId);
  })();

  return {
    async viewerFor(authorization, actAs) {
      if (ttlMs <= 0) return inner.viewerFor(authorization, actAs);
      // The user a service key acts for is part of the key: one credential, one viewer per named user.
      const key = `${authorization ?? ""}\n${actAs ?? ""}`; // no header: local mode's one user (or UNAUTHENTICATED, never cached)
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now) return hit.viewer;
      if (hit) entries.delete(key);
      const started = generation;
      const viewer = await inner.viewerFor(authorization, actAs);
      if (generation === started) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!); // the oldest
        entries.set(key, { viewer, expiresAt: Math.min(now + ttlMs, viewer.expiresAt ?? Infinity) });
      }
      return viewer;
    },
    forgetUser,
    dispose() {
      void changes.return();
    },
  };
}
