// Vector search is right for every tenant: a small user next to a large one gets their true nearest
// neighbours (recall against an exact scan computed here), a large user's search walks the HNSW index
// with iterative scans, and the work of a small user's search does not grow with other users' rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../src/generated/prisma/client.ts";
import { exactNearestSql, hnswNearestSql, hnswSettingsSql } from "../src/search/nearest.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { exactTop10 as trueTop10, insertVectors as insertTenantVectors, queryNear as nearVector } from "./support/tenant-vectors.ts";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

const DIMS = 384;
const MODEL = "tenant-test-384";
/** A user above this many vectors is searched through the HNSW index (lowered so the test stays small). */
const EXACT_SCAN_MAX = 300;
const SMALL = 50;
const LARGE = 1_000;
const FOREIGN = 2_500;

let t: TestServer;
const queryNear = (userId: string, n: number) => nearVector(t.db.prisma, userId, n);
const exactTop10 = (userId: string, vector: number[]) => trueTop10(t.db.prisma, userId, vector, DIMS);
const insertVectors = (userId: string, conversationId: string, count: number, seed: number) =>
  insertTenantVectors(t.db.prisma, { userId, conversationId, count, seed, dims: DIMS, model: MODEL });

/**
 * With PGlite in this process, a long statement run by the test blocks the event loop past the server's
 * keep-alive timeout; a short pause lets the closed idle socket go before the next request reuses it.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const users: Record<"small" | "large" | "foreign", { token: string; id: string; conversationId: string }> = {} as never;

const searchChunks = `query($v: [Float!]) {
  search(vector: $v, kinds: [CHUNK], mode: VECTOR, limit: 10) { score vectorSimilarity node { ... on ConversationChunk { id chunkIndex } } } }`;

async function recallFor(who: keyof typeof users, queries: number) {
  let found = 0;
  for (let n = 0; n < queries; n++) {
    const vector = await queryNear(users[who].id, n * 7);
    const truth = await exactTop10(users[who].id, vector);
    await settle();
    const hits = ok(await t.gql(searchChunks, { v: vector }, { token: users[who].token })).search;
    const ids = hits.map((h: any) => Buffer.from(h.node.id, "base64").toString().split(":").pop());
    found += truth.filter((id) => ids.includes(id)).length;
  }
  return found / (queries * 10);
}

/** Rows the plan's scan nodes produced or removed by a filter: what the statement read. */
function rowsRead(plan: any): number {
  const node = plan.Plan ?? plan;
  const own = /Scan/.test(node["Node Type"]) ? (node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0) : 0;
  return own + (node.Plans ?? []).reduce((sum: number, child: any) => sum + rowsRead(child), 0);
}

async function explain(statement: Prisma.Sql, settings?: Prisma.Sql) {
  return t.db.prisma.$transaction(async (tx) => {
    if (settings) await tx.$queryRaw(settings);
    const rows = await tx.$queryRaw<{ "QUERY PLAN": any }[]>`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`;
    const plan = rows[0]["QUERY PLAN"];
    return (typeof plan === "string" ? JSON.parse(plan) : plan)[0];
  });
}

beforeAll(async () => {
  t = await startTestServer({ env: { SEARCH_EXACT_SCAN_MAX: String(EXACT_SCAN_MAX) } });
  for (const who of ["small", "large", "foreign"] as const) {
    const token = await t.tokenFor(`tenant_${who}`);
    ok(await t.gql(`mutation { createConversation(input: { title: "vectors" }) { id } }`, {}, { token }));
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { externalId: `tenant_${who}` }, include: { conversations: true } });
    users[who] = { token, id: user.id, conversationId: user.conversations[0].id };
  }
  for (const [who, count, seed] of [["small", SMALL, 0.1], ["large", LARGE, 0.2], ["foreign", FOREIGN, 0.3]] as const) {
    await insertVectors(users[who].id, users[who].conversationId, count, seed);
  }
  await t.db.prisma.$executeRaw`ANALYZE conversation_chunks`;
  await settle();
}, 600_000);
afterAll(() => t?.close());

describe("vector search across tenants", () => {
  it("would fail with the global index alone: the small user's rows are few among the index's nearest", async () => {
    const vector = await queryNear(users.small.id, 0);
    // What the old plan did: the index's 40 nearest (hnsw.ef_search's default), then the owner filter.
    const globalNearest = await t.db.prisma.$queryRaw<{ user_id: string }[]>`
      SELECT user_id FROM conversation_chunks WHERE embedding_dimensions = ${DIMS}
       ORDER BY embedding::vector(384) <=> ${JSON.stringify(vector)}::vector(384) LIMIT 40`;
    expect(globalNearest.filter((r) => r.user_id === users.small.id).length).toBeLessThan(10);
  });

  it("gives a small user their true top 10 among many foreign vectors (recall ≥ 0.95)", async () => {
    expect(await recallFor("small", 8)).toBeGreaterThanOrEqual(0.95);
  });

  it("gives a large user their true top 10 through the HNSW index (recall ≥ 0.95)", async () => {
    expect(await recallFor("large", 8)).toBeGreaterThanOrEqual(0.95);
    expect(await recallFor("foreign", 4)).toBeGreaterThanOrEqual(0.95);
  });

  it("searches a small user exactly and a large one through the index, in a constant number of statements", async () => {
    const [nearSmall, nearLarge] = [await queryNear(users.small.id, 1), await queryNear(users.large.id, 1)];
    await settle();
    const small = await t.countStatements(async () => ok(await t.gql(searchChunks, { v: nearSmall }, { token: users.small.token })));
    const large = await t.countStatements(async () => ok(await t.gql(searchChunks, { v: nearLarge }, { token: users.large.token })));
    expect(small.statements.some((s) => s.includes("hnsw.iterative_scan"))).toBe(false);
    expect(large.statements.some((s) => s.includes("hnsw.iterative_scan"))).toBe(true);
    // Small: counting the user's rows and comparing them in one statement, then loading the hits.
    // Large: the count, the index walk, loading the hits.
    expect(small.statements.filter((s) => /conversation_chunks/.test(s))).toHaveLength(2);
    expect(large.statements.filter((s) => /conversation_chunks/.test(s))).toHaveLength(3);
  });

  it("reads only the small user's rows, however many other users hold", async () => {
    const query = { vector: await queryNear(users.small.id, 2), metric: "COSINE" as const, limit: 10 };
    const plan = await explain(exactNearestSql("CHUNK", { userId: users.small.id }, query));
    expect(rowsRead(plan)).toBeLessThanOrEqual(SMALL);
    // The large user's search walks the HNSW index and reads a slice of it, not every row.
    const largeQuery = { vector: await queryNear(users.large.id, 2), metric: "COSINE" as const, limit: 10 };
    const walk = await explain(hnswNearestSql("CHUNK", { userId: users.large.id }, largeQuery), hnswSettingsSql({ exactScanMax: EXACT_SCAN_MAX, efSearch: 200, maxScanTuples: 100_000 }, 10));
    expect(JSON.stringify(walk)).toContain("conversation_chunks_hnsw_384");
    expect(rowsRead(walk)).toBeLessThan((LARGE + FOREIGN + SMALL) / 2);
  });

  it("never shows one user another's vectors", async () => {
    const vector = await queryNear(users.large.id, 3);
    await settle();
    const hits = ok(await t.gql(searchChunks, { v: vector }, { token: users.small.token })).search;
    expect(hits).toHaveLength(10);
    const ids = hits.map((h: any) => Buffer.from(h.node.id, "base64").toString().split(":").pop());
    expect(ids.every((id: string) => id.startsWith(`${users.small.id}-`))).toBe(true);
  });
});

describe("any vector a user brings", () => {
  const upsert = `mutation($id: ID!, $c: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $c) { id chunkIndex embeddingDimensions embedding } }`;
  let owner: string;
  let conversationId: string;
  const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token: owner });

  beforeAll(async () => {
    owner = await t.tokenFor("tenant_brings_vectors");
    conversationId = ok(await gql(`mutation { createConversation(input: { title: "own vectors" }) { id } }`)).createConversation.id;
  });

  it("stores vectors of any size up to 2,000 with their model and reads them back on request", async () => {
    const chunks = ok(
      await gql(upsert, {
        id: conversationId,
        c: [
          { chunkIndex: 0, chunkText: "far but aligned", embedding: [10, 1, 0], model: "tiny-3" },
          { chunkIndex: 1, chunkText: "near but tilted", embedding: [0.5, 0.5, 0], model: "tiny-3" },
          { chunkIndex: 2, chunkText: "widest", embedding: Array.from({ length: 2000 }, (_, i) => (i % 3) - 1), model: "wide-2000" },
        ],
      }),
    ).upsertChunks;
    expect(chunks.map((c: any) => c.embeddingDimensions)).toEqual([3, 3, 2000]);
    expect(chunks[0].embedding).toEqual([10, 1, 0]);
    expect(chunks[2].embedding).toHaveLength(2000);
  });

  it("compares by the distance a query asks for: cosine, L2 or inner product", async () => {
    const query = `query($d: DistanceMetric) { search(vector: [1, 0, 0], kinds: [CHUNK], distance: $d, filter: { model: "tiny-3" }) {
      score vectorSimilarity vectorDistance vectorRank node { ... on ConversationChunk { chunkIndex } } } }`;
    const cosine = ok(await gql(query, { d: "COSINE" })).search;
    expect(cosine.map((h: any) => h.node.chunkIndex)).toEqual([0, 1]);
    expect(cosine[0].vectorSimilarity).toBeCloseTo(10 / Math.sqrt(101), 5);
    const l2 = ok(await gql(query, { d: "L2" })).search;
    expect(l2.map((h: any) => h.node.chunkIndex)).toEqual([1, 0]);
    expect(l2[0].vectorDistance).toBeCloseTo(Math.SQRT1_2, 5);
    expect(l2[0].score).toBeCloseTo(1 / (1 + Math.SQRT1_2), 5);
    const inner = ok(await gql(query, { d: "INNER_PRODUCT" })).search;
    expect(inner.map((h: any) => h.node.chunkIndex)).toEqual([0, 1]);
    expect(inner[0].vectorSimilarity).toBeCloseTo(10, 5);
    for (const hit of [...cosine, ...l2, ...inner]) {
      expect(hit.score).toBeGreaterThanOrEqual(0);
      expect(hit.score).toBeLessThanOrEqual(1);
    }
    expect(inner.map((h: any) => h.vectorRank)).toEqual([1, 2]);
  });

  it("refuses bad vectors with BAD_USER_INPUT and writes nothing", async () => {
    const before = await t.db.prisma.conversationChunk.count();
    const memoriesBefore = await t.db.prisma.memory.count();
    const cases: [unknown[], string, RegExp][] = [
      [[1, 2], "tiny-3", /model "tiny-3" makes vectors of 3/],
      [Array.from({ length: 2001 }, () => 1), "m", /2001 dimensions/],
      [[], "m", /empty/],
      [[1e39, 1, 1], "m", /float4/],
      [[0, 0, 0], "m", /all zeros/],
      [["NaN", 1, 1], "m", /./],
    ];
    for (const [embedding, model, message] of cases) {
      const response = await gql(upsert, { id: conversationId, c: [{ chunkIndex: 9, chunkText: "bad", embedding, model }] });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      expect(response.errors![0].message).toMatch(message);
      const memory = await gql(`mutation($e: [Float!], $m: String) { createMemory(input: { content: "bad", embedding: $e, model: $m }) { id } }`, { e: embedding, m: model });
      expect(errorCodes(memory)).toEqual(["BAD_USER_INPUT"]);
    }
    const infinite = await gql(`{ search(vector: [1e309, 1, 1]) { score } }`);
    expect(errorCodes(infinite)).toEqual(["BAD_USER_INPUT"]);
    const mixed = await gql(upsert, {
      id: conversationId,
      c: [
        { chunkIndex: 7, chunkText: "a", embedding: [1, 2, 3, 4], model: "new-model" },
        { chunkIndex: 8, chunkText: "b", embedding: [1, 2, 3, 4, 5], model: "new-model" },
      ],
    });
    expect(errorCodes(mixed)).toEqual(["BAD_USER_INPUT"]);
    expect(await t.db.prisma.conversationChunk.count()).toBe(before);
    expect(await t.db.prisma.memory.count()).toBe(memoriesBefore);
  });

  it("finds memories of any size by any distance, through similarMemories too", async () => {
    const memory = ok(await gql(`mutation { createMemory(input: { content: "five-d", embedding: [1, 2, 3, 4, 5], model: "five" }) { id embedding } }`)).createMemory;
    expect(memory.embedding).toEqual([1, 2, 3, 4, 5]);
    const similar = ok(await gql(`{ similarMemories(vector: [1, 2, 3, 4, 6], model: "five", distance: L2) { score distance memory { id } } }`)).similarMemories;
    expect(similar).toHaveLength(1);
    expect(similar[0].distance).toBeCloseTo(1, 5);
    expect(similar[0].score).toBeCloseTo(0.5, 5);
    const other = await t.tokenFor("tenant_brings_nothing");
    expect(ok(await t.gql(`{ similarMemories(vector: [1, 2, 3, 4, 6], distance: L2) { memory { id } } }`, {}, { token: other })).similarMemories).toEqual([]);
    const peek = await t.gql(`query($id: ID!) { node(id: $id) { ... on Memory { embedding } } }`, { id: memory.id }, { token: other });
    expect(peek.data?.node?.embedding ?? null).toBeNull();
  });
});

describe("messages by meaning, through their chunks", () => {
  it("finds a message by VECTOR and HYBRID through the chunks cut from it, once per message", async () => {
    const token = await t.tokenFor("tenant_messages");
    const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });
    const conversation = ok(await gql(`mutation { createConversation(input: { title: "chat" }) { id } }`)).createConversation.id;
    const texts = ["The kitchen cat knocks cups off the table", "Deploy the billing service on Friday", "Book a dentist appointment next week"];
    ok(await gql(`mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, {
      id: conversation,
      m: texts.map((content) => ({ role: "USER", content })),
    }));
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { externalId: "tenant_messages" } });
    const messages = await t.db.prisma.message.findMany({ where: { conversation: { userId: user.id } }, orderBy: { position: "asc" } });
    // What the background embedder writes: chunks of each message, embedded by the server's model (two for the first).
    const embedder = createEmbedder("hashing"); // the test server's embedder
    const parts = [
      { message: messages[0], text: "The kitchen cat", index: 0 },
      { message: messages[0], text: "knocks cups off the table", index: 1 },
      { message: messages[1], text: texts[1], index: 2 },
      { message: messages[2], text: texts[2], index: 3 },
    ];
    const vectors = await embedder.embed(parts.map((p) => p.text));
    for (const [i, part] of parts.entries()) {
      await t.db.prisma.$executeRaw`
        INSERT INTO conversation_chunks (id, conversation_id, user_id, message_id, chunk_index, chunk_text, embedding, embedding_model, embedding_dimensions, updated_at)
        VALUES (${`mc-${i}`}, ${part.message.conversationId}, ${user.id}, ${part.message.id}, ${part.index}, ${part.text},
                ${JSON.stringify(vectors[i])}::vector, ${embedder.model}, ${embedder.dimensions}, now())`;
    }
    const query = `query($q: String!, $mode: SearchMode) { search(query: $q, kinds: [MESSAGE], mode: $mode, limit: 5) {
      kind score vectorSimilarity textRank fusedRank node { ... on Message { content } } } }`;
    const byVector = ok(await gql(query, { q: "cups off the table", mode: "VECTOR" })).search;
    expect(byVector[0]).toMatchObject({ kind: "MESSAGE", node: { content: texts[0] } });
    expect(new Set(byVector.map((h: any) => h.node.content)).size).toBe(byVector.length);
    const hybrid = ok(await gql(query, { q: "kitchen cat", mode: "HYBRID" })).search;
    expect(hybrid[0].node.content).toBe(texts[0]);
    expect(hybrid[0].vectorSimilarity).not.toBeNull();
    expect(hybrid[0].textRank).toBeGreaterThan(0);
    expect(hybrid[0].fusedRank).toBeCloseTo(2 / 61, 6);
    expect(hybrid[0].score).toBeCloseTo(1, 6);
    // Message chunks are found as their messages, not as chunks; other users find none of them.
    expect(ok(await gql(`{ search(query: "kitchen cat", kinds: [CHUNK]) { kind } }`)).search).toEqual([]);
    expect(ok(await t.gql(query, { q: "kitchen cat", mode: "HYBRID" }, { token: users.small.token })).search).toEqual([]);
  });

  it("refuses a chunk whose message is in another conversation", async () => {
    const a = await t.db.prisma.conversation.findFirstOrThrow({ where: { user: { externalId: "tenant_small" } } });
    const b = await t.db.prisma.message.findFirstOrThrow({ where: { conversation: { user: { externalId: "tenant_messages" } } } });
    await expect(t.db.prisma.$executeRaw`
      INSERT INTO conversation_chunks (id, conversation_id, user_id, message_id, chunk_index, chunk_text, updated_at)
      VALUES ('stray', ${a.id}, ${a.userId}, ${b.id}, 999999, 'stray', now())`).rejects.toThrow();
  });
});
