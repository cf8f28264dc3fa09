// An HNSW index of its own for each user with many vectors of a size (PostgreSQL only;
// docs/design/tenant-search.md, "Large tenants").
//
// The shared index of a size holds every user's vectors, so a large user's walk is filtered: it visits
// other users' tuples and, on a million-vector table, finds only ~8 of a user's true 10 nearest. A
// partial index `WHERE embedding_dimensions = N AND user_id = '<id>'` holds that user's rows alone; the
// planner picks it for the search statement (its conditions imply the predicate), and the walk is
// unfiltered. Only users past SEARCH_TENANT_INDEX_MIN rows get one — a handful on a big deployment —
// so the catalog and the write cost grow with large tenants, not with tenants.
//
// A search that takes the HNSW path asks for the index (request()); a build runs in the background on a
// connection of its own (CREATE INDEX CONCURRENTLY: writes go on; maintenance_work_mem set there only),
// one DDL statement at a time across all instances (a session advisory lock: two concurrent
// CONCURRENTLY builds on one table wait for each other and deadlock). A build that died (a crash
// mid-build leaves an INVALID index) is dropped and built again. Deleting a user drops theirs.
import { createHash } from "node:crypto";
import type { Logger } from "../logger.ts";
import { isIndexedDimension } from "./vectors.ts";

export type VectorTable = "conversation_chunks" | "memories";

export interface TenantIndexes {
  /** Users with at least this many rows of a table and size get an index (SEARCH_TENANT_INDEX_MIN; 0: none). */
  readonly minRows: number;
  /** Whether this user's index of that table and size is known to be built and valid (this instance's view). */
  has(table: VectorTable, userId: string, dimensions: number): boolean;
  /** A search found the user large: build their index if they have at least the configured rows (in the background). */
  request(table: VectorTable, userId: string, dimensions: number): void;
  /** The user is gone: drop their indexes (queued behind any build; resolves when done or deferred). */
  dropFor(userId: string): Promise<void>;
  /** Waits until nothing is queued or running here (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface TenantIndexOptions {
  databaseUrl: string;
  /** Users with at least this many rows of a table and size get an index; 0 turns the feature off. */
  minRows: number;
  /** maintenance_work_mem for a build (the graph should fit, or the build is many times slower). */
  workMem: string;
  logger: Logger;
}

/** Ids are generated (cuid) but go into DDL as literals: anything else is never built. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,100}$/;
const SAFE_MEMORY = /^\d+\s*(kB|MB|GB)$/;

/** The index name: table, size and a digest of the user id (names are limited to 63 bytes). */
export function tenantIndexName(table: VectorTable, userId: string, dimensions: number): string {
  return `${table}_hnsw_${dimensions}_u_${userDigest(userId)}`;
}
const userDigest = (userId: string) => createHash("sha256").update(userId).digest("hex").slice(0, 16);

/** What /metrics shows: users' own indexes in the catalog (every instance sees the same), and a build's progress. */
export interface TenantIndexStatus {
  valid: number;
  /** In the catalog but not usable yet: being built, or left by a build that stopped (rebuilt on the next request). */
  unfinished: number;
  /** The build under way on the server, as a fraction of the rows it has loaded (0 when none). */
  buildProgress: number;
}

const NAME_PATTERN = "^(conversation_chunks|memories)_hnsw_[0-9]+_u_[0-9a-f]{16}$";

export async function tenantIndexStatus(db: { $queryRawUnsafe<T>(sql: string, ...values: unknown[]): Promise<T> }): Promise<TenantIndexStatus> {
  const [row] = await db.$queryRawUnsafe<{ valid: number; unfinished: number; progress: number }[]>(
    `SELECT count(*) FILTER (WHERE i.indisvalid)::int AS valid,
            count(*) FILTER (WHERE NOT i.indisvalid)::int AS unfinished,
            coalesce((SELECT max(p.tuples_done::float8 / nullif(p.tuples_total, 0))
                        FROM pg_stat_progress_create_index p JOIN pg_class ic ON ic.oid = p.index_relid
                       WHERE ic.relname ~ $1), 0)::float8 AS progress
       FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
      WHERE c.relname ~ $1`,
    NAME_PATTERN,
  );
  return { valid: row.valid, unfinished: row.unfinished, buildProgress: Number(row.progress) };
}

/** How long a decision not to build stands before the next request checks again. */
const RECHECK_MS = 10 * 60_000;
/** When another instance holds the DDL lock (or a deadlock was reported): when to try again. */
const BUSY_MS = 60_000;
/** One lock for all of Threadline's tenant-index DDL, across instances. */
const DDL_LOCK = "threadline tenant index DDL";

type Task = { kind: "build"; table: VectorTable; userId: string; dimensions: number } | { kind: "drop"; userId: string; done(): void };

export function createTenantIndexes({ databaseUrl, minRows, workMem, logger }: TenantIndexOptions): TenantIndexes {
  if (!SAFE_MEMORY.test(workMem)) throw new Error(`SEARCH_TENANT_INDEX_WORK_MEM must look like 512MB or 1GB, not ${JSON.stringify(workMem)}`);
  const valid = new Set<string>();
  /** Keys asked for recently and not built (too few rows, another instance building, a failed build): when to look again. */
  const notBefore = new Map<string, number>();
  const queue: Task[] = [];
  let running: Promise<void> | undefined;
  /** The backend running the build under way, so close() can cancel it. */
  let buildingPid: number | undefined;
  let closed = false;

  async function connect() {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: databaseUrl, application_name: "threadline tenant index" });
    await client.connect();
    return client;
  }

  /** A connection holding the DDL lock, or undefined when another instance holds it. */
  async function locked() {
    const client = await connect();
    const [{ ok }] = (await client.query("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [DDL_LOCK])).rows;
    if (ok) return client;
    await client.end().catch(() => {});
    return undefined;
  }

  async function build(table: VectorTable, userId: string, dimensions: number) {
    const name = tenantIndexName(table, userId, dimensions);
    const client = await locked();
    if (!client) {
      notBefore.set(name, Date.now() + BUSY_MS); // another instance is running DDL: the next search asks again
      return;
    }
    try {
      const existing = (await client.query("SELECT i.indisvalid AS valid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = $1", [name])).rows[0];
      if (existing?.valid) {
        valid.add(name);
        return;
      }
      if (existing) {
        logger.warn(`search: the index ${name} was left unfinished (a build stopped); building it again`);
        await client.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
      }
      const [{ n }] = (
        await client.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} WHERE user_id = $1 AND embedding_dimensions = $2 AND embedding IS NOT NULL LIMIT $3) AS mine`, [
          userId,
          dimensions,
          minRows,
        ])
      ).rows;
      if (n < minRows) {
        notBefore.set(name, Date.now() + RECHECK_MS);
        return;
      }
      const started = performance.now();
      logger.info(`search: building an HNSW index of its own for a user with ${minRows.toLocaleString("en")} or more ${dimensions}-d vectors in ${table} (${name})`);
      await client.query(`SET maintenance_work_mem = '${workMem}'`);
      await client.query("SET statement_timeout = 0"); // a build takes minutes; this connection is its own
      buildingPid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      await client.query(
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS "${name}" ON ${table} USING hnsw ((embedding::vector(${dimensions})) vector_cosine_ops) ` +
          `WHERE embedding_dimensions = ${dimensions} AND user_id = '${userId}'`,
      );
      valid.add(name);
      logger.info(`search: ${name} built in ${((performance.now() - started) / 1000).toFixed(1)} s; that user's searches now walk it`);
    } finally {
      buildingPid = undefined;
      await client.end().catch(() => {}); // ends the session: the advisory lock goes with it
    }
  }

  /** Drops a deleted user's indexes; false when another instance holds the DDL lock. */
  async function drop(userId: string): Promise<boolean> {
    const client = await locked();
    if (!client) return false;
    try {
      const suffix = `_u_${userDigest(userId)}`;
      const names: string[] = (await client.query("SELECT relname FROM pg_class WHERE relkind = 'i' AND relname LIKE '%' || $1", [suffix])).rows.map((r) => r.relname);
      for (const name of names) {
        if (!/^(conversation_chunks|memories)_hnsw_\d+_u_[0-9a-f]{16}$/.test(name)) continue;
        await client.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
        valid.delete(name);
        notBefore.delete(name);
      }
      return true;
    } finally {
      await client.end().catch(() => {});
    }
  }

  function run(task: Task): Promise<void> {
    if (task.kind === "drop") {
      return drop(task.userId)
        .then((dropped) => {
          if (!dropped && !closed) setTimeout(() => void api.dropFor(task.userId), BUSY_MS).unref();
        })
        .catch((error) => logger.warn(`search: dropping a deleted user's own indexes failed (${(error as Error).message}); they hold no rows`))
        .finally(task.done);
    }
    const name = tenantIndexName(task.table, task.userId, task.dimensions);
    return build(task.table, task.userId, task.dimensions).catch((error) => {
      const deadlock = (error as { code?: string }).code === "40P01";
      notBefore.set(name, Date.now() + (deadlock ? BUSY_MS : RECHECK_MS));
      logger.warn(`search: building ${name} failed (${(error as Error).message}); the shared index serves that user meanwhile`);
    });
  }

  function drain() {
    if (running || closed) return;
    const next = queue.shift();
    if (!next) return;
    running = run(next).finally(() => {
      running = undefined;
      drain();
    });
  }

  const api: TenantIndexes = {
    minRows: minRows > 0 ? minRows : Number.POSITIVE_INFINITY,
    has: (table, userId, dimensions) => valid.has(tenantIndexName(table, userId, dimensions)),
    request(table, userId, dimensions) {
      if (closed || minRows <= 0 || !SAFE_ID.test(userId) || !isIndexedDimension(dimensions)) return;
      const name = tenantIndexName(table, userId, dimensions);
      if (valid.has(name) || (notBefore.get(name) ?? 0) > Date.now()) return;
      notBefore.set(name, Date.now() + RECHECK_MS); // one request per key until this one is decided
      queue.push({ kind: "build", table, userId, dimensions });
      drain();
    },
    dropFor(userId) {
      if (closed || !SAFE_ID.test(userId)) return Promise.resolve();
      for (const [key] of notBefore) if (key.endsWith(`_u_${userDigest(userId)}`)) notBefore.delete(key);
      return new Promise<void>((done) => {
        queue.push({ kind: "drop", userId, done });
        drain();
      });
    },
    async idle() {
      while (running) await running;
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) if (task.kind === "drop") task.done(); // their rows are gone; the catalog entries wait
      if (buildingPid !== undefined) {
        // Cancelled, the build leaves an INVALID index, which the next request drops and builds again.
        const client = await connect().catch(() => undefined);
        await client?.query("SELECT pg_cancel_backend($1)", [buildingPid]).catch(() => {});
        await client?.end().catch(() => {});
      }
      await running;
    },
  };
  return api;
}
