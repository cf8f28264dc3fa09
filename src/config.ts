// Every environment variable Threadline reads, parsed and validated once at start-up.
import { DEFAULT_DATA_DIR } from "./db/embedded.ts";
import { EMBEDDER_NAMES, KNOWN_DIMENSIONS, type EmbedderConfig } from "./search/embedders/index.ts";
import { DEFAULT_OWN_INDEX_EF_SEARCH, DEFAULT_SEARCH_TUNING, type SearchTuning } from "./search/tuning.ts";
import { loadPersistedOperations, PersistedOperationsError, type PersistedOperations } from "./server/persisted-operations.ts";

export interface Config {
  env: "development" | "production" | "test";
  host: string;
  port: number;
  /** postgres://… selects a real server through the pg driver adapter; unset means embedded PGlite. */
  databaseUrl?: string;
  dataDir: string;
  seed: boolean;
  auth: AuthConfig;
  /** How long a credential's viewer is remembered between requests (VIEWER_CACHE_MS; 0: look it up every time). */
  viewerCacheMs: number;
  limits: QueryLimits & { maxRequestBytes: number };
  /** Subscription events: in-process, or through Redis so that several instances share them. */
  events: { redisUrl?: string; channelPrefix: string };
  /** Live subscriptions: how many a WebSocket connection and a user may hold, how often their credential is checked again. */
  subscriptions: { maxPerConnection: number; maxPerUser: number; recheckMs: number };
  /** Which model embeds text on the server (THREADLINE_EMBEDDER, EMBEDDINGS_*). */
  embedder: EmbedderConfig;
  /** Background embedding of messages and re-embedding after a model change (THREADLINE_BACKGROUND_*). */
  background: BackgroundConfig;
  /** When vector search compares a user's rows exactly and how it walks the HNSW index otherwise. */
  search: SearchTuning;
  /** Users' own HNSW indexes on PostgreSQL (src/search/tenant-indexes.ts): from how many rows (0: never), and the build's memory. */
  tenantIndex: { minRows: number; workMem: string; efSearch: number };
  logLevel: "debug" | "info" | "warn" | "error";
  /** Trusted documents by id (PERSISTED_OPERATIONS), and whether only they run (PERSISTED_OPERATIONS_ONLY). */
  persistedOperations?: PersistedOperations;
  /** Where Prometheus metrics are served (METRICS_PATH); off when unset. */
  metricsPath?: string;
  shutdownTimeoutMs: number;
  /** PostgreSQL's statement_timeout for the server's connections (DATABASE_STATEMENT_TIMEOUT_MS; 0 = none). */
  statementTimeoutMs: number;
  /** Origins whose browser pages may call the API with credentials (CORS_ORIGINS); undefined = the default policy. */
  corsOrigins?: string[];
  /** Requests per user and per API key: a token bucket of `burst`, refilled at `perMinute`; 0 = off. */
  rateLimit: { perMinute: number; burst: number };
}

export type AuthConfig =
  | { mode: "local"; localUser: string }
  | {
      mode: "jwt";
      /** HS256 shared secret. */
      secret?: string;
      /** Where the issuer publishes its public keys (RS256/ES256), e.g. https://<clerk-domain>/.well-known/jwks.json. */
      jwksUrl?: URL;
      /** After fetching the JWKS, how long an unknown key id is refused without fetching again. */
      jwksCooldownMs: number;
      issuer?: string;
      audience?: string;
    };

export interface BackgroundConfig {
  /** Off: messages are not embedded and nothing is re-embedded by this instance (jobs stay queued). */
  enabled: boolean;
  /** Jobs one instance runs at the same time. */
  concurrency: number;
  /** A claimed job not finished within this time is taken up again (by any instance). */
  leaseMs: number;
  /** Attempts before a job is set aside as failed (dead-lettered). */
  maxAttempts: number;
  /** How often an idle worker looks for jobs it was not told about (other instances, retries). */
  pollMs: number;
  /** The first retry's wait; it doubles with each failed attempt (up to 10 minutes). */
  retryBaseMs: number;
}

/** What an operation may be before it runs (server/limits.ts, docs/API.md). */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Lexical tokens of the document (MAX_QUERY_TOKENS). */
  maxTokens: number;
  maxDirectives: number;
  /** Fields, fragment spreads and inline fragments of an operation with its fragments expanded. */
  maxFields: number;
  /** Fields answering under one response name at one place, and fragment spreads in one selection. */
  maxRepeats: number;
}

export class ConfigError extends Error {}

/** Connection page sizes: `first`/`last` above `max` is a BAD_USER_INPUT error; absent means `default`. */
export const PAGE_LIMITS = { max: 100, default: 20 } as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** A PostgreSQL memory setting such as 512MB or 1GB. */
function memorySize(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = (env[name] ?? "").trim();
  if (raw === "") return fallback;
  if (!/^\d+\s*(kB|MB|GB)$/.test(raw)) throw new ConfigError(`${name} must be a PostgreSQL memory size such as 512MB or 1GB, got "${raw}"`);
  return raw;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback = false): boolean {
  const raw = (env[name] ?? "").toLowerCase();
  if (raw === "") return fallback;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  throw new ConfigError(`${name} must be 1/true or 0/false, got "${env[name]}"`);
}

function url(env: NodeJS.ProcessEnv, name: string): URL | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http:// or https:// URL, got "${raw}"`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ConfigError(`${name} must be an http:// or https:// URL, got "${raw}"`);
  }
  return parsed;
}

/**
 * The server's embedder: THREADLINE_EMBEDDER (default `use`, or `openai` when EMBEDDINGS_URL is set)
 * with its settings. Also read by the scripts (seed, reembed), which must embed as the server does.
 */
export function embedderConfig(env: NodeJS.ProcessEnv = process.env): EmbedderConfig {
  const name = (env.THREADLINE_EMBEDDER || (env.EMBEDDINGS_URL ? "openai" : "use")) as EmbedderConfig["name"];
  if (!EMBEDDER_NAMES.includes(name)) {
    throw new ConfigError(`THREADLINE_EMBEDDER must be one of ${EMBEDDER_NAMES.join(", ")}; got "${name}"`);
  }
  if (name === "hashing") return { name };
  if (name === "use") {
    return {
      name,
      workers: integer(env, "THREADLINE_EMBEDDER_WORKERS", 1, 1, 32),
      maxBatch: integer(env, "THREADLINE_EMBEDDER_BATCH", 32, 1, 1_024),
      batchWaitMs: integer(env, "THREADLINE_EMBEDDER_BATCH_WAIT_MS", 5, 0, 1_000),
    };
  }
  const endpoint = url(env, "EMBEDDINGS_URL");
  if (!endpoint) throw new ConfigError("THREADLINE_EMBEDDER=openai needs EMBEDDINGS_URL (e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 for Ollama)");
  const model = env.EMBEDDINGS_MODEL;
  if (!model) throw new ConfigError("EMBEDDINGS_URL needs EMBEDDINGS_MODEL (e.g. text-embedding-3-small, nomic-embed-text)");
  const requestDimensions = Boolean(env.EMBEDDINGS_DIMENSIONS);
  const dimensions = requestDimensions ? integer(env, "EMBEDDINGS_DIMENSIONS", 0, 1, 2_000) : KNOWN_DIMENSIONS[model];
  if (dimensions === undefined) throw new ConfigError(`EMBEDDINGS_DIMENSIONS is needed: the size of ${model}'s vectors is not known to Threadline`);
  if (dimensions > 2_000) {
    throw new ConfigError(`${model} gives ${dimensions}-dimensional vectors; pgvector indexes at most 2000: set EMBEDDINGS_DIMENSIONS (e.g. 1536) if the model can shorten them`);
  }
  return {
    name,
    url: endpoint.href,
    model,
    apiKey: env.EMBEDDINGS_API_KEY || undefined,
    dimensions,
    requestDimensions,
    maxBatch: integer(env, "EMBEDDINGS_BATCH", 128, 1, 2_048),
    timeoutMs: integer(env, "EMBEDDINGS_TIMEOUT_MS", 30_000, 100, 600_000),
    retries: integer(env, "EMBEDDINGS_RETRIES", 5, 0, 20),
  };
}

function corsOrigins(env: NodeJS.ProcessEnv): string[] | undefined {
  const raw = env.CORS_ORIGINS;
  if (raw === undefined || raw.trim() === "") return undefined;
  const origins = raw.split(",").map((origin) => origin.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {}
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS must be comma-separated origins like https://app.example.com (no path, no trailing slash), got "${origin}"`);
    }
  }
  return origins;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env.NODE_ENV === "production" ? "production" : env.NODE_ENV === "test" ? "test" : "development";
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be a postgres:// or postgresql:// URL (unset it to use the embedded database)`);
  }
  const secret = env.AUTH_JWT_SECRET || undefined;
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError("AUTH_JWT_SECRET must be at least 32 characters (HS256 needs a 256-bit secret)");
  }
  const jwksUrl = url(env, "AUTH_JWKS_URL");
  const auth: AuthConfig =
    secret || jwksUrl
      ? {
          mode: "jwt",
          secret,
          jwksUrl,
          jwksCooldownMs: integer(env, "AUTH_JWKS_COOLDOWN_MS", 30_000, 0, 3_600_000),
          issuer: env.AUTH_JWT_ISSUER || undefined,
          audience: env.AUTH_JWT_AUDIENCE || undefined,
        }
      : { mode: "local", localUser: env.THREADLINE_LOCAL_USER || "local" };
  if (auth.mode === "local" && nodeEnv === "production") {
    throw new ConfigError(
      "NODE_ENV=production with no authentication configured: set AUTH_JWKS_URL or AUTH_JWT_SECRET (single-user local mode is for development only)",
    );
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL (unset it to keep events in-process)`);
  }
  const metricsPath = env.METRICS_PATH || undefined;
  if (metricsPath && (!/^\/[\w\-./]*$/.test(metricsPath) || ["/graphql", "/health", "/ready"].includes(metricsPath))) {
    throw new ConfigError(`METRICS_PATH must be a path like /metrics, other than /graphql, /health and /ready; got "${metricsPath}"`);
  }
  const persistedFiles = (env.PERSISTED_OPERATIONS ?? "").split(",").map((file) => file.trim()).filter(Boolean);
  const persistedOnly = flag(env, "PERSISTED_OPERATIONS_ONLY");
  if (persistedOnly && persistedFiles.length === 0) {
    throw new ConfigError("PERSISTED_OPERATIONS_ONLY needs PERSISTED_OPERATIONS: the manifest file(s) of the operations to allow");
  }
  let persistedOperations: PersistedOperations | undefined;
  if (persistedFiles.length > 0) {
    try {
      persistedOperations = loadPersistedOperations(persistedFiles, persistedOnly);
    } catch (error) {
      if (error instanceof PersistedOperationsError) throw new ConfigError(error.message);
      throw error;
    }
  }
  const embedder = embedderConfig(env);
  const logLevel = (env.LOG_LEVEL || "info") as Config["logLevel"];
  if (!["debug", "info", "warn", "error"].includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be debug, info, warn or error`);
  return {
    env: nodeEnv,
    host: env.HOST || "127.0.0.1",
    port: integer(env, "PORT", 4000, 0, 65_535),
    databaseUrl,
    dataDir: env.THREADLINE_DATA_DIR || DEFAULT_DATA_DIR,
    seed: flag(env, "THREADLINE_SEED"),
    auth,
    limits: {
      maxDepth: integer(env, "MAX_QUERY_DEPTH", 12, 2, 100),
      maxAliases: integer(env, "MAX_QUERY_ALIASES", 30, 1, 1_000),
      // As GitHub's GraphQL API: at most 500,000 nodes (there, pages are also at most 100).
      maxCost: integer(env, "MAX_QUERY_COST", 500_000, 100, 100_000_000),
      maxRequestBytes: integer(env, "MAX_REQUEST_BYTES", 25_000_000, 1_000, 1_000_000_000),
      // Parsing and validation stay linear and small whatever the request (docs/design/hardening.md).
      maxTokens: integer(env, "MAX_QUERY_TOKENS", 5_000, 100, 1_000_000),
      maxDirectives: integer(env, "MAX_QUERY_DIRECTIVES", 50, 1, 10_000),
      maxFields: integer(env, "MAX_QUERY_FIELDS", 1_500, 10, 1_000_000),
      maxRepeats: integer(env, "MAX_QUERY_REPEATS", 15, 2, 10_000),
    },
    events: { redisUrl, channelPrefix: env.REDIS_CHANNEL_PREFIX ?? "threadline:" },
    subscriptions: {
      maxPerConnection: integer(env, "MAX_SUBSCRIPTIONS_PER_CONNECTION", 20, 1, 10_000),
      maxPerUser: integer(env, "MAX_SUBSCRIPTIONS_PER_USER", 50, 1, 100_000),
      // Revocations and deletions end subscriptions at once (an event); this catches what an event missed.
      recheckMs: integer(env, "SUBSCRIPTION_RECHECK_MS", 60_000, 1_000, 3_600_000),
    },
    embedder,
    background: {
      enabled: flag(env, "THREADLINE_BACKGROUND_EMBEDDING", true),
      concurrency: integer(env, "THREADLINE_BACKGROUND_CONCURRENCY", 1, 1, 64),
      leaseMs: integer(env, "THREADLINE_BACKGROUND_LEASE_MS", 60_000, 1_000, 86_400_000),
      maxAttempts: integer(env, "THREADLINE_BACKGROUND_MAX_ATTEMPTS", 8, 1, 100),
      pollMs: integer(env, "THREADLINE_BACKGROUND_POLL_MS", 1_000, 10, 600_000),
      retryBaseMs: integer(env, "THREADLINE_BACKGROUND_RETRY_MS", 5_000, 10, 3_600_000),
    },
    search: {
      exactScanMax: integer(env, "SEARCH_EXACT_SCAN_MAX", DEFAULT_SEARCH_TUNING.exactScanMax, 0, 10_000_000),
      efSearch: integer(env, "SEARCH_HNSW_EF_SEARCH", DEFAULT_SEARCH_TUNING.efSearch, 1, 1_000),
      maxScanTuples: integer(env, "SEARCH_HNSW_MAX_SCAN_TUPLES", DEFAULT_SEARCH_TUNING.maxScanTuples, 1, 100_000_000),
    },
    tenantIndex: {
      minRows: integer(env, "SEARCH_TENANT_INDEX_MIN", DEFAULT_SEARCH_TUNING.exactScanMax, 0, 100_000_000),
      workMem: memorySize(env, "SEARCH_TENANT_INDEX_WORK_MEM", "512MB"),
      efSearch: integer(env, "SEARCH_TENANT_INDEX_EF_SEARCH", DEFAULT_OWN_INDEX_EF_SEARCH, 1, 1_000),
    },
    logLevel,
    metricsPath,
    persistedOperations,
    shutdownTimeoutMs: integer(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    statementTimeoutMs: integer(env, "DATABASE_STATEMENT_TIMEOUT_MS", 30_000, 0, 3_600_000),
    corsOrigins: corsOrigins(env),
    rateLimit: {
      perMinute: integer(env, "RATE_LIMIT_PER_MINUTE", nodeEnv === "production" ? 600 : 0, 0, 1_000_000),
      burst: integer(env, "RATE_LIMIT_BURST", 100, 1, 1_000_000),
    },
    viewerCacheMs: integer(env, "VIEWER_CACHE_MS", 10_000, 0, 300_000),
  };
}
