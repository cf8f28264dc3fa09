// The real server on a real port, over a fresh database, with helpers to talk to it as a client would.
import { SignJWT } from "jose";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import WebSocket from "ws";
import { loadConfig } from "../../src/config.ts";
import { createAuthenticator } from "../../src/auth/viewer.ts";
import { inProcessEvents, type EventBus } from "../../src/events/pubsub.ts";
import { silentLogger, type Logger } from "../../src/logger.ts";
import { startServer, type RunningServer } from "../../src/server.ts";
import type { RateLimiter } from "../../src/server/rate-limit.ts";
import { createEmbedder, type Embedder } from "../../src/search/embedders/index.ts";
import type { Database } from "../../src/db/database.ts";
import { freshDatabase } from "./database.ts";
import { startBackgroundWorker, type BackgroundWorker } from "../../src/jobs/worker.ts";
import { createTenantIndexes, type TenantIndexes } from "../../src/search/tenant-indexes.ts";

export const JWT_SECRET = "test-secret-that-is-at-least-32-characters-long";

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
}

export interface TestServer {
  url: string;
  db: Database;
  server: RunningServer;
  /** The background worker, when started with `background: true`. */
  worker?: BackgroundWorker;
  /** Users' own HNSW indexes, when started with `tenantIndexes: true` on PostgreSQL. */
  tenantIndexes?: TenantIndexes;
  /** A signed token whose `sub` is this external id (users are created on first sight). */
  tokenFor(sub: string, claims?: Record<string, unknown>): Promise<string>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: { token?: string | null; headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  /** Runs fn and returns how many SQL statements the server sent meanwhile. */
  countStatements(fn: () => Promise<unknown>): Promise<{ count: number; statements: string[] }>;
  wsClient(token?: string): WsClient;
  close(): Promise<void>;
}

export interface TestServerOptions {
  auth?: "jwt" | "local";
  db?: Database;
  /** Extra environment for loadConfig (e.g. AUTH_JWKS_URL); wins over the defaults. */
  env?: Record<string, string>;
  /** The event bus (default: in-process); closed by the caller, not by close(). */
  events?: EventBus;
  /** The server's text embedder (default: hashing, deterministic and instant; the server's own default is `use`). */
  embedder?: Embedder;
  /** Where the server logs (default: nowhere). */
  logger?: Logger;
  /** Rate limits (default: in-process buckets from the env's RATE_LIMIT_*); closed by the caller. */
  rateLimiter?: RateLimiter;
  /** Also run the background worker (embedding new messages), configured by `env` (THREADLINE_BACKGROUND_*). */
  background?: boolean;
  /** PostgreSQL: keep users' own HNSW indexes (SEARCH_TENANT_INDEX_* from `env`), as the server does there. */
  tenantIndexes?: boolean;
}

export async function startTestServer({ auth = "jwt", db, env = {}, events = inProcessEvents(), embedder = createEmbedder("hashing"), logger = silentLogger, background = false, rateLimiter, tenantIndexes: withTenantIndexes = false }: TestServerOptions = {}): Promise<TestServer> {
  const database = db ?? (await freshDatabase());
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    ...(auth === "jwt" ? { AUTH_JWT_SECRET: JWT_SECRET, AUTH_JWT_ISSUER: "threadline-tests", AUTH_JWT_AUDIENCE: "threadline" } : {}),
    // Statement counts must not depend on whether a viewer was still cached; test/viewer-cache turns it on.
    VIEWER_CACHE_MS: "0",
    ...env,
  });
  const tenantIndexes =
    withTenantIndexes && database.url
      ? createTenantIndexes({ databaseUrl: database.url, minRows: config.tenantIndex.minRows, workMem: config.tenantIndex.workMem, logger })
      : undefined;
  const server = await startServer(
    { config, prisma: database.prisma, events, authenticator: createAuthenticator(config.auth, database.prisma), embedder, logger, rateLimiter, tenantIndexes },
    { host: "127.0.0.1", port: 0 },
  );
  const worker = background ? await startBackgroundWorker({ prisma: database.prisma, embedder, config: config.background, logger, events: events.pubsub }) : undefined;
  const secret = new TextEncoder().encode(JWT_SECRET);
  const clients: WsClient[] = [];

  return {
    url: server.url,
    db: database,
    server,
    worker,
    tenantIndexes,
    tokenFor: (sub, claims = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(sub)
        .setIssuer("threadline-tests")
        .setAudience("threadline")
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(secret),
    async gql(query, variables, options = {}) {
      const response = await fetch(server.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as GraphQLResponse;
      return { ...body, status: response.status };
    },
    async countStatements(fn) {
      const statements: string[] = [];
      const stop = database.onQuery((event) => statements.push(event.query));
      try {
        await fn();
      } finally {
        stop();
      }
      return { count: statements.length, statements };
    },
    wsClient(token) {
      const client = createWsClient({
        url: server.url.replace(/^http/, "ws"),
        webSocketImpl: WebSocket,
        connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.dispose()));
      await Promise.all([server.close(), worker?.stop(), tenantIndexes?.close()]);
      if (!db) await database.close();
    },
  };
}

/** The data of a response that must have succeeded; fails the test with the errors otherwise. */
export function ok<T>(response: GraphQLResponse<T>): T {
  if (response.errors?.length || !response.data) {
    throw new Error(`expected success, got ${response.status}: ${JSON.stringify(response.errors)}`);
  }
  return response.data;
}

export function errorCodes(response: GraphQLResponse): (string | undefined)[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}
