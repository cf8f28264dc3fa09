// Seed 001's similarity search over conversation chunks, and the search modes around it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;
let conversationId: string;

/** A unit vector along axis `axis`, tilted slightly towards axis `towards`. */
const axis = (n: number, dims = 384, towards?: number, tilt = 0) =>
  Array.from({ length: dims }, (_, i) => (i === n ? 1 : i === towards ? tilt : 0));

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_search");
  conversationId = ok(await t.gql(`mutation { createConversation(input: { title: "Embeddings" }) { id } }`, {}, { token })).createConversation.id;
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });

describe("upsertChunks", () => {
  it("stores chunks with given embeddings and replaces them by chunkIndex", async () => {
    const chunks = [0, 1, 2].map((i) => ({ chunkIndex: i, chunkText: `chunk number ${i}`, embedding: axis(i, 384, 10, 0.1), model: "test-model" }));
    const stored = ok(
      await gql(`mutation($id: ID!, $chunks: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $chunks) { chunkIndex chunkText embeddingModel embeddingDimensions } }`, {
        id: conversationId,
        chunks,
      }),
    ).upsertChunks;
    expect(stored).toEqual([0, 1, 2].map((i) => ({ chunkIndex: i, chunkText: `chunk number ${i}`, embeddingModel: "test-model", embeddingDimensions: 384 })));

    const replaced = ok(
      await gql(`mutation($id: ID!) { upsertChunks(conversationId: $id, chunks: [{ chunkIndex: 2, chunkText: "the deployment pipeline failed on migrations" }]) { chunkText embeddingModel embeddingDimensions } }`, {
        id: conversationId,
      }),
    ).upsertChunks;
    expect(replaced).toEqual([{ chunkText: "the deployment pipeline failed on migrations", embeddingModel: "threadline-hashing-v1", embeddingDimensions: 512 }]);
    const count = ok(await gql(`query($id: ID!) { conversation(id: $id) { chunks { totalCount } } }`, { id: conversationId }));
    expect(count.conversation.chunks.totalCount).toBe(3);
  });

  it("costs the same number of statements for 5 chunks as for 50, and keeps metadata", async () => {
    const batch = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => ({ chunkIndex: offset + i, chunkText: `bulk chunk ${offset + i}`, metadata: { tokens: i } }));
    const { id: other } = ok(await gql(`mutation { createConversation(input: { title: "Bulk chunks" }) { id } }`)).createConversation;
    const small = await t.countStatements(async () =>
      ok(await gql(`mutation($id: ID!, $c: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $c) { chunkIndex } }`, { id: other, c: batch(5, 0) })),
    );
    const large = await t.countStatements(async () =>
      ok(await gql(`mutation($id: ID!, $c: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $c) { chunkIndex metadata } }`, { id: other, c: batch(50, 100) })),
    );
    expect(large.count).toBe(small.count);
    const stored = ok(await gql(`query($id: ID!) { conversation(id: $id) { chunks(first: 100) { totalCount edges { node { chunkIndex metadata embeddingDimensions } } } } }`, { id: other })).conversation.chunks;
    expect(stored.totalCount).toBe(55);
    expect(stored.edges[5].node).toEqual({ chunkIndex: 100, metadata: { tokens: 0 }, embeddingDimensions: 512 });
  });

  it("rejects wrong dimensions, NaN and a missing model, storing nothing", async () => {
    const before = await t.db.prisma.conversationChunk.count();
    for (const [chunk, message] of [
      [{ chunkIndex: 9, chunkText: "x", embedding: axis(0, 2001), model: "m" }, /2001 dimensions/],
      [{ chunkIndex: 9, chunkText: "x", embedding: [], model: "m" }, /empty/],
      [{ chunkIndex: 9, chunkText: "x", embedding: axis(0, 384), model: "threadline-hashing-v1" }, /model "threadline-hashing-v1" makes vectors of 512/],
      [{ chunkIndex: 9, chunkText: "x", embedding: axis(0, 384) }, /model is required/],
      [{ chunkIndex: 9, chunkText: "x", embedding: axis(0, 384).map(() => 0), model: "m" }, /all zeros/],
    ] as const) {
      const response = await gql(`mutation($id: ID!, $c: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $c) { id } }`, { id: conversationId, c: [chunk] });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      expect(response.errors![0].message).toMatch(message);
    }
    const nan = await gql(`mutation($id: ID!, $c: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $c) { id } }`, {
      id: conversationId,
      c: [{ chunkIndex: 9, chunkText: "x", embedding: ["NaN", ...axis(0, 383)], model: "m" }],
    });
    expect(errorCodes(nan)).toEqual(["BAD_USER_INPUT"]);
    expect(await t.db.prisma.conversationChunk.count()).toBe(before);
  });
});

describe("search", () => {
  it("finds the nearest chunks to a vector, above a similarity threshold, up to a limit (seed 001)", async () => {
    const query = `query($v: [Float!], $threshold: Float, $limit: Int) {
      search(vector: $v, kinds: [CHUNK], mode: VECTOR, threshold: $threshold, limit: $limit) {
        kind score similarity vectorDistance textRank node { ... on ConversationChunk { chunkIndex chunkText conversation { title } } } } }`;
    const hits = ok(await gql(query, { v: axis(1, 384), limit: 5 })).search;
    expect(hits[0]).toMatchObject({ kind: "CHUNK", textRank: null, node: { chunkIndex: 1, conversation: { title: "Embeddings" } } });
    expect(hits[0].similarity).toBeCloseTo(1 / Math.sqrt(1.01), 5);
    expect(hits[0].vectorDistance).toBeCloseTo(1 - hits[0].similarity, 6);
    // Chunk 2 was re-embedded with another model and dimension: it is never compared with 384-d vectors.
    expect(hits.map((h: any) => h.node.chunkIndex)).toEqual([1, 0]);

    const strict = ok(await gql(query, { v: axis(1, 384), threshold: 0.9 })).search;
    expect(strict.map((h: any) => h.node.chunkIndex)).toEqual([1]);
    const limited = ok(await gql(query, { v: axis(1, 384), limit: 1 })).search;
    expect(limited).toHaveLength(1);
  });

  it("embeds a text query with the server's embedder and fuses vector and full-text ranks in HYBRID mode", async () => {
    ok(await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "Why did the deployment pipeline fail?" }]) { inserted } }`, { id: conversationId }));
    const hits = ok(
      await gql(
        `query($id: ID!) { search(query: "deployment pipeline failed", limit: 5, filter: { conversationId: $id }) { kind score fusedRank vectorDistance textRank node { ... on ConversationChunk { chunkText } ... on Message { content } } } }`,
        { id: conversationId },
      ),
    ).search;
    expect(hits.map((h: any) => h.kind).sort()).toEqual(["CHUNK", "MESSAGE"]);
    const chunk = hits.find((h: any) => h.kind === "CHUNK");
    expect(chunk.node.chunkText).toBe("the deployment pipeline failed on migrations");
    expect(chunk.vectorDistance).not.toBeNull();
    expect(chunk.textRank).toBeGreaterThan(0);
    // Found by both lists, the chunk outranks the message, found by words only.
    expect(hits[0].kind).toBe("CHUNK");
    expect(chunk.fusedRank).toBeCloseTo(2 / 61, 6);
    expect(chunk.score).toBeCloseTo(1, 6);
  });

  it("searches by words alone in FULL_TEXT mode", async () => {
    const hits = ok(await gql(`{ search(query: "pipelines", mode: FULL_TEXT, kinds: [MESSAGE]) { kind vectorDistance node { ... on Message { content } } } }`)).search;
    expect(hits).toEqual([{ kind: "MESSAGE", vectorDistance: null, node: { content: "Why did the deployment pipeline fail?" } }]);
  });

  it("never returns another user's chunks", async () => {
    const other = await t.tokenFor("user_search_other");
    const hits = ok(await t.gql(`query($v: [Float!]) { search(vector: $v, kinds: [CHUNK]) { kind } }`, { v: axis(1, 384) }, { token: other })).search;
    expect(hits).toEqual([]);
  });

  it("rejects a vector over 2,000 dimensions and a query without words", async () => {
    expect(errorCodes(await gql(`query($v: [Float!]) { search(vector: $v) { kind } }`, { v: axis(0, 2001) }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(`{ search(query: "!!!", mode: VECTOR) { kind } }`))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(`{ search(query: "x", limit: 1000) { kind } }`))).toEqual(["BAD_USER_INPUT"]);
  });
});
