// Seeds 000 and 004: memories with importance and embeddings; CRUD, soft delete, merge; nearest neighbours; clusters.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;
let other: string;

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_memory");
  other = await t.tokenFor("user_memory_other");
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>, as = token) => t.gql(query, variables, { token: as });
const axis = (n: number, dims = 384, towards?: number, tilt = 0) => Array.from({ length: dims }, (_, i) => (i === n ? 1 : i === towards ? tilt : 0));

const CREATE = `mutation($input: CreateMemoryInput!) { createMemory(input: $input) { id content kind importance tags embeddingModel embeddingDimensions deletedAt } }`;
const create = async (input: Record<string, unknown>, as = token) => ok(await gql(CREATE, { input }, as)).createMemory;

describe("memory CRUD", () => {
  it("creates a memory embedded by the server, updates it, soft-deletes, restores and hard-deletes it", async () => {
    const memory = await create({ content: "Prefers dark mode in every editor", kind: "preference", importance: 0.8, tags: ["ui"] });
    expect(memory).toMatchObject({ kind: "preference", importance: 0.8, tags: ["ui"], embeddingModel: "threadline-hashing-v1", embeddingDimensions: 512, deletedAt: null });

    const updated = ok(await gql(`mutation($id: ID!) { updateMemory(id: $id, input: { importance: 0.9, tags: ["ui", "editor"], summary: "dark mode" }) { importance tags summary content } }`, { id: memory.id }));
    expect(updated.updateMemory).toEqual({ importance: 0.9, tags: ["ui", "editor"], summary: "dark mode", content: "Prefers dark mode in every editor" });

    const soft = ok(await gql(`mutation($id: ID!) { deleteMemory(id: $id) { deletedId hard memory { deletedAt } } }`, { id: memory.id })).deleteMemory;
    expect(soft.hard).toBe(false);
    expect(soft.memory.deletedAt).not.toBeNull();
    const list = `{ memories(filter: { tags: ["ui"] }) { totalCount } all: memories(filter: { tags: ["ui"] }, includeDeleted: true) { totalCount } }`;
    expect(ok(await gql(list))).toEqual({ memories: { totalCount: 0 }, all: { totalCount: 1 } });

    ok(await gql(`mutation($id: ID!) { restoreMemory(id: $id) { deletedAt } }`, { id: memory.id }));
    expect(ok(await gql(list)).memories.totalCount).toBe(1);

    const hard = ok(await gql(`mutation($id: ID!) { deleteMemory(id: $id, hard: true) { hard memory { id } } }`, { id: memory.id })).deleteMemory;
    expect(hard).toEqual({ hard: true, memory: null });
    expect(await t.db.prisma.memory.count({ where: { content: "Prefers dark mode in every editor" } })).toBe(0);
  });

  it("links a memory to its conversation and source messages, all the viewer's own", async () => {
    const { id: conversationId } = ok(await gql(`mutation { createConversation(input: { title: "session" }) { id } }`)).createConversation;
    const messageId = ok(await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "I moved to Lisbon" }]) { messages { id } } }`, { id: conversationId }))
      .appendMessages.messages[0].id;
    const memory = ok(
      await gql(`mutation($c: ID!, $m: ID!) { createMemory(input: { content: "Lives in Lisbon", conversationId: $c, sourceMessageIds: [$m] }) { conversation { title } sourceMessageIds } }`, {
        c: conversationId,
        m: messageId,
      }),
    ).createMemory;
    expect(memory.conversation).toEqual({ title: "session" });
    expect(memory.sourceMessageIds).toHaveLength(1);
    expect(ok(await gql(`query($c: ID!) { conversation(id: $c) { memories { totalCount } } }`, { c: conversationId })).conversation.memories.totalCount).toBe(1);

    const foreign = await gql(`mutation($c: ID!) { createMemory(input: { content: "sneaky", conversationId: $c }) { id } }`, { c: conversationId }, other);
    expect(errorCodes(foreign)).toEqual(["NOT_FOUND"]);
    const foreignSource = await gql(`mutation($m: ID!) { createMemory(input: { content: "sneaky", sourceMessageIds: [$m] }) { id } }`, { m: messageId }, other);
    expect(errorCodes(foreignSource)).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.memory.count({ where: { content: "sneaky" } })).toBe(0);
  });

  it("filters by kind, tags, importance and text, and orders by importance", async () => {
    await create({ content: "alpha fact", kind: "fact", importance: 0.2, tags: ["filter-test", "a"] });
    await create({ content: "beta preference", kind: "preference", importance: 0.6, tags: ["filter-test", "b"] });
    await create({ content: "gamma fact", kind: "fact", importance: 0.95, tags: ["filter-test", "a", "b"] });
    const query = `query($f: MemoryFilter) { memories(filter: $f, orderBy: [{ importance: Desc }]) { edges { node { content } } } }`;
    const contents = async (f: Record<string, unknown>) => ok(await gql(query, { f: { tags: ["filter-test"], ...f } })).memories.edges.map((e: any) => e.node.content);
    expect(await contents({})).toEqual(["gamma fact", "beta preference", "alpha fact"]);
    expect(await contents({ kind: ["fact"] })).toEqual(["gamma fact", "alpha fact"]);
    expect(await contents({ tags: ["filter-test", "a", "b"] })).toEqual(["gamma fact"]);
    expect(await contents({ anyTags: ["b"] })).toEqual(["gamma fact", "beta preference"]);
    expect(await contents({ importance: { min: 0.5, max: 0.9 } })).toEqual(["beta preference"]);
    expect(await contents({ contains: "PREFERENCE" })).toEqual(["beta preference"]);
  });

  it("rejects bad input and changes nothing", async () => {
    const before = await t.db.prisma.memory.count();
    for (const [input, pattern] of [
      [{ content: "x", accessCount: -1 }, /accessCount/],
      [{ content: "  " }, /content/],
      [{ content: "x", embedding: axis(0, 2001), model: "m" }, /2001 dimensions/],
      [{ content: "x", embedding: axis(0) }, /model is required/],
      [{ kind: "fact" }, /content is required/],
    ] as const) {
      const response = await gql(CREATE, { input });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      expect(response.errors![0].message).toMatch(pattern);
    }
    expect(await t.db.prisma.memory.count()).toBe(before);
  });

  it("never lets another user read, change, delete or restore a memory", async () => {
    const memory = await create({ content: "private memory" });
    expect(ok(await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: memory.id }, other)).node).toBeNull();
    for (const mutation of [
      `mutation($id: ID!) { updateMemory(id: $id, input: { content: "changed" }) { id } }`,
      `mutation($id: ID!) { deleteMemory(id: $id) { deletedId } }`,
      `mutation($id: ID!) { deleteMemory(id: $id, hard: true) { deletedId } }`,
      `mutation($id: ID!) { restoreMemory(id: $id) { id } }`,
    ]) {
      expect(errorCodes(await gql(mutation, { id: memory.id }, other))).toEqual(["NOT_FOUND"]);
    }
    expect(ok(await gql(`mutation($id: ID!) { recordMemoryAccess(ids: [$id]) }`, { id: memory.id }, other)).recordMemoryAccess).toBe(0);
    const row = await t.db.prisma.memory.findFirstOrThrow({ where: { content: "private memory" } });
    expect(row).toMatchObject({ deletedAt: null, accessCount: 0 });
    expect(ok(await gql(`{ memories(filter: { contains: "private" }) { totalCount } }`, {}, other)).memories.totalCount).toBe(0);
  });

  it("keeps full-text search in step with edits to a memory's content", async () => {
    const memory = await create({ content: "Favourite climbing crag is Sintra" });
    const find = async (words: string) =>
      ok(await gql(`query($q: String!) { search(query: $q, mode: FULL_TEXT, kinds: [MEMORY]) { node { ... on Memory { id } } } }`, { q: words })).search.map((h: any) => h.node.id);
    expect(await find("climbing crags")).toEqual([memory.id]);
    ok(await gql(`mutation($id: ID!) { updateMemory(id: $id, input: { content: "Favourite surf spot is Ericeira", summary: "surfing" }) { id } }`, { id: memory.id }));
    expect(await find("climbing")).toEqual([]);
    expect(await find("surfing Ericeira")).toEqual([memory.id]);
  });

  it("records access", async () => {
    const memory = await create({ content: "accessed memory" });
    expect(ok(await gql(`mutation($id: ID!) { recordMemoryAccess(ids: [$id, $id]) }`, { id: memory.id })).recordMemoryAccess).toBe(1);
    const row = await t.db.prisma.memory.findFirstOrThrow({ where: { content: "accessed memory" } });
    expect(row.accessCount).toBe(1);
    expect(row.lastAccessedAt).not.toBeNull();
  });
});

describe("nearest memories", () => {
  it("finds the nearest memories to a memory, a vector or a text, most similar first, leaving out deleted ones", async () => {
    await create({ content: "near", embedding: axis(1, 384, 2, 0.2), model: "test-384" });
    const nearer = await create({ content: "nearer", embedding: axis(1, 384, 2, 0.05), model: "test-384" });
    await create({ content: "far", embedding: axis(3, 384), model: "test-384" });
    const gone = await create({ content: "gone", embedding: axis(1, 384), model: "test-384" });
    ok(await gql(`mutation($id: ID!) { deleteMemory(id: $id) { hard } }`, { id: gone.id }));

    const byVector = ok(await gql(`query($v: [Float!]) { similarMemories(vector: $v, limit: 3) { similarity memory { content } } }`, { v: axis(1) })).similarMemories;
    expect(byVector.map((s: any) => s.memory.content)).toEqual(["nearer", "near", "far"]);
    expect(byVector[0].similarity).toBeCloseTo(1 / Math.sqrt(1.0025), 6);

    const byMemory = ok(await gql(`query($id: ID!) { similarMemories(to: $id, threshold: 0.5) { memory { content } } }`, { id: nearer.id })).similarMemories;
    expect(byMemory.map((s: any) => s.memory.content)).toEqual(["near"]);

    const textual = await create({ content: "the staging database password rotates every month" });
    const byText = ok(await gql(`{ similarMemories(text: "when does the staging password rotate", limit: 1) { memory { id } } }`)).similarMemories;
    expect(byText).toEqual([{ memory: { id: textual.id } }]);

    expect(ok(await gql(`query($v: [Float!]) { similarMemories(vector: $v) { memory { id } } }`, { v: axis(1) }, other)).similarMemories).toEqual([]);
    expect(errorCodes(await gql(`query($id: ID!, $v: [Float!]) { similarMemories(to: $id, vector: $v) { distance } }`, { id: nearer.id, v: axis(1) }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(`query($id: ID!) { similarMemories(to: $id) { distance } }`, { id: nearer.id }, other))).toEqual(["NOT_FOUND"]);
  });
});

describe("merging", () => {
  it("folds duplicates into one memory and records what was merged and where they disagreed", async () => {
    const keep = await create({ content: "Allergic to peanuts", kind: "fact", importance: 0.5, tags: ["health"] });
    const dup1 = await create({ content: "allergic to peanuts!", kind: "fact", importance: 0.9, tags: ["food"] });
    const dup2 = await create({ content: "Peanut allergy", kind: "health", importance: 0.3, tags: ["health", "allergy"] });
    ok(await gql(`mutation($m: ID!) { createMemoryCluster(input: { name: "health", members: [{ memoryId: $m, score: 0.7 }] }) { id } }`, { m: dup1.id }));

    const merged = ok(
      await gql(
        `mutation($keep: ID!, $ids: [ID!]!) { mergeMemories(keepId: $keep, mergeIds: $ids, strategy: "manual") {
           memory { content importance tags clusterMemberships { cluster { name } score } }
           deduplicationRecord { strategy mergedMemoryIds conflicts memory { id } } } }`,
        { keep: keep.id, ids: [dup1.id, dup2.id] },
      ),
    ).mergeMemories;
    expect(merged.memory).toEqual({ content: "Allergic to peanuts", importance: 0.9, tags: ["health", "food", "allergy"], clusterMemberships: [{ cluster: { name: "health" }, score: 0.7 }] });
    expect(merged.deduplicationRecord.strategy).toBe("manual");
    expect(merged.deduplicationRecord.mergedMemoryIds).toHaveLength(2);
    expect(merged.deduplicationRecord.memory.id).toBe(keep.id);
    expect(merged.deduplicationRecord.conflicts).toEqual({ content: ["Allergic to peanuts", "allergic to peanuts!", "Peanut allergy"], kind: ["fact", "health"] });
    const deleted = await t.db.prisma.memory.findMany({ where: { content: { in: ["allergic to peanuts!", "Peanut allergy"] } } });
    expect(deleted.every((m) => m.deletedAt !== null)).toBe(true);
  });
});

describe("clusters", () => {
  it("creates a cluster, adds and scores members, removes them, and lists clusters with members strongest first", async () => {
    const a = await create({ content: "cluster member a" });
    const b = await create({ content: "cluster member b" });
    const created = ok(
      await gql(`mutation($a: ID!) { createMemoryCluster(input: { name: "work", themes: ["career"], centroid: ${JSON.stringify(axis(0))}, model: "test-384", members: [{ memoryId: $a, score: 0.4 }] }) { id centroidDimensions memberCount } }`, {
        a: a.id,
      }),
    ).createMemoryCluster;
    expect(created).toMatchObject({ centroidDimensions: 384, memberCount: 1 });

    ok(await gql(`mutation($c: ID!, $a: ID!, $b: ID!) { addToCluster(clusterId: $c, members: [{ memoryId: $a, score: 0.2 }, { memoryId: $b, score: 0.9 }]) { id } }`, { c: created.id, a: a.id, b: b.id }));
    const listed = ok(await gql(`{ memoryClusters(theme: "career") { totalCount edges { node { name members { totalCount edges { node { score memory { content } } } } } } } }`)).memoryClusters;
    expect(listed.totalCount).toBe(1);
    expect(listed.edges[0].node.members.edges.map((e: any) => e.node)).toEqual([
      { score: 0.9, memory: { content: "cluster member b" } },
      { score: 0.2, memory: { content: "cluster member a" } },
    ]);
    const members = ok(await gql(`query($c: ID!) { memories(filter: { clusterId: $c }) { totalCount } }`, { c: created.id })).memories;
    expect(members.totalCount).toBe(2);

    const removed = ok(await gql(`mutation($c: ID!, $a: ID!) { removeFromCluster(clusterId: $c, memoryIds: [$a]) { memberCount } }`, { c: created.id, a: a.id })).removeFromCluster;
    expect(removed.memberCount).toBe(1);

    expect(errorCodes(await gql(`mutation { createMemoryCluster(input: { name: "work" }) { id } }`))).toEqual(["CONFLICT"]);
    expect(errorCodes(await gql(`mutation($c: ID!, $a: ID!) { addToCluster(clusterId: $c, members: [{ memoryId: $a }]) { id } }`, { c: created.id, a: a.id }, other))).toEqual(["NOT_FOUND"]);
    const mine = await create({ content: "other's memory" }, other);
    expect(errorCodes(await gql(`mutation($c: ID!, $m: ID!) { addToCluster(clusterId: $c, members: [{ memoryId: $m }]) { id } }`, { c: created.id, m: mine.id }))).toEqual(["NOT_FOUND"]);
  });
});
