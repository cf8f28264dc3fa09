// New messages are chunked and embedded in the background through the job queue in the database:
// the request only enqueues (in its own transaction), a worker embeds; the conversation shows how far
// it got, /metrics shows the backlog; failures are retried with backoff and set aside after the last
// attempt; chunks belong to the conversation's owner.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { embedderConfig } from "../src/config.ts";
import { MAX_CHUNK } from "../src/jobs/chunking.ts";
import { decodeId } from "../src/schema/ids.ts";
import type { Database } from "../src/db/database.ts";
import { freshDatabase } from "./support/database.ts";
import { startEmbeddingsServer, type EmbeddingsServer } from "./support/embeddings-server.ts";
import { ok, startTestServer, type TestServer } from "./support/server.ts";

const FAST = { THREADLINE_BACKGROUND_POLL_MS: "20", THREADLINE_BACKGROUND_RETRY_MS: "50", METRICS_PATH: "/metrics" };

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The statements of a request, without the idle worker's polls for due jobs that ran meanwhile. */
const ofRequest = (statements: string[]) => statements.filter((sql) => !/UPDATE background_jobs AS j/.test(sql));

const STATUS = `query($id: ID!) { node(id: $id) { ... on Conversation { embedding { status pending embedded failed } } } }`;

describe("background embedding of messages", () => {
  let t: TestServer;
  let alice: string;
  let bob: string;
  const as = (token: string) => (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });

  beforeAll(async () => {
    t = await startTestServer({ background: true, env: FAST });
    alice = await t.tokenFor("alice_bg");
    bob = await t.tokenFor("bob_bg");
  });
  afterAll(() => t?.close());

  const conversation = async (token: string, title: string) => ok(await as(token)(`mutation($t: String!) { createConversation(input: { title: $t }) { id } }`, { t: title })).createConversation.id as string;
  const append = async (token: string, id: string, contents: string[]) =>
    ok(await as(token)(`mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, {
      id,
      m: contents.map((content) => ({ role: "USER", content })),
    })).appendMessages;
  const status = async (token: string, id: string) => ok(await as(token)(STATUS, { id })).node?.embedding;

  it("embeds every new message into chunks of its own, owned by the conversation's owner, and says when it is done", async () => {
    const id = await conversation(alice, "long and short");
    const long = Array.from({ length: 60 }, (_, i) => `Step ${i}: the migration copies table ${i} and checks its row count.`).join(" ");
    // The request only enqueues: one job row, written in the append's own transaction.
    const { statements } = await t.countStatements(() => append(alice, id, ["short one", long, "!!!"]));
    expect(statements.filter((sql) => /INSERT INTO "public"."background_jobs"/.test(sql))).toHaveLength(1);
    expect(ofRequest(statements).length).toBeLessThan(20);

    const done = await until("embedding", () => status(alice, id), (s) => s.status === "EMBEDDED");
    // "!!!" has nothing to embed: it is done, with no chunk.
    expect(done).toEqual({ status: "EMBEDDED", pending: 0, embedded: 2, failed: 0 });
    const chunks = await t.db.prisma.$queryRaw<{ content: string; chunk_index: number; chunk_text: string; user_id: string; owner: string; model: string; dims: number }[]>`
      SELECT m.content, ch.chunk_index, ch.chunk_text, ch.user_id, c.user_id AS owner, ch.embedding_model AS model, vector_dims(ch.embedding) AS dims
        FROM conversation_chunks ch JOIN messages m ON m.id = ch.message_id JOIN conversations c ON c.id = ch.conversation_id
       WHERE ch.conversation_id = ${(await t.db.prisma.conversation.findFirstOrThrow({ where: { title: "long and short" } })).id}
       ORDER BY m.position, ch.chunk_index`;
    expect(chunks[0]).toMatchObject({ content: "short one", chunk_index: 0, chunk_text: "short one", model: "threadline-hashing-v1", dims: 512 });
    const longChunks = chunks.filter((c) => c.content === long);
    expect(longChunks.length).toBeGreaterThan(3);
    expect(longChunks.map((c) => c.chunk_index)).toEqual(longChunks.map((_, i) => i));
    expect(longChunks.every((c) => c.chunk_text.length <= MAX_CHUNK)).toBe(true);
    expect(longChunks.map((c) => c.chunk_text).join(" ")).toBe(long);
    expect(chunks.every((c) => c.user_id === c.owner)).toBe(true);
    expect(await t.db.prisma.backgroundJob.count()).toBe(0);
  });

  it("keeps the status to the owner: another user sees nothing of the conversation", async () => {
    const id = await conversation(alice, "private");
    await append(alice, id, ["my secret plan for the product launch"]);
    await until("embedding", () => status(alice, id), (s) => s.status === "EMBEDDED");
    expect(ok(await as(bob)(STATUS, { id })).node).toBeNull();
    const listed = ok(await as(bob)(`{ conversations(first: 50) { edges { node { embedding { embedded } } } } }`)).conversations.edges;
    expect(listed).toEqual([]);
  });

  it("shows the backlog on /metrics", async () => {
    const metrics = await (await fetch(t.url.replace(/\/graphql$/, "/metrics"))).text();
    expect(metrics).toMatch(/threadline_background_backlog\{kind="embed_messages",state="waiting"\} 0/);
    expect(metrics).toMatch(/threadline_background_jobs\{kind="embed_messages",state="failed"\} 0/);
  });

  it("answers the status of a page of conversations in one statement", async () => {
    const ids = [await conversation(alice, "page a"), await conversation(alice, "page b"), await conversation(alice, "page c")];
    const page = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Conversation { embedding { status } } } }`;
    const few = await t.countStatements(() => as(alice)(page, { ids: ids.slice(0, 1) }));
    const more = await t.countStatements(() => as(alice)(page, { ids }));
    expect(ofRequest(more.statements)).toHaveLength(ofRequest(few.statements).length);
  });
});

describe("idle workers woken by writes", () => {
  let t: TestServer;
  let token: string;
  beforeAll(async () => {
    // Two loops that look for work by themselves only every 10 minutes: a job that is embedded within
    // this test's timeout was picked up because its write woke them.
    t = await startTestServer({ background: true, env: { THREADLINE_BACKGROUND_POLL_MS: "600000", THREADLINE_BACKGROUND_CONCURRENCY: "2" } });
    token = await t.tokenFor("dana_bg");
  });
  afterAll(() => t?.close());

  it("embeds each write's messages at once, without waiting for the next poll", async () => {
    const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });
    // Let both loops finish their first (empty) look and go to sleep.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const title of ["first", "second", "third"]) {
      const id = ok(await gql(`mutation($t: String!) { createConversation(input: { title: $t }) { id } }`, { t: title })).createConversation.id;
      ok(await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "the deploy cache story" }]) { inserted } }`, { id }));
      await expect
        .poll(async () => ok(await gql(STATUS, { id })).node.embedding, { timeout: 30_000, interval: 100 })
        .toEqual({ status: "EMBEDDED", pending: 0, embedded: 1, failed: 0 });
    }
  }, 120_000);
});

describe("an embedder that fails", () => {
  let api: EmbeddingsServer;
  let t: TestServer;
  let token: string;
  const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });

  beforeAll(async () => {
    api = await startEmbeddingsServer({ dimensions: 384 });
    const embedder = createEmbedder(embedderConfig({ EMBEDDINGS_URL: api.url, EMBEDDINGS_MODEL: "all-minilm", EMBEDDINGS_RETRIES: "0" }));
    t = await startTestServer({ background: true, embedder, env: { ...FAST, THREADLINE_BACKGROUND_RETRY_MS: "200", THREADLINE_BACKGROUND_MAX_ATTEMPTS: "4" } });
    token = await t.tokenFor("carol_bg");
  });
  afterAll(async () => {
    await t?.close();
    await api?.close();
  });

  const start = async (content: string) => {
    const id = ok(await gql(`mutation { createConversation(input: { title: "flaky" }) { id } }`)).createConversation.id;
    ok(await gql(`mutation($id: ID!, $c: String!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: $c }]) { inserted } }`, { id, c: content }));
    return id as string;
  };
  const status = async (id: string) => ok(await gql(STATUS, { id })).node.embedding;

  it("retries with backoff while the endpoint answers 500, then succeeds", async () => {
    api.requests.length = 0;
    api.failAll({ status: 500, body: { error: { message: "model overloaded" } } });
    const id = await start("the endpoint is down for a moment");
    const job = await until("two failed attempts", () => t.db.prisma.backgroundJob.findFirst({ where: { conversationId: decodeId(id, "Conversation") } }), (j) => (j?.attempts ?? 0) >= 2);
    expect(job?.lastError).toMatch(/answered 500 Internal Server Error: model overloaded/);
    expect(await status(id)).toEqual({ status: "PENDING", pending: 1, embedded: 0, failed: 0 });
    api.failAll(undefined);
    expect(await until("embedding", () => status(id), (s) => s.status === "EMBEDDED")).toEqual({ status: "EMBEDDED", pending: 0, embedded: 1, failed: 0 });
    // Backoff: at least 75 % of 200 ms after the first failure, of 400 ms after the second.
    const [first, second, third] = api.requests.map((r) => r.at);
    expect(second - first).toBeGreaterThanOrEqual(150);
    expect(third - second).toBeGreaterThanOrEqual(300);
  });

  it("sets a job aside after its last attempt, and says so", async () => {
    api.failAll({ status: 503 });
    const id = await start("this one never gets through");
    const failed = await until("dead letter", () => status(id), (s) => s.status === "FAILED");
    expect(failed).toEqual({ status: "FAILED", pending: 0, embedded: 0, failed: 1 });
    const job = await t.db.prisma.backgroundJob.findFirstOrThrow({ where: { failedAt: { not: null } } });
    expect(job.attempts).toBe(4);
    const metrics = await (await fetch(t.url.replace(/\/graphql$/, "/metrics"))).text();
    expect(metrics).toMatch(/threadline_background_backlog\{kind="embed_messages",state="failed"\} 1/);
    api.failAll(undefined);
  });
});

describe("switching the server's embedder", () => {
  let api: EmbeddingsServer;
  let db: Database;
  let t: TestServer;
  let token: string;
  const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });

  beforeAll(async () => {
    api = await startEmbeddingsServer({ dimensions: 384 });
    db = await freshDatabase();
    t = await startTestServer({ db, background: true, env: FAST }); // hashing, as before the switch
    token = await t.tokenFor("dave_bg");
  });
  afterAll(async () => {
    await t?.close();
    await api?.close();
    await db?.close();
  });

  it("embeds the old model's rows again in the background, resumes after a stop, and leaves client vectors alone", async () => {
    const id = ok(await gql(`mutation { createConversation(input: { title: "switch" }) { id } }`)).createConversation.id;
    ok(await gql(`mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, {
      id,
      m: Array.from({ length: 70 }, (_, i) => ({ role: "USER", content: `message ${i} about the nightly backup` })),
    }));
    for (const content of ["Her cat is called Miso", "Works night shifts"]) ok(await gql(`mutation($c: String!) { createMemory(input: { content: $c }) { id } }`, { c: content }));
    const clientVector = Array.from({ length: 384 }, (_, i) => (i === 3 ? 1 : 0));
    ok(await gql(`mutation($v: [Float!]) { createMemory(input: { content: "kept as sent", embedding: $v, model: "client-model" }) { id } }`, { v: clientVector }));
    await until("messages embedded", () => t.db.prisma.backgroundJob.count(), (n) => n === 0);
    await t.close();

    // The same database, now with a hosted model (slow answers, so the job can be stopped midway).
    const embedder = createEmbedder(embedderConfig({ EMBEDDINGS_URL: api.url, EMBEDDINGS_MODEL: "all-minilm" }));
    api.failAll({ delayMs: 300 });
    const models = () =>
      t.db.prisma.$queryRaw<{ model: string; n: number }[]>`
        SELECT embedding_model AS model, count(*)::int AS n FROM (SELECT embedding_model FROM conversation_chunks UNION ALL SELECT embedding_model FROM memories) AS rows GROUP BY 1 ORDER BY 1`;
    const first = await startTestServer({ db: t.db, background: true, embedder, env: FAST });
    const job = await until("some rows moved", () => first.db.prisma.backgroundJob.findFirst({ where: { kind: "reembed" } }), (j) => (j?.payload as any)?.done >= 64);
    expect(job).toMatchObject({ kind: "reembed", payload: { from: ["threadline-hashing-v1"], to: "all-minilm" } });
    await first.close();
    const stopped = await first.db.prisma.backgroundJob.findFirstOrThrow({ where: { kind: "reembed" } });
    expect(stopped.items).toBeLessThan(72);
    expect(stopped.items).toBeGreaterThan(0);

    api.failAll(undefined);
    const second = await startTestServer({ db: t.db, background: true, embedder, env: FAST });
    try {
      await until("re-embedded", () => second.db.prisma.backgroundJob.count(), (n) => n === 0);
      expect(await models()).toEqual([
        { model: "all-minilm", n: 72 },
        { model: "client-model", n: 1 },
      ]);
      const hits = ok(await second.gql(`{ search(query: "cat Miso", kinds: [MEMORY], mode: VECTOR, limit: 1) { node { ... on Memory { content } } } }`, {}, { token })).search;
      expect(hits).toEqual([{ node: { content: "Her cat is called Miso" } }]);
    } finally {
      await second.close();
    }
  }, 180_000);
});
