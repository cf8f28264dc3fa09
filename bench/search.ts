// `npm run bench:search`: vector search for small and large tenants in one database. Loads N vectors
// (512-d, around shared topic centres as real embeddings are) across U users with Zipf-skewed sizes,
// builds the HNSW index, then times the search path (`nearest`: the row count, then exact or HNSW)
// and measures recall@10 against an exact scan written here. Also runs the former query (the global
// index, then the owner filter) for comparison. Prints markdown; docs/BENCHMARKS.md has the numbers.
//
//   npm run bench:search                                   # PGlite in memory
//   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:54329/postgres npm run bench:search
//   BENCH_VECTORS=100000 BENCH_USERS=1000 BENCH_QUERIES=30 BENCH_KEEP_DATABASE=1 BENCH_EXACT_SCAN_MAX=2000
//   BENCH_REUSE_DATABASE=postgresql://…/search_bench_… npm run bench:search   # measure again on a kept database (no load)
import { performance } from "node:perf_hooks";
import { Prisma } from "../src/generated/prisma/client.ts";
import { openDatabase, type Database } from "../src/db/database.ts";
import { throwawayDatabase } from "../src/db/throwaway.ts";
import { nearest, planNearest } from "../src/search/nearest.ts";
import { DEFAULT_OWN_INDEX_EF_SEARCH, DEFAULT_SEARCH_TUNING, hnswSessionSettings, type SearchTuning } from "../src/search/tuning.ts";
import { createTenantIndexes, tenantIndexName } from "../src/search/tenant-indexes.ts";
import { silentLogger } from "../src/logger.ts";
import { percentile } from "./harness.ts";

const DIMS = 512;
const VECTORS = Number(process.env.BENCH_VECTORS ?? 100_000);
const USERS = Number(process.env.BENCH_USERS ?? 1_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 30);
const serverUrl = process.env.BENCH_DATABASE_URL || undefined;
const keep = Boolean(process.env.BENCH_KEEP_DATABASE);
/** A database an earlier run kept (BENCH_KEEP_DATABASE), holding the same VECTORS and USERS: measured again without loading. */
const reuse = process.env.BENCH_REUSE_DATABASE || undefined;
const tuning: SearchTuning = { ...DEFAULT_SEARCH_TUNING, exactScanMax: Number(process.env.BENCH_EXACT_SCAN_MAX ?? DEFAULT_SEARCH_TUNING.exactScanMax) };
/** Users with this many vectors get an index of their own (PostgreSQL; 0: never), as SEARCH_TENANT_INDEX_MIN. */
const tenantIndexMin = Number(process.env.BENCH_TENANT_INDEX_MIN ?? tuning.exactScanMax);
/** hnsw.ef_search for the walk of a user's own index, as SEARCH_TENANT_INDEX_EF_SEARCH. */
const ownIndexEfSearch = Number(process.env.SEARCH_TENANT_INDEX_EF_SEARCH ?? DEFAULT_OWN_INDEX_EF_SEARCH);
const sessionSettings = hnswSessionSettings(ownIndexEfSearch, tuning.maxScanTuples);
const log = (line: string) => console.error(`[bench:search] ${line}`);

/** Zipf (s = 1) sizes summing to VECTORS: user 1 holds ~1/H(U) of everything, user U a few rows. */
function sizes(): number[] {
  const harmonic = Array.from({ length: USERS }, (_, i) => 1 / (i + 1));
  const total = harmonic.reduce((a, b) => a + b, 0);
  const raw = harmonic.map((h) => Math.max(1, Math.floor((VECTORS * h) / total)));
  raw[0] += VECTORS - raw.reduce((a, b) => a + b, 0);
  return raw;
}

async function load(db: Database, counts: number[]) {
  const prisma = db.prisma;
  await prisma.$executeRaw`
    INSERT INTO users (id, external_id, updated_at) SELECT 'bu' || g, 'bench-user-' || g, now() FROM generate_series(1, ${USERS}::int) g`;
  await prisma.$executeRaw`
    INSERT INTO conversations (id, user_id, title, updated_at) SELECT 'bc' || g, 'bu' || g, 'bench', now() FROM generate_series(1, ${USERS}::int) g`;
  // Loading then building the index is much faster than inserting into it row by row.
  await prisma.$executeRawUnsafe(`DROP INDEX IF EXISTS conversation_chunks_hnsw_512`);
  const started = performance.now();
  let done = 0;
  let from = 0;
  // Rows are numbered globally; user u holds the range [offset(u), offset(u) + count(u)).
  const offsets = counts.map((c) => ((from += c), from - c));
  const BATCH = 5_000;
  for (let start = 0; start < VECTORS; start += BATCH) {
    const end = Math.min(VECTORS, start + BATCH);
    await prisma.$executeRaw`
      WITH centres AS (
             SELECT k, array_agg(sin(k * 7.13 + i * 0.37) ORDER BY i) AS c
               FROM generate_series(0, 63) k, generate_series(1, ${DIMS}::int) i GROUP BY k),
           owners AS (SELECT unnest(${offsets}::int[]) AS first, generate_series(1, ${USERS}::int) AS u)
      INSERT INTO conversation_chunks (id, conversation_id, user_id, chunk_index, chunk_text, embedding, embedding_model, embedding_dimensions, updated_at)
      SELECT 'bv' || g, 'bc' || o.u, 'bu' || o.u, g, 'vector ' || g,
             (SELECT array_agg(centres.c[i] + (random() - 0.5) * 0.8 ORDER BY i) FROM generate_series(1, ${DIMS}::int) i)::real[]::vector,
             'bench-512', ${DIMS}, now()
        FROM generate_series(${start}::int, ${end - 1}::int) g
        JOIN centres ON centres.k = (g::bigint * 7919) % 64
        CROSS JOIN LATERAL (SELECT u FROM owners WHERE first <= g ORDER BY first DESC LIMIT 1) o`;
    done = end;
    log(`loaded ${done}/${VECTORS} vectors (${((done / (performance.now() - started)) * 1000).toFixed(0)}/s)`);
  }
  const loadSeconds = (performance.now() - started) / 1000;
  if (!needsIndex(db, counts)) {
    log("no HNSW index built: every user is at most the exact threshold, so no search would walk it");
    await prisma.$executeRawUnsafe(`VACUUM ANALYZE conversation_chunks`);
    return { loadSeconds, indexSeconds: undefined };
  }
  const indexStarted = performance.now();
  // The graph must fit in maintenance_work_mem, or the build slows down by an order of magnitude
  // (1,000,000 × 512-d vectors take ~2 GB before the graph's links). SET LOCAL and the build share one
  // transaction, so they share one of the pool's connections.
  const CREATE_INDEX = `CREATE INDEX conversation_chunks_hnsw_512 ON conversation_chunks USING hnsw ((embedding::vector(512)) vector_cosine_ops) WHERE embedding_dimensions = 512`;
  if (db.kind === "postgres") {
    // An interactive transaction with no practical timeout: a batch transaction is given 5 s and a
    // 25-minute build would be rolled back at its commit.
    await prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL maintenance_work_mem = '${VECTORS > 200_000 ? "8GB" : "1GB"}'`);
        await tx.$executeRawUnsafe(CREATE_INDEX);
      },
      { timeout: 6 * 3600_000, maxWait: 60_000 },
    );
  } else await prisma.$executeRawUnsafe(CREATE_INDEX);
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  log(`index built in ${indexSeconds.toFixed(0)} s`);
  await prisma.$executeRawUnsafe(`VACUUM ANALYZE conversation_chunks`);
  return { loadSeconds, indexSeconds };
}

/**
 * Whether a search would ever walk the shared HNSW index. On PGlite, building it takes WebAssembly
 * minutes per 10,000 vectors; when every user is at most the exact threshold it is skipped.
 */
function needsIndex(db: Database, counts: number[]) {
  return db.kind === "postgres" || Math.max(...counts) > tuning.exactScanMax;
}

async function queryNear(db: Database, user: string, n: number): Promise<number[]> {
  const rows = await db.prisma.$queryRaw<{ v: string }[]>`
    SELECT embedding::text AS v FROM conversation_chunks WHERE user_id = ${user} ORDER BY chunk_index OFFSET ${n} LIMIT 1`;
  if (!rows[0]) return queryNear(db, user, 0);
  return (JSON.parse(rows[0].v) as number[]).map((x, i) => x + Math.sin(i * 1.7 + n) * 0.05);
}

async function exactTop10(db: Database, user: string, vector: number[]) {
  const rows = await db.prisma.$queryRaw<{ id: string }[]>`
    SELECT id FROM conversation_chunks WHERE user_id = ${user} AND embedding_dimensions = ${DIMS}
     ORDER BY embedding <=> ${JSON.stringify(vector)}::vector, id LIMIT 10`;
  return rows.map((r) => r.id);
}

/** The query before this change: the global index, then the ownership join (hnsw.ef_search at its default, 40). */
async function formerQuery(db: Database, user: string, vector: number[]) {
  const q = JSON.stringify(vector);
  const rows = await db.prisma.$queryRaw<{ id: string }[]>`
    SELECT ch.id FROM conversation_chunks ch JOIN conversations c ON c.id = ch.conversation_id
     WHERE c.user_id = ${user} AND ch.embedding_dimensions = 512
     ORDER BY ch.embedding::vector(512) <=> ${q}::vector(512) LIMIT 10`;
  return rows.map((r) => r.id);
}

interface Row {
  tenants: string;
  rows: string;
  path: string;
  p50: number;
  p95: number;
  recall: number;
}

async function measure(db: Database, label: string, users: { id: string; rows: number }[], former = false): Promise<Row> {
  const times: number[] = [];
  let found = 0;
  let asked = 0;
  const paths = new Set<string>();
  for (let q = 0; q < QUERIES; q++) {
    const user = users[q % users.length];
    const vector = await queryNear(db, user.id, (q * 13) % Math.max(1, user.rows));
    const truth = await exactTop10(db, user.id, vector);
    const query = { vector, metric: "COSINE" as const, model: "bench-512", limit: 10 };
    const started = performance.now();
    const ids = former ? await formerQuery(db, user.id, vector) : (await nearest(db.prisma, "CHUNK", { userId: user.id }, query, tuning)).map((n) => n.id);
    times.push(performance.now() - started);
    if (!former) {
      const path = await planNearest(db.prisma, "CHUNK", { userId: user.id }, query, tuning);
      paths.add(path === "hnsw" && tuning.tenantIndexes?.has("conversation_chunks", user.id, DIMS) ? "hnsw, own index" : path);
    }
    found += truth.filter((id) => ids.includes(id)).length;
    asked += truth.length;
  }
  const counts = users.map((u) => u.rows);
  const sorted = Float64Array.from(times).sort();
  return {
    tenants: label,
    rows: `${Math.min(...counts)}–${Math.max(...counts)}`,
    path: former ? "former: global index + owner join" : [...paths].join(", "),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    recall: found / asked,
  };
}

async function main() {
  const db = reuse
    ? await openDatabase({ databaseUrl: reuse, poolSize: 4, sessionSettings })
    : serverUrl
      ? await throwawayDatabase(serverUrl, { prefix: "search_bench", poolSize: 4, keep, sessionSettings })
      : await openDatabase({ dataDir: "memory://" });
  try {
    const counts = sizes();
    log(`${db.kind}: ${VECTORS} vectors, ${USERS} users (largest ${counts[0]}, smallest ${counts[USERS - 1]})`);
    let loadSeconds = 0;
    let indexSeconds: number | undefined = 0;
    if (reuse) {
      const [{ n }] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM conversation_chunks WHERE embedding_model = 'bench-512'`;
      if (n !== VECTORS) throw new Error(`BENCH_REUSE_DATABASE holds ${n} bench vectors, not BENCH_VECTORS=${VECTORS}`);
      log(`reusing the kept database (${n} vectors)`);
    } else ({ loadSeconds, indexSeconds } = await load(db, counts));
    const users = counts.map((rows, i) => ({ id: `bu${i + 1}`, rows }));
    const half = Math.floor(USERS / 2);
    const [m0, m1] = [Math.max(3, Math.floor(USERS / 100)), Math.max(4, Math.floor(USERS / 20))];
    const groups: [string, typeof users][] = [
      [`small (users ${half + 1}–${USERS})`, users.slice(half)],
      [`medium (users ${m0 + 1}–${m1})`, users.slice(m0, m1)],
      ["large (users 1–3)", users.slice(0, 3)],
    ];
    const rows: Row[] = [];
    // PostgreSQL: large users get an index of their own (src/search/tenant-indexes.ts), as the server
    // builds after their first search. Measured first without it (the shared index), then with it.
    const large = groups[2][1];
    let buildSeconds: number | undefined;
    if (db.kind === "postgres" && db.url && tenantIndexMin > 0) {
      const tenantIndexes = createTenantIndexes({ databaseUrl: db.url, minRows: tenantIndexMin, workMem: "2GB", logger: { ...silentLogger, info: log, warn: log } });
      const names = large.map((u) => tenantIndexName("conversation_chunks", u.id, DIMS));
      const [{ n: built }] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_class WHERE relname = ANY(${names})`;
      if (built === 0) {
        rows.push({ ...(await measure(db, groups[2][0], large)), path: "shared index (before their own)" });
        log("measured large users on the shared index");
      }
      const started = performance.now();
      for (const u of large) tenantIndexes.request("conversation_chunks", u.id, DIMS);
      await tenantIndexes.idle();
      buildSeconds = (performance.now() - started) / 1000;
      tuning.tenantIndexes = tenantIndexes;
    }
    for (const [label, group] of groups) {
      rows.push(await measure(db, label, group));
      log(`measured ${label}`);
    }
    if (indexSeconds !== undefined) rows.push(await measure(db, groups[0][0], groups[0][1], true));
    console.log(`\n### ${db.kind === "postgres" ? "PostgreSQL 15 + pgvector 0.8" : "PGlite 0.4 (pgvector 0.8.1)"}: ${VECTORS.toLocaleString("en")} vectors, ${USERS} users\n`);
    console.log(`${reuse ? "A kept database, loaded by an earlier run" : `Loaded in ${loadSeconds.toFixed(0)} s, ${indexSeconds === undefined ? "no HNSW index (every user is exact)" : `HNSW index built in ${indexSeconds.toFixed(0)} s`}`}; ${QUERIES} queries per row; exact up to ${tuning.exactScanMax} rows, ef_search ${tuning.efSearch}${buildSeconds === undefined ? "" : `; users 1–3's own indexes ${buildSeconds < 1 ? "already built" : `built in ${buildSeconds.toFixed(0)} s`}`}.\n`);
    console.log("| tenants | vectors each | path | p50 ms | p95 ms | recall@10 |");
    console.log("|---|---|---|---|---|---|");
    for (const r of rows) console.log(`| ${r.tenants} | ${r.rows} | ${r.path} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.recall.toFixed(3)} |`);
  } finally {
    await db.close();
  }
}

await main();
