// One factory for the Prisma client: embedded PGlite (with pgvector) by default, a real PostgreSQL
// server through the pg driver adapter when a postgres:// URL is given. Migrations run on open.
import path from "node:path";
import { PgliteThreadAdapterFactory } from "./pglite-thread.ts";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations, type SqlConnection } from "./migrate.ts";
import { DEFAULT_DATA_DIR, startEmbedded, stopEmbedded, type EmbeddedStart } from "./embedded.ts";
import { redactUrl } from "../logger.ts";
import { hnswSessionSettings } from "../search/tuning.ts";

export type { PrismaClient };

export interface QueryEvent {
  query: string;
  /** The statement's parameters, as Prisma reports them (a JSON array). */
  params: string;
  durationMs: number;
}

export interface Database {
  prisma: PrismaClient;
  kind: "pglite" | "postgres";
  /** Where the data lives, for logs (a data folder, or the server URL without its password). */
  location: string;
  /** PostgreSQL: the connection URL, for work on a connection of its own (tenant-indexes.ts). */
  url?: string;
  /** Every SQL statement the client sends; returns an unsubscribe function. */
  onQuery(listener: (event: QueryEvent) => void): () => void;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  /** A PGlite data folder; `memory://` for a throwaway in-memory database. */
  dataDir?: string;
  /** A PGlite data-folder dump to start from (fast per-test databases). */
  loadDataDir?: Blob | File;
  migrate?: boolean;
  log?: (line: string) => void;
  /** Connection pool size for a real server. */
  poolSize?: number;
  /** PostgreSQL cancels any statement running longer (DATABASE_STATEMENT_TIMEOUT_MS); 0 = no limit. */
  statementTimeoutMs?: number;
  /** PostgreSQL: settings every connection of the pool starts with (default: the search's, hnswSessionSettings). */
  sessionSettings?: Record<string, string>;
}

/** Where the scripts (seed, migrations, reembed) find the database: as `npm start` does. */
export function databaseFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<OpenOptions, "databaseUrl" | "dataDir"> {
  return { databaseUrl: env.DATABASE_URL || undefined, dataDir: env.THREADLINE_DATA_DIR || DEFAULT_DATA_DIR };
}


/**
 * The URL with settings added to its startup `options` (`-c name=value`, spaces and backslashes
 * escaped), after the server's own: a setting the URL already names keeps the URL's value.
 */
export function withSessionSettings(databaseUrl: string, settings: Record<string, string>): string {
  const escape = (text: string) => text.replace(/[\\ ]/g, (c) => `\\${c}`);
  const url = new URL(databaseUrl);
  const ours = Object.entries(settings).map(([name, value]) => `-c ${escape(name)}=${escape(value)}`);
  url.searchParams.set("options", [...ours, url.searchParams.get("options") ?? ""].join(" ").trim());
  return url.toString();
}

/**
 * Interactive transactions wait for a connection and run for longer than Prisma's defaults (2 s and 5 s):
 * the embedded database has one connection, so under a burst of writes (eight clients upserting 200
 * chunks each) a transaction queues behind the others for more than 2 s, and on a busy pool the same
 * holds for PostgreSQL. Queueing is what a client wants there, not an error; a wait that still runs
 * out is SERVICE_UNAVAILABLE ("try again"), not an internal error (errors.ts). A minute to run covers a
 * batch of thousands of messages; a call that needs longer (the imports) gives its own `timeout`, and
 * keeps this `maxWait`. The statement timeout, not this, cuts a slow statement short.
 */
export const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 60_000 } as const;

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  const { migrate = true, log = () => {} } = options;
  const listeners = new Set<(event: QueryEvent) => void>();
  let prisma: PrismaClient;
  let kind: Database["kind"];
  let location: string;
  let closeDriver: () => Promise<void>;

  if (options.databaseUrl) {
    kind = "postgres";
    location = redactUrl(options.databaseUrl);
    // Loaded only for PostgreSQL: an embedded start does not pay for the driver.
    const [{ default: pg }, { PrismaPg }] = await Promise.all([import("pg"), import("@prisma/adapter-pg")]);
    if (migrate) {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      await client.connect();
      try {
        const connection: SqlConnection = {
          query: (sql, params) => client.query(sql, params as unknown[]),
          exec: async (sql) => void (await client.query(sql)),
        };
        await applyMigrations(connection, { log });
      } finally {
        await client.end();
      }
    }
    const adapter = new PrismaPg({
      connectionString: withSessionSettings(options.databaseUrl, options.sessionSettings ?? hnswSessionSettings()),
      max: options.poolSize ?? 10,
      // Set on every connection of the pool, so one request's statement cannot hold a connection for long.
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    });
    prisma = new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS, log: [{ level: "query", emit: "event" }] });
    closeDriver = async () => {};
  } else {
    kind = "pglite";
    const dataDir = options.dataDir ?? "memory://";
    location = dataDir.startsWith("memory://") ? "in memory" : path.resolve(dataDir);
    let embedded: EmbeddedStart | undefined;
    try {
      embedded = await startEmbedded(dataDir, options.loadDataDir, log);
      const { thread } = embedded;
      await thread.ready;
      if (migrate) {
        const connection: SqlConnection = {
          query: (sql, params) => thread.query(sql, params as unknown[]),
          exec: (sql) => thread.exec(sql),
        };
        await applyMigrations(connection, { log });
      }
    } catch (error) {
      if (embedded) await stopEmbedded(embedded);
      throw error;
    }
    const started = embedded;
    prisma = new PrismaClient({ adapter: new PgliteThreadAdapterFactory(started.thread), transactionOptions: TRANSACTION_OPTIONS, log: [{ level: "query", emit: "event" }] });
    closeDriver = () => stopEmbedded(started);
  }

  // The client was built with query events on; its type does not carry that, hence the narrow cast.
  (prisma as unknown as { $on(event: "query", cb: (e: { query: string; params: string; duration: number }) => void): void }).$on("query", (event) => {
    for (const listener of listeners) listener({ query: event.query, params: event.params, durationMs: Number(event.duration) });
  });

  return {
    prisma,
    kind,
    location,
    ...(kind === "postgres" ? { url: options.databaseUrl } : {}),
    onQuery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}
