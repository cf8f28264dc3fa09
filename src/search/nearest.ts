// The viewer's nearest vectors, right whatever other users hold (docs/design/tenant-search.md).
//
// A user with few vectors of a size is searched exactly: their rows come from the
// (user_id, embedding_dimensions, embedding_model) index and are sorted by true distance. A user with
// many is searched through the HNSW index of that size with pgvector's iterative scan, which keeps
// walking the graph until enough of the user's own rows have passed the filter — on PostgreSQL, once it
// is built, an index of the user's own (tenant-indexes.ts), which the planner picks and walks unfiltered.
// The owner is on every vector row, so neither path joins to find it.
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { distanceOperator, isIndexedDimension, toSql, type DistanceMetric } from "./vectors.ts";
import { DEFAULT_SEARCH_TUNING, type SearchTuning } from "./tuning.ts";
import { owner, ownedStatement } from "../auth/viewer-client.ts";

export type { SearchTuning };

/** Where vectors live: chunks a client gave, the chunks of messages, memories. */
export type VectorSource = "CHUNK" | "MESSAGE" | "MEMORY";

export interface VectorScope {
  /** The viewer: each statement binds it through owner() (auth/viewer-client.ts). */
  userId: string;
  conversationId?: string;
  from?: Date;
  to?: Date;
}

export interface NearestQuery {
  vector: readonly number[];
  metric: DistanceMetric;
  model?: string | null;
  limit: number;
  excludeId?: string;
}

export interface Neighbour {
  /** The chunk, message or memory id. */
  id: string;
  /** The metric's distance (COSINE: 1 − cosine similarity; L2: euclidean; INNER_PRODUCT: − inner product). */
  distance: number;
}

export type NearestPlan = "exact" | "hnsw";

interface SourceTable {
  /** The table's name, for its users' own indexes (tenant-indexes.ts). */
  name: "conversation_chunks" | "memories";
  table: Prisma.Sql;
  /** Rows of this source in that table. */
  only: Prisma.Sql;
  conversation: Prisma.Sql;
  time: Prisma.Sql;
}

// One descriptor per source: the same statements serve all three. Table and column names are fixed here.
const SOURCES: Record<VectorSource, SourceTable> = {
  CHUNK: {
    name: "conversation_chunks",
    table: Prisma.raw("conversation_chunks"),
    only: Prisma.raw("v.message_id IS NULL"),
    conversation: Prisma.raw("v.conversation_id"),
    time: Prisma.raw("v.created_at"),
  },
  MESSAGE: {
    name: "conversation_chunks",
    table: Prisma.raw("conversation_chunks"),
    only: Prisma.raw("v.message_id IS NOT NULL"),
    conversation: Prisma.raw("v.conversation_id"),
    time: Prisma.raw("(SELECT m.timestamp FROM messages m WHERE m.id = v.message_id)"),
  },
  MEMORY: {
    name: "memories",
    table: Prisma.raw("memories"),
    only: Prisma.raw("v.deleted_at IS NULL"),
    conversation: Prisma.raw("v.conversation_id"),
    time: Prisma.raw("v.created_at"),
  },
};

function conditions(source: VectorSource, scope: VectorScope, query: NearestQuery, dimensions: number) {
  const s = SOURCES[source];
  const parts: Prisma.Sql[] = [
    Prisma.sql`${owner("v")}`,
    Prisma.sql`v.embedding_dimensions = ${dimensions}`,
    Prisma.sql`v.embedding IS NOT NULL`,
    s.only,
  ];
  if (query.model) parts.push(Prisma.sql`v.embedding_model = ${query.model}`);
  if (query.excludeId) parts.push(Prisma.sql`v.id <> ${query.excludeId}`);
  if (scope.conversationId) parts.push(Prisma.sql`${s.conversation} = ${scope.conversationId}`);
  if (scope.from) parts.push(Prisma.sql`${s.time} >= ${scope.from}`);
  if (scope.to) parts.push(Prisma.sql`${s.time} <= ${scope.to}`);
  return Prisma.join(parts, " AND ");
}

/** Counts the user's rows of this size (and model), stopping at `upTo`: an index scan of at most that many entries. */
function countUpToSql(source: VectorSource, userId: string, dimensions: number, model: string | null | undefined, upTo: number): Prisma.Sql {
  const s = SOURCES[source];
  return ownedStatement(
    userId,
    Prisma.sql`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM ${s.table} v
       WHERE ${owner("v")} AND v.embedding_dimensions = ${dimensions} AND ${s.only}
             ${model ? Prisma.sql`AND v.embedding_model = ${model}` : Prisma.empty}
       LIMIT ${upTo}) AS mine`,
  );
}

export async function countUpTo(db: PrismaClient, source: VectorSource, userId: string, dimensions: number, model: string | null | undefined, upTo: number) {
  const rows = await db.$queryRaw<{ n: number }[]>(countUpToSql(source, userId, dimensions, model, upTo));
  return rows[0].n;
}

/** Whether only the exact path applies: the indexes are cosine only; a conversation holds few rows; other sizes have no index. */
const exactOnly = (scope: VectorScope, query: NearestQuery) =>
  query.metric !== "COSINE" || !isIndexedDimension(query.vector.length) || Boolean(scope.conversationId);

/** Which path a query takes: exact unless the HNSW index applies and the user has more rows than EXACT_SCAN_MAX. */
export async function planNearest(
  db: PrismaClient,
  source: VectorSource,
  scope: VectorScope,
  query: NearestQuery,
  tuning: SearchTuning = DEFAULT_SEARCH_TUNING,
): Promise<NearestPlan> {
  if (exactOnly(scope, query)) return "exact";
  if (tuning.tenantIndexes?.has(SOURCES[source].name, scope.userId, query.vector.length)) return "hnsw";
  const count = await countUpTo(db, source, scope.userId, query.vector.length, query.model, tuning.exactScanMax + 1);
  return count > tuning.exactScanMax ? "hnsw" : "exact";
}

/** The user's nearest rows of one source, nearest first. MESSAGE rows are messages, at their nearest chunk. */
export async function nearest(
  db: PrismaClient,
  source: VectorSource,
  scope: VectorScope,
  query: NearestQuery,
  tuning: SearchTuning = DEFAULT_SEARCH_TUNING,
): Promise<Neighbour[]> {
  if (exactOnly(scope, query)) return exactNearest(db, source, scope, query);
  const table = SOURCES[source].name;
  const dimensions = query.vector.length;
  // A user with an index of their own is large: no count, straight to the walk (unfiltered, on their rows).
  if (tuning.tenantIndexes?.has(table, scope.userId, dimensions)) return ownIndexNearest(db, source, scope, query);
  // One round trip for most users: count the user's rows and, when they are few, compare them all.
  const [row] = await db.$queryRaw<{ n: number; neighbours: Neighbour[] | string | null }[]>`
    WITH mine AS (${countUpToSql(source, scope.userId, query.vector.length, query.model, tuning.exactScanMax + 1)})
    SELECT mine.n,
           CASE WHEN mine.n <= ${tuning.exactScanMax} THEN (
             SELECT coalesce(json_agg(json_build_object('id', e.id, 'distance', e.distance) ORDER BY e.distance, e.id), '[]'::json)
               FROM (${exactNearestSql(source, scope, query)}) AS e)
           END AS neighbours
      FROM mine`;
  // A user this large gets an index of their own (built in the background): until it is ready, the
  // exact comparison (few rows) or the shared index (many) serves them.
  // (The count stops at exactScanMax + 1; the request counts again before it builds.)
  if (tuning.tenantIndexes && (row.n > tuning.exactScanMax || row.n >= tuning.tenantIndexes.minRows)) tuning.tenantIndexes.request(table, scope.userId, dimensions);
  if (row.neighbours != null) {
    const neighbours: Neighbour[] = typeof row.neighbours === "string" ? JSON.parse(row.neighbours) : row.neighbours;
    return neighbours.map((n) => ({ id: n.id, distance: Number(n.distance) }));
  }
  return walkOrExact(db, source, scope, query, tuning);
}

/**
 * A user with an HNSW index of their own (tenant-indexes.ts): one statement, with the settings every
 * connection starts with (hnswSessionSettings): no transaction, no settings round trip. The planner
 * takes the user's index, the smallest whose predicate the query implies.
 */
async function ownIndexNearest(db: PrismaClient, source: VectorSource, scope: VectorScope, query: NearestQuery): Promise<Neighbour[]> {
  return orExact(db, source, scope, query, byMessage(source, await db.$queryRaw<HnswRow[]>(hnswNearestSql(source, scope, query)), query.limit));
}

async function walkOrExact(db: PrismaClient, source: VectorSource, scope: VectorScope, query: NearestQuery, tuning: SearchTuning) {
  return orExact(db, source, scope, query, await hnswNearest(db, source, scope, query, tuning));
}

/**
 * A walk's neighbours, or the exact answer when the walk found fewer than asked: it stopped
 * (max_scan_tuples) before it found enough of this user's rows, the time range was narrow, or the
 * connection lacked the walk's settings.
 */
function orExact(db: PrismaClient, source: VectorSource, scope: VectorScope, query: NearestQuery, found: Neighbour[]): Neighbour[] | Promise<Neighbour[]> {
  return found.length < query.limit ? exactNearest(db, source, scope, query) : found;
}

/** The exact statement: every candidate row of the user compared with the query. */
export function exactNearestSql(source: VectorSource, scope: VectorScope, query: NearestQuery): Prisma.Sql {
  const s = SOURCES[source];
  const op = distanceOperator[query.metric];
  const q = toSql(query.vector);
  const where = conditions(source, scope, query, query.vector.length);
  // No cast to vector(N) here: the expression then matches no HNSW index, so the planner cannot walk the
  // global graph and drop rows afterwards.
  return ownedStatement(
    scope.userId,
    source === "MESSAGE"
      ? Prisma.sql`
        SELECT v.message_id AS id, min(v.embedding ${op} ${q}::vector)::float8 AS distance
          FROM ${s.table} v
         WHERE ${where}
         GROUP BY v.message_id
         ORDER BY distance, id
         LIMIT ${query.limit}`
      : Prisma.sql`
        SELECT v.id, (v.embedding ${op} ${q}::vector)::float8 AS distance
          FROM ${s.table} v
         WHERE ${where}
         ORDER BY distance, v.id
         LIMIT ${query.limit}`,
  );
}

/** Every candidate row of the user compared with the query: exact, at the cost of the user's rows only. */
export async function exactNearest(db: PrismaClient, source: VectorSource, scope: VectorScope, query: NearestQuery): Promise<Neighbour[]> {
  const rows = await db.$queryRaw<Neighbour[]>(exactNearestSql(source, scope, query));
  return rows.map((row) => ({ id: row.id, distance: Number(row.distance) }));
}

/**
 * The settings for an HNSW walk, local to the transaction it runs in. The planner estimates a filtered
 * vector scan poorly and may prefer reading the user's rows and sorting them all; the row count already
 * chose the index, so sorting is priced out (the outer sort of the few results is the same in every plan).
 * That inflates the plan's cost past jit_above_cost, and compiling would cost more than the walk: no JIT.
 */
export function hnswSettingsSql(tuning: SearchTuning, depth: number): Prisma.Sql {
  const efSearch = Math.min(1000, Math.max(tuning.efSearch, depth));
  return Prisma.sql`
    SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
           set_config('hnsw.ef_search', ${String(efSearch)}, true),
           set_config('hnsw.max_scan_tuples', ${String(tuning.maxScanTuples)}, true),
           set_config('enable_sort', 'off', true),
           set_config('jit', 'off', true)`;
}

/** Messages are found through their chunks: take more chunks than messages asked for, keep each message's nearest. */
const hnswDepth = (source: VectorSource, limit: number) => (source === "MESSAGE" ? limit * 4 : limit);

/** The HNSW statement (run after hnswSettingsSql in one transaction). */
export function hnswNearestSql(source: VectorSource, scope: VectorScope, query: NearestQuery): Prisma.Sql {
  const dimensions = query.vector.length;
  if (!isIndexedDimension(dimensions) || query.metric !== "COSINE") throw new Error(`no HNSW index for ${query.metric} at ${dimensions} dimensions`);
  const s = SOURCES[source];
  const typed = Prisma.raw(`vector(${dimensions})`); // from INDEXED_DIMENSIONS, never client text
  const q = toSql(query.vector);
  return ownedStatement(
    scope.userId,
    Prisma.sql`
    WITH nearest AS MATERIALIZED (
      SELECT v.id, ${source === "MESSAGE" ? Prisma.raw("v.message_id") : Prisma.raw("NULL::text")} AS message_id,
             v.embedding::${typed} <=> ${q}::${typed} AS distance
        FROM ${s.table} v
       WHERE ${conditions(source, scope, query, dimensions)}
       ORDER BY distance
       LIMIT ${hnswDepth(source, query.limit)})
    SELECT id, message_id, distance::float8 AS distance FROM nearest ORDER BY distance, id`,
  );
}

/** How long the settings + walk transaction may take (the statement timeout cancels a slow walk sooner). */
const HNSW_TRANSACTION_MS = 120_000;

/**
 * The HNSW index of the query's size, walked with iterative scans (relaxed order, then re-sorted), inside
 * a transaction so the settings apply to this statement only (SET LOCAL semantics via set_config).
 */
export async function hnswNearest(
  db: PrismaClient,
  source: VectorSource,
  scope: VectorScope,
  query: NearestQuery,
  tuning: SearchTuning = DEFAULT_SEARCH_TUNING,
): Promise<Neighbour[]> {
  const statement = hnswNearestSql(source, scope, query);
  // Prisma's default 5 s for an interactive transaction is not the server's limit: a walk over an index
  // that is not in memory yet (a large tenant's first search after a restart) may take longer, and on
  // PostgreSQL the statement timeout (DATABASE_STATEMENT_TIMEOUT_MS) is what bounds it.
  const rows = await db.$transaction(
    async (tx) => {
      await tx.$queryRaw(hnswSettingsSql(tuning, hnswDepth(source, query.limit)));
      return tx.$queryRaw<HnswRow[]>(statement);
    },
    { timeout: HNSW_TRANSACTION_MS, maxWait: HNSW_TRANSACTION_MS },
  );
  return byMessage(source, rows, query.limit);
}

type HnswRow = { id: string; message_id: string | null; distance: number };

/** The walk's rows as neighbours; for MESSAGE, each message once, at its nearest chunk. */
function byMessage(source: VectorSource, rows: HnswRow[], limit: number): Neighbour[] {
  if (source !== "MESSAGE") return rows.map((row) => ({ id: row.id, distance: Number(row.distance) }));
  const nearestChunk = new Map<string, number>();
  for (const row of rows) if (!nearestChunk.has(row.message_id!)) nearestChunk.set(row.message_id!, Number(row.distance));
  return [...nearestChunk].slice(0, limit).map(([id, distance]) => ({ id, distance }));
}
