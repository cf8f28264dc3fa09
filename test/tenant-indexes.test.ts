// Large users get an HNSW index of their own on PostgreSQL (src/search/tenant-indexes.ts): a search
// that finds a user large asks for it, it is built in the background, the planner then walks it
// unfiltered (the plan names it and drops no other user's rows), answers stay their true top 10, and
// a deleted user's index goes. Users below the threshold, and every user on the embedded database, are
// served by the shared index as before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "../src/generated/prisma/client.ts";
import { hnswNearestSql, hnswSettingsSql, nearest, planNearest } from "../src/search/nearest.ts";
import { createTenantIndexes, tenantIndexName } from "../src/search/tenant-indexes.ts";
import { silentLogger } from "../src/logger.ts";
import { withSessionSettings } from "../src/db/database.ts";
import { DEFAULT_OWN_INDEX_EF_SEARCH, hnswSessionSettings } from "../src/search/tuning.ts";
import { usingRealPostgres } from "./support/database.ts";
import { exactTop10 as trueTop10, insertVectors as insertTenantVectors, queryNear as nearVector } from "./support/tenant-vectors.ts";
import { ok, startTestServer, type TestServer } from "./support/server.ts";

const DIMS = 384;
const EXACT_SCAN_MAX = 100;
const TENANT_INDEX_MIN = 400;
// PGlite inserts into its HNSW index in WebAssembly (slow); its part needs only a large user among others.
const SIZES = usingRealPostgres() ? { large: 900, medium: 250, small: 30, foreign: 2_500 } : { large: 500, medium: 150, small: 30, foreign: 400 };
type Who = keyof typeof SIZES;

let t: TestServer;
const queryNear = (userId: string, n: number) => nearVector(t.db.prisma, userId, n);
const exactTop10 = (userId: string, vector: number[]) => trueTop10(t.db.prisma, userId, vector, DIMS);
const insertVectors = (userId: string, conversationId: string, count: number, seed: number) =>
  insertTenantVectors(t.db.prisma, { userId, conversationId, count, seed, dims: DIMS, model: "tenant-index-384" });

const users = {} as Record<Who, { token: string; id: string; conversationId: string }>;
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

const searchChunks = `query($v: [Float!]) {
  search(vector: $v, kinds: [CHUNK], mode: VECTOR, limit: 10) { node { ... on ConversationChunk { id } } } }`;

async function search(who: Who, n: number) {
  const vector = await queryNear(users[who].id, n);
  await settle();
  const hits = ok(await t.gql(searchChunks, { v: vector }, { token: users[who].token })).search;
  return { vector, ids: hits.map((h: any) => Buffer.from(h.node.id, "base64").toString().split(":").pop() as string) };
}

async function recallFor(who: Who, queries: number) {
  let found = 0;
  for (let n = 0; n < queries; n++) {
    const { vector, ids } = await search(who, n * 7);
    const truth = await exactTop10(users[who].id, vector);
    found += truth.filter((id) => ids.includes(id)).length;
  }
  return found / (queries * 10);
}

/** The user's own index: absent, or whether PostgreSQL counts it valid. */
async function ownIndex(who: Who): Promise<"none" | "valid" | "invalid"> {
  const name = tenantIndexName("conversation_chunks", users[who].id, DIMS);
  const rows = await t.db.prisma.$queryRaw<{ valid: boolean }[]>`
    SELECT i.indisvalid AS valid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = ${name}`;
  return rows.length === 0 ? "none" : rows[0].valid ? "valid" : "invalid";
}

/** The walk's plan as the server runs it: alone for a user with their own index, after the shared walk's settings otherwise. */
async function explainWalk(who: Who, { own }: { own: boolean }) {
  const query = { vector: await queryNear(users[who].id, 3), metric: "COSINE" as const, limit: 10 };
  const statement: Prisma.Sql = hnswNearestSql("CHUNK", { userId: users[who].id }, query);
  if (own) {
    const rows = await t.db.prisma.$queryRaw<{ "QUERY PLAN": any }[]>`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`;
    return JSON.stringify(rows[0]["QUERY PLAN"]);
  }
  return t.db.prisma.$transaction(async (tx) => {
    await tx.$queryRaw(hnswSettingsSql({ exactScanMax: EXACT_SCAN_MAX, efSearch: 200, maxScanTuples: 100_000 }, 10));
    const rows = await tx.$queryRaw<{ "QUERY PLAN": any }[]>`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`;
    return JSON.stringify(rows[0]["QUERY PLAN"]);
  });
}

beforeAll(async () => {
  t = await startTestServer({
    env: { SEARCH_EXACT_SCAN_MAX: String(EXACT_SCAN_MAX), SEARCH_TENANT_INDEX_MIN: String(TENANT_INDEX_MIN), METRICS_PATH: "/metrics" },
    tenantIndexes: true,
  });
  for (const [who, count] of Object.entries(SIZES) as [Who, number][]) {
    const token = await t.tokenFor(`tenant_index_${who}`);
    ok(await t.gql(`mutation { createConversation(input: { title: "vectors" }) { id } }`, {}, { token }));
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { externalId: `tenant_index_${who}` }, include: { conversations: true } });
    users[who] = { token, id: user.id, conversationId: user.conversations[0].id };
    await insertVectors(user.id, users[who].conversationId, count, count / 10_000);
  }
  await t.db.prisma.$executeRaw`ANALYZE conversation_chunks`;
}, 600_000);
afterAll(() => t?.close());

// Each database runs the part that is its behaviour (nothing is skipped).
if (usingRealPostgres()) describe("users' own HNSW indexes (PostgreSQL)", () => {
  it("builds one for a user past the threshold after their first search, and none for smaller users", async () => {
    expect(await ownIndex("large")).toBe("none");
    await search("large", 0); // answered by the shared index while theirs is built
    await search("medium", 0); // past the exact threshold, below the index threshold
    await search("small", 0);
    await t.tenantIndexes!.idle();
    expect(await ownIndex("large")).toBe("valid");
    expect(await ownIndex("medium")).toBe("none");
    expect(await ownIndex("small")).toBe("none");
    expect(t.tenantIndexes!.has("conversation_chunks", users.large.id, DIMS)).toBe(true);
    // Operators see them on /metrics (from the catalog: every instance reports the same).
    const metrics = await (await fetch(t.url.replace(/\/graphql$/, "/metrics"))).text();
    expect(metrics).toMatch(/threadline_tenant_indexes\{state="valid"\} 1\b/);
    expect(metrics).toMatch(/threadline_tenant_indexes\{state="unfinished"\} 0\b/);
    expect(metrics).toMatch(/threadline_tenant_index_build_progress 0\b/);
  });

  it("walks it unfiltered: the plan names the user's index and drops no other user's rows", async () => {
    const own = await explainWalk("large", { own: true });
    expect(own).toContain(tenantIndexName("conversation_chunks", users.large.id, DIMS));
    expect(own).not.toMatch(/"Rows Removed by Filter": [1-9]/);
    // Another large user's search still walks the shared index, never the first user's.
    const other = await explainWalk("foreign", { own: false });
    expect(other).not.toContain(tenantIndexName("conversation_chunks", users.large.id, DIMS));
  });

  it("keeps answers their true top 10 (recall ≥ 0.95), skipping the row count once the index is known", async () => {
    expect(await recallFor("large", 8)).toBeGreaterThanOrEqual(0.95);
    expect(await recallFor("medium", 4)).toBeGreaterThanOrEqual(0.95);
    const { count, statements } = await t.countStatements(() => search("large", 5));
    expect(statements.some((s) => /count\(\*\)/.test(s) && /conversation_chunks/.test(s))).toBe(false);
    // One statement for the walk: the connection's own settings serve it, no transaction sets them.
    expect(statements.some((s) => /set_config/.test(s))).toBe(false);
    expect(statements.filter((s) => /<=>/.test(s))).toHaveLength(1);
    expect(count).toBeGreaterThan(0);
  });

  it("walks with settings every connection starts with, after any the database URL names", async () => {
    const [{ ef, iterative }] = await t.db.prisma.$queryRaw<{ ef: string; iterative: string }[]>`
      SELECT current_setting('hnsw.ef_search') AS ef, current_setting('hnsw.iterative_scan') AS iterative`;
    expect([ef, iterative]).toEqual([String(DEFAULT_OWN_INDEX_EF_SEARCH), "relaxed_order"]);
    const url = new URL(withSessionSettings("postgresql://db.example/app?options=-c%20hnsw.ef_search%3D77&sslmode=require", hnswSessionSettings(64)));
    expect(url.searchParams.get("options")).toBe("-c hnsw.ef_search=64 -c hnsw.iterative_scan=relaxed_order -c hnsw.max_scan_tuples=100000 -c hnsw.ef_search=77");
    expect(url.searchParams.get("sslmode")).toBe("require"); // the last -c of a name wins: the URL's
  });

  it("never shows a user another's rows through their index", async () => {
    const vector = await queryNear(users.large.id, 11);
    await settle();
    const hits = ok(await t.gql(searchChunks, { v: vector }, { token: users.foreign.token })).search;
    const ids = hits.map((h: any) => Buffer.from(h.node.id, "base64").toString().split(":").pop() as string);
    expect(ids).toHaveLength(10);
    expect(ids.every((id: string) => id.startsWith(`${users.foreign.id}-`))).toBe(true);
  });

  it("rebuilds an index a stopped build left invalid, and two instances never build one twice", async () => {
    const name = tenantIndexName("conversation_chunks", users.large.id, DIMS);
    await t.tenantIndexes!.idle(); // the other large user's own index, asked for by their searches above
    // What a build killed half-way leaves behind: the index in the catalog, marked invalid.
    await t.db.prisma.$executeRawUnsafe(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '"${name}"'::regclass`);
    expect(await ownIndex("large")).toBe("invalid");
    const logged: string[] = [];
    const logger = { ...silentLogger, warn: (line: string) => logged.push(line), info: (line: string) => logged.push(line) };
    const options = { databaseUrl: t.db.url!, minRows: TENANT_INDEX_MIN, workMem: "64MB", logger };
    const [a, b] = [createTenantIndexes(options), createTenantIndexes(options)]; // two instances after a restart
    a.request("conversation_chunks", users.large.id, DIMS);
    b.request("conversation_chunks", users.large.id, DIMS);
    await Promise.all([a.idle(), b.idle()]);
    expect(logged.filter((line) => line.includes("left unfinished")), logged.join("\n")).toHaveLength(1);
    expect(logged.filter((line) => /built in/.test(line)), logged.join("\n")).toHaveLength(1);
    expect(await ownIndex("large")).toBe("valid");
    await Promise.all([a.close(), b.close()]);
  });

  it("with a threshold below the exact one, builds it while the exact comparison serves, then walks it", async () => {
    const tenantIndexes = createTenantIndexes({ databaseUrl: t.db.url!, minRows: 200, workMem: "64MB", logger: silentLogger });
    const tuning = { exactScanMax: 1_000, efSearch: 200, maxScanTuples: 100_000, tenantIndexes };
    const vector = await queryNear(users.medium.id, 4);
    const query = { vector, metric: "COSINE" as const, limit: 10 };
    expect(await planNearest(t.db.prisma, "CHUNK", { userId: users.medium.id }, query, tuning)).toBe("exact"); // 250 rows
    const first = await nearest(t.db.prisma, "CHUNK", { userId: users.medium.id }, query, tuning);
    await tenantIndexes.idle();
    expect(await ownIndex("medium")).toBe("valid");
    expect(await planNearest(t.db.prisma, "CHUNK", { userId: users.medium.id }, query, tuning)).toBe("hnsw");
    const second = await nearest(t.db.prisma, "CHUNK", { userId: users.medium.id }, query, tuning);
    const truth = await exactTop10(users.medium.id, vector);
    expect(first.map((n) => n.id)).toEqual(truth);
    expect(second.map((n) => n.id).filter((id) => truth.includes(id)).length).toBeGreaterThanOrEqual(9);
    await tenantIndexes.close();
  });

  it("drops a user's index when the user deletes their account", async () => {
    ok(await t.gql(`mutation { deleteViewer(confirm: "tenant_index_large") { conversations } }`, {}, { token: users.large.token }));
    await t.tenantIndexes!.idle();
    expect(await ownIndex("large")).toBe("none");
  });
});

else describe("on the embedded database", () => {
  it("builds no index of a user's own, and a large user's search is right through the shared index", async () => {
    expect(t.tenantIndexes).toBeUndefined(); // PGlite: one connection, and an HNSW build there takes minutes
    expect(await recallFor("large", 6)).toBeGreaterThanOrEqual(0.95);
    const rows = await t.db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'i' AND relname LIKE 'conversation_chunks_hnsw_%_u_%'`;
    expect(rows[0].n).toBe(0);
  });
});
