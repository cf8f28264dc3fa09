// The per-request context: who is asking, the database, the event bus. Built fresh for every
// request (and every subscription), so nothing cached here can leak between users.
import { withSeekPages } from "./db/seek-pages.ts";
import type { YogaInitialContext } from "graphql-yoga";
import type { Config } from "./config.ts";
import type { PrismaClient } from "./db/database.ts";
import type { User } from "./generated/prisma/client.ts";
import type { Authenticator, Credential } from "./auth/viewer.ts";
import { ACT_AS_HEADER } from "./auth/acting.ts";
import { ALL_USERS, type EventBus, type PubSub } from "./events/pubsub.ts";
import type { ViewerCache } from "./auth/viewer-cache.ts";
import type { Embedder } from "./search/embedders/index.ts";
import type { RateLimiter } from "./server/rate-limit.ts";
import type { SearchTuning } from "./search/tuning.ts";
import type { TenantIndexes } from "./search/tenant-indexes.ts";

export interface Context {
  viewer: User;
  /** How the viewer signed in; some mutations need a person (token or local mode), not an API key. */
  credential: Credential;
  /** Who acts for the viewer, when a service does (a service key's or a token's `act` actor). */
  actor?: string;
  prisma: PrismaClient;
  pubsub: PubSub;
  config: Config;
  embedder: Embedder;
  /** How vector search runs: the configured tuning and, on PostgreSQL, users' own indexes. */
  search: SearchTuning;
  /** Users' own HNSW indexes (PostgreSQL), for dropping a deleted user's. */
  tenantIndexes?: TenantIndexes;
  /** Call after revoking a credential or deleting a user: every instance stops accepting what it had cached for them. */
  credentialsChanged(userId: string): void;
}

export interface ServerDeps {
  config: Config;
  prisma: PrismaClient;
  events: EventBus;
  authenticator: Authenticator;
  embedder: Embedder;
  /** Requests per user and per API key; unset: in-process buckets from config.rateLimit. */
  rateLimiter?: RateLimiter;
  /** Users' own HNSW indexes (PostgreSQL only; src/search/tenant-indexes.ts). */
  tenantIndexes?: TenantIndexes;
}

type InitialContext = YogaInitialContext & { connectionParams?: Record<string, unknown> };

export function authorizationOf(initial: InitialContext): string | undefined {
  // graphql-ws clients send it in connectionParams; HTTP and SSE clients in the header.
  const params = initial.connectionParams ?? {};
  const fromParams = params.Authorization ?? params.authorization;
  if (typeof fromParams === "string") return fromParams;
  return initial.request?.headers.get("authorization") ?? undefined;
}

function actAsOf(initial: InitialContext): string | undefined {
  const params = initial.connectionParams ?? {};
  const fromParams = params[ACT_AS_HEADER] ?? params["X-Threadline-Act-As"];
  if (typeof fromParams === "string") return fromParams;
  return initial.request?.headers.get(ACT_AS_HEADER) ?? undefined;
}

export function createContextFactory(deps: ServerDeps, authenticator: Authenticator | ViewerCache = deps.authenticator) {
  const credentialsChanged = (userId: string) => {
    if ("forgetUser" in authenticator) authenticator.forgetUser(userId); // this instance, before the mutation answers
    deps.events.pubsub.publish("credentialsChanged", ALL_USERS, { userId }); // and every other one
  };
  // Resolvers read through a client that keeps deep message pages under a parent bounded (seek-pages.ts).
  const prisma = withSeekPages(deps.prisma);
  const search: SearchTuning = { ...deps.config.search, ...(deps.tenantIndexes ? { tenantIndexes: deps.tenantIndexes } : {}) };
  return async (initial: InitialContext): Promise<Context> => {
    const { user, credential, actor } = await authenticator.viewerFor(authorizationOf(initial), actAsOf(initial));
    return {
      viewer: user,
      credential,
      actor,
      prisma,
      pubsub: deps.events.pubsub,
      config: deps.config,
      embedder: deps.embedder,
      search,
      tenantIndexes: deps.tenantIndexes,
      credentialsChanged,
    };
  };
}
