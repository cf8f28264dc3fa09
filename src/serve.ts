// The server's start-up (main.ts loads it): configuration from the environment (and .env), the database with migrations applied,
// optional demo data, the server; SIGTERM/SIGINT drain requests and close the database cleanly.
import v8 from "node:v8";
import "dotenv/config";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { DataDirInUseError } from "./db/lock.ts";
import { abandonEarlyStart } from "./db/embedded.ts";
import { WASM_TIERING_BUDGET } from "./start-early.ts";
import { seedDemoData } from "./db/seed/index.ts";
import { createAuthenticator } from "./auth/viewer.ts";
import { openEvents, type EventBus } from "./events/index.ts";
import { startServer, type RunningServer } from "./server.ts";
import { openRateLimiter, type RateLimiter } from "./server/rate-limit.ts";
import { createEmbedder } from "./search/embedders/index.ts";
import { createTenantIndexes, type TenantIndexes } from "./search/tenant-indexes.ts";
import { hnswSessionSettings } from "./search/tuning.ts";
import { startBackgroundWorker, type BackgroundWorker } from "./jobs/worker.ts";

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`threadline: configuration error: ${error.message}`);
    await abandonEarlyStart();
    process.exit(78);
  }
  throw error;
}
const logger = createLogger(config.logLevel);


// A signal at any point drains whatever has started and closes the database, even mid-start-up (the
// server answers /ready before the background worker is up): the handlers are in place before
// anything opens, since a SIGTERM that finds no handler ends the process with the data folder open.
let database: Database | undefined;
let opening: Promise<Database> | undefined;
let server: RunningServer | undefined;
let worker: BackgroundWorker | undefined;
let workerStarting: Promise<void> | undefined;
let tenantIndexes: TenantIndexes | undefined;
let events: EventBus | undefined;
let rateLimiter: RateLimiter | undefined;
let stopping = false;
/** Settles when start-up has finished or stopped at a step boundary: shutdown() closes nothing in use. */
let startupSettled!: () => void;
const startupAtRest = new Promise<void>((resolve) => (startupSettled = resolve));
/** Between start-up steps: once a signal came, start-up goes no further and shutdown() takes over. */
const unlessStopping = () => {
  if (!stopping) return undefined;
  startupSettled();
  return new Promise<never>(() => {});
};
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info(`${signal}: draining requests and background jobs, closing the database`);
  try {
    await startupAtRest; // a step under way (opening the database, binding the port) ends first
    await workerStarting;
    // Running jobs finish their current slice and are given back; the queue keeps the rest.
    await Promise.all([server?.close(), worker?.stop(), tenantIndexes?.close()]);
    await events?.close();
    await rateLimiter?.close();
    await embedder.close?.();
    await (database ?? (await opening?.catch(() => undefined)))?.close();
    logger.info("stopped cleanly");
    process.exit(0);
  } catch (error) {
    logger.error("shutdown failed", error);
    process.exit(1);
  }
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

// The embedder's model loads in its worker thread once the server answers (loading it meanwhile took
// the second core from start-up's own work). A request or job that embeds before then starts it at once
// and waits for it (about half a second).
const embedder = createEmbedder(config.embedder);
const warmingSince = performance.now();
const warmEmbedder = () =>
  embedder.warm?.().then(
  () => logger.info(`embedder: ${embedder.model} loaded in its worker thread (${Math.round(performance.now() - warmingSince)} ms after start-up began)`),
  (error: Error) => logger.error(`embedder: ${embedder.model} did not load (${error.message}); embedding requests fail until it does, each retrying with a fresh worker`),
);

try {
  opening = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    statementTimeoutMs: config.statementTimeoutMs,
    sessionSettings: hnswSessionSettings(config.tenantIndex.efSearch, config.search.maxScanTuples),
    log: (line) => logger.info(line),
  });
  database = await opening;
  await unlessStopping();
} catch (error) {
  if (!(error instanceof DataDirInUseError)) throw error;
  logger.error(`database: ${error.message}`);
  process.exit(1);
}
logger.info(`database: ${database.kind === "pglite" ? "embedded PGlite (pgvector)" : "PostgreSQL"} at ${database.location}; migrations applied`);

logger.info(`embedder: ${embedder.model} (${embedder.dimensions} dimensions)`);

try {
  events = await openEvents(config, logger);
  await unlessStopping();
} catch (error) {
  logger.error(`subscription events: ${(error as Error).message}`);
  await database.close();
  process.exit(1);
}
logger.info(`subscription events: ${events.description}`);

try {
  rateLimiter = await openRateLimiter(config, logger);
  await unlessStopping();
} catch (error) {
  logger.error(`rate limits: ${(error as Error).message}`);
  await events.close();
  await database.close();
  process.exit(1);
}
logger.info(rateLimiter ? `rate limits: ${config.rateLimit.perMinute} a minute per user and per API key (bursts of ${config.rateLimit.burst}), ${rateLimiter.description}` : "rate limits: off (RATE_LIMIT_PER_MINUTE=0)");

if (config.seed) {
  const { created } = await seedDemoData(database.prisma, {
    log: (line: string) => logger.info(line),
    embedder,
    ...(config.auth.mode === "local" ? { localUser: config.auth.localUser } : {}),
  });
  logger.info(created ? "demo data loaded (THREADLINE_SEED)" : "demo data already present (THREADLINE_SEED): nothing added");
  await unlessStopping();
}

// On PostgreSQL, users with many vectors of a size get an HNSW index of their own, built in the background.
tenantIndexes =
  database.url && config.tenantIndex.minRows > 0
    ? createTenantIndexes({ databaseUrl: database.url, minRows: config.tenantIndex.minRows, workMem: config.tenantIndex.workMem, logger })
    : undefined;

server = await startServer(
  {
    config,
    prisma: database.prisma,
    events,
    authenticator: createAuthenticator(config.auth, database.prisma),
    embedder,
    logger,
    rateLimiter,
    tenantIndexes,
  },
  { host: config.host, port: config.port },
);
await unlessStopping();

if (config.auth.mode === "local") {
  const bar = "!".repeat(78);
  logger.warn(bar);
  logger.warn(`SINGLE-USER LOCAL MODE: no authentication is configured. Every request acts as the user "${config.auth.localUser}".`);
  logger.warn("Set AUTH_JWKS_URL (or AUTH_JWT_SECRET) to require signed tokens. NODE_ENV=production refuses to start without it.");
  logger.warn(bar);
} else {
  const { secret, jwksUrl } = config.auth;
  const verifiers = [...(jwksUrl ? [`RS256/ES256 JWT against ${jwksUrl}`] : []), ...(secret ? ["HS256 JWT"] : [])];
  logger.info(`authentication: ${verifiers.join(" or ")} (sub = user externalId), and API keys`);
  if (jwksUrl?.protocol === "http:" && !["localhost", "127.0.0.1", "[::1]"].includes(jwksUrl.hostname)) {
    logger.warn(`AUTH_JWKS_URL is plain http: anyone on the path can swap the signing keys; use https`);
  }
}
logger.info(`Threadline ready: ${server.url} (GraphiQL in a browser; WebSocket and SSE subscriptions on the same path)`);
startupSettled();
// The server answers: V8's default WebAssembly tiering again, the model, then the background worker.
v8.setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
warmEmbedder();

// Messages are chunked and embedded after they are written, never inside the request. The worker
// starts a moment after the server answers: its first statements (what is left to embed again, the
// first claim) would otherwise queue in front of the first requests on the embedded database's single
// connection. Jobs wait in the queue meanwhile.
const BACKGROUND_START_DELAY_MS = 1_000;
if (config.background.enabled) {
  const { pubsub } = events;
  setTimeout(() => {
    if (stopping) return;
    workerStarting = startBackgroundWorker({ prisma: database.prisma, embedder, config: config.background, logger, events: pubsub }).then(
      (started) => {
        worker = started;
        logger.info(`background embedding: on (${config.background.concurrency} at a time, with ${embedder.model})`);
      },
      (error: Error) => logger.error(`background embedding: did not start (${error.message}); new messages wait in the queue`),
    );
  }, BACKGROUND_START_DELAY_MS);
} else {
  logger.warn("background embedding: off (THREADLINE_BACKGROUND_EMBEDDING=0): new messages wait in the queue for an instance that has it on");
}

if (config.persistedOperations) {
  const { size, only } = config.persistedOperations;
  logger.info(`persisted operations: ${size} known; ${only ? "ONLY these run (PERSISTED_OPERATIONS_ONLY)" : "other operations run too"}`);
}
if (config.metricsPath) logger.info(`Prometheus metrics: ${server.url.replace(/\/graphql$/, config.metricsPath)}`);
