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
// one at a time per instance, with a session advisory lock so two instances never build the same one.
// A build that died (a crash mid-build leaves an INVALID index) is dropped and built again. Deleting a
// user drops theirs.
import { createHash } from "node:crypto";
import type { Logger } from "../logger.ts";
import { isIndexedDimension } from "./vectors.ts";

export type VectorTable = "conversation_chunks" | "memories";

export interface TenantIndexes {
  /** Whether this user's index of that table and size is known to be built and valid (this instance's view). */
  has(table: VectorTable, userId: string, dimensions: number): boolean;
  /** A search found the user large: build their index if they have at least the configured rows (in the background). */
  request(table: VectorTable, userId: string, dimensions: number): void;
  /** The user is gone: drop their indexes (after the deletion committed). */
  dropFor(userId: string): Promise<void>;
  /** Waits for the build under way, if any (tests, shutdown). */
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

/** How long a decision not to build stands before the next request checks again. */
const RECHECK_MS = 10 * 60_000;

export function createTenantIndexes({ databaseUrl, minRows, workMem, logger }: TenantIndexOptions): TenantIndexes {
  if (!SAFE_MEMORY.test(workMem)) throw new Error(`SEARCH_TENANT_INDEX_WORK_MEM must look like 512MB or 1GB, not ${JSON.stringify(workMem)}`);
  const valid = new Set<string>();
  /** Keys asked for recently and not built (too few rows, another instance building, a failed build): when to look again. */
  const notBefore = new Map<string, number>();
  const queue: { table: VectorTable; userId: string; dimensions: number }[] = [];
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

  async function build(table: VectorTable, userId: string, dimensions: number) {
    const name = tenantIndexName(table, userId, dimensions);
    const client = await connect();
    try {
      const [{ locked }] = (await client.query("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [name])).rows;
      if (!locked) {
        notBefore.set(name, Date.now() + 60_000); // another instance builds it
        return;
      }
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

  function drain() {
    if (running || closed) return;
    const next = queue.shift();
    if (!next) return;
    const name = tenantIndexName(next.table, next.userId, next.dimensions);
    running = build(next.table, next.userId, next.dimensions)
      .catch((error) => {
        notBefore.set(name, Date.now() + RECHECK_MS);
        logger.warn(`search: building ${name} failed (${(error as Error).message}); the shared index serves that user meanwhile`);
      })
      .finally(() => {
        running = undefined;
        drain();
      });
  }

  return {
    has: (table, userId, dimensions) => valid.has(tenantIndexName(table, userId, dimensions)),
    request(table, userId, dimensions) {
      if (closed || minRows <= 0 || !SAFE_ID.test(userId) || !isIndexedDimension(dimensions)) return;
      const name = tenantIndexName(table, userId, dimensions);
      if (valid.has(name) || (notBefore.get(name) ?? 0) > Date.now()) return;
      if (queue.some((q) => tenantIndexName(q.table, q.userId, q.dimensions) === name)) return;
      notBefore.set(name, Date.now() + RECHECK_MS); // one request per key until this one is decided
      queue.push({ table, userId, dimensions });
      drain();
    },
    async dropFor(userId) {
      if (!SAFE_ID.test(userId)) return;
      const suffix = `_u_${userDigest(userId)}`;
      const client = await connect();
      try {
        const names: string[] = (await client.query("SELECT relname FROM pg_class WHERE relkind = 'i' AND relname LIKE '%' || $1", [suffix])).rows.map((r) => r.relname);
        for (const name of names) {
          if (!/^(conversation_chunks|memories)_hnsw_\d+_u_[0-9a-f]{16}$/.test(name)) continue;
          await client.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
          valid.delete(name);
          notBefore.delete(name);
        }
      } finally {
        await client.end().catch(() => {});
      }
    },
    async idle() {
      while (running) await running;
    },
    async close() {
      closed = true;
      queue.length = 0;
      if (buildingPid !== undefined) {
        // Cancelled, the build leaves an INVALID index, which the next request drops and builds again.
        const client = await connect().catch(() => undefined);
        await client?.query("SELECT pg_cancel_backend($1)", [buildingPid]).catch(() => {});
        await client?.end().catch(() => {});
      }
      await running;
    },
  };
}
