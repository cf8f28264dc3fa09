// THREADLINE_EMBEDDER=use (the default): the Universal Sentence Encoder, the real model from its npm
// package, in worker threads, on the real server. Texts that mean the same find each other without sharing words; moving stored
// vectors from one embedder to another re-embeds only that embedder's rows and can be run again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { batched } from "../src/search/embedders/batcher.ts";
import { reembed } from "../src/search/reembed.ts";
import { ok, startTestServer, type TestServer } from "./support/server.ts";

const use = createEmbedder("use");
const hashing = createEmbedder("hashing");
const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);

beforeAll(() => use.warm!(), 60_000);
afterAll(() => use.close?.());

describe("the Universal Sentence Encoder", () => {
  it("gives unit vectors of 512 dimensions, nearer for paraphrases than for unrelated text", async () => {
    const [password, login, weather, deploy, ship] = await use.embed([
      "How do I reset my password?",
      "I forgot my login credentials",
      "The weather is sunny today",
      "Deploy the service to production",
      "ship the app to prod",
    ]);
    expect(password).toHaveLength(512);
    expect(Math.hypot(...password)).toBeCloseTo(1, 4);
    expect(cosine(password, login)).toBeGreaterThan(cosine(password, weather) + 0.2);
    expect(cosine(deploy, ship)).toBeGreaterThan(cosine(deploy, weather) + 0.2);
  });

  it("embeds a long list in batches exactly as one at a time, and refuses empty text", async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `note ${i}: the build ${i % 2 ? "passed" : "failed"} on branch ${i}`);
    const together = await use.embed(texts);
    const alone = await use.embed([texts[37]]);
    alone[0].forEach((value, i) => expect(together[37][i]).toBeCloseTo(value, 4));
    await expect(use.embed(["fine", "  \n"])).rejects.toThrow(/empty text/);
  });

  it("runs off the event loop: timers keep firing while a batch is embedded", async () => {
    const texts = Array.from({ length: 48 }, (_, i) => `sentence ${i} about deployments, cats, invoices and the weather`);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await use.embed(texts);
    } finally {
      clearInterval(timer);
    }
    // On the main thread the model would hold the loop for the whole batch (no tick at all).
    expect(ticks).toBeGreaterThan(5);
  });

  it.runIf(process.platform === "linux")("runs below the server's priority, so requests get the CPU first on a busy machine", async () => {
    const fs = await import("node:fs");
    const nice = (tid: string) => Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[16]);
    const threads = fs.readdirSync("/proc/self/task");
    expect(nice(String(process.pid))).toBe(0); // the main thread, where requests run
    expect(threads.filter((tid) => nice(tid) === 10).length).toBeGreaterThanOrEqual(1); // the model's worker thread
  });

  it("gives concurrent callers each their own vectors, as if embedded alone", async () => {
    const texts = ["the invoice is overdue", "a kitten on the sofa", "deploy on Friday", "rain all week"];
    const alone: number[][] = [];
    for (const text of texts) alone.push((await use.embed([text]))[0]);
    const together = await Promise.all(texts.map((text) => use.embed([text])));
    together.forEach(([vector], i) => expect(cosine(vector, alone[i])).toBeCloseTo(1, 4));
  });
});

describe("batching embed calls", () => {
  const runner = () => {
    const batches: string[][] = [];
    const run = async (texts: string[]) => {
      batches.push(texts);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return texts.map((text) => [text.length]);
    };
    return { batches, run };
  };

  it("coalesces calls that arrive together, and splits a large call, keeping each caller's order", async () => {
    const { batches, run } = runner();
    const embed = batched(run, { maxBatch: 4, waitMs: 20, concurrency: 1 });
    const results = await Promise.all([embed(["a", "bb"]), embed(["ccc"]), embed(["dddd", "eeeee", "ffffff", "g"])]);
    expect(results).toEqual([[[1], [2]], [[3]], [[4], [5], [6], [1]]]);
    expect(batches).toEqual([["a", "bb", "ccc", "dddd"], ["eeeee", "ffffff", "g"]]);
  });

  it("fails every call of a failed batch, and no other", async () => {
    let calls = 0;
    const embed = batched(
      async (texts) => {
        if (calls++ === 0) throw new Error("model crashed");
        return texts.map(() => [0]);
      },
      { maxBatch: 2, waitMs: 10, concurrency: 1 },
    );
    const [first, second, third] = await Promise.allSettled([embed(["a"]), embed(["b"]), embed(["c"])]);
    expect(first).toMatchObject({ status: "rejected", reason: { message: "model crashed" } });
    expect(second).toMatchObject({ status: "rejected", reason: { message: "model crashed" } });
    expect(third).toEqual({ status: "fulfilled", value: [[0]] });
  });
});

describe("a server with THREADLINE_EMBEDDER=use", () => {
  let t: TestServer;
  let token: string;
  const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });
  const remember = async (content: string) =>
    ok(await gql(`mutation($c: String!) { createMemory(input: { content: $c }) { id embeddingModel embeddingDimensions } }`, { c: content })).createMemory;

  beforeAll(async () => {
    t = await startTestServer({ embedder: use });
    token = await t.tokenFor("user_semantic");
  });
  afterAll(() => t?.close());

  it("finds memories by meaning through search and similarMemories", async () => {
    const memories = [
      "Keeps a cat called Miso",
      "Deploys the billing service to Kubernetes every Friday",
      "Prefers a vegetarian diet, allergic to peanuts",
      "The user cannot sign in and wants their password reset",
    ];
    for (const content of memories) {
      expect(await remember(content)).toMatchObject({ embeddingModel: "universal-sentence-encoder-lite-en", embeddingDimensions: 512 });
    }
    // No query shares a word with its memory: only meaning connects them.
    const asked = {
      "forgot login credentials": memories[3],
      "what pet does he own": memories[0],
      "food restrictions": memories[2],
      "weekly release of payments app to production": memories[1],
    };
    for (const [query, expected] of Object.entries(asked)) {
      const hits = ok(await gql(`query($q: String!) { search(query: $q, kinds: [MEMORY], mode: VECTOR, limit: 4) { node { ... on Memory { content } } } }`, { q: query })).search;
      expect({ query, top: hits[0].node.content }).toEqual({ query, top: expected });
      const similar = ok(await gql(`query($q: String!) { similarMemories(text: $q, limit: 1) { memory { content } } }`, { q: query })).similarMemories;
      expect({ query, top: similar[0].memory.content }).toEqual({ query, top: expected });
    }
  });
});

describe("reembed: moving stored vectors to another embedder", () => {
  let t: TestServer;
  let token: string;
  const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });

  beforeAll(async () => {
    t = await startTestServer(); // the hashing embedder, as before a switch
    token = await t.tokenFor("user_switching");
  });
  afterAll(() => t?.close());

  it("re-embeds the old model's chunks and memories, leaves client vectors alone, and finds nothing left on a second run", async () => {
    const conversation = ok(await gql(`mutation { createConversation(input: { title: "switch" }) { id } }`)).createConversation.id;
    ok(await gql(`mutation($id: ID!) { upsertChunks(conversationId: $id, chunks: [{ chunkIndex: 0, chunkText: "The nightly backup job crashed" }, { chunkIndex: 1, chunkText: "Lunch is at noon" }]) { chunkIndex } }`, { id: conversation }));
    for (const content of ["Her cat is called Miso", "Works night shifts at the hospital"]) {
      ok(await gql(`mutation($c: String!) { createMemory(input: { content: $c }) { id } }`, { c: content }));
    }
    const clientVector = Array.from({ length: 384 }, (_, i) => (i === 3 ? 1 : 0));
    ok(await gql(`mutation($v: [Float!]) { createMemory(input: { content: "kept as sent", embedding: $v, model: "client-model" }) { id } }`, { v: clientVector }));

    const { prisma } = t.db;
    const lines: string[] = [];
    expect(await reembed(prisma, use, { from: hashing.model, dryRun: true })).toEqual({ chunks: 2, memories: 2 });
    expect(await prisma.memory.count({ where: { embeddingModel: use.model } })).toBe(0);

    expect(await reembed(prisma, use, { from: hashing.model, batchSize: 1, log: (line) => lines.push(line) })).toEqual({ chunks: 2, memories: 2 });
    expect(lines).toContain("memories: 2/2 embedded again with universal-sentence-encoder-lite-en");
    expect(await prisma.conversationChunk.count({ where: { embeddingModel: use.model, embeddingDimensions: 512 } })).toBe(2);
    expect(await prisma.memory.count({ where: { embeddingModel: use.model } })).toBe(2);
    const kept = await prisma.$queryRaw<{ model: string; vector: string }[]>`SELECT embedding_model AS model, embedding::text AS vector FROM memories WHERE content = 'kept as sent'`;
    expect(kept).toEqual([{ model: "client-model", vector: `[${clientVector.join(",")}]` }]);

    // The vectors really are the new model's: a server that searches with it finds the chunk by meaning.
    const semantic = await startTestServer({ db: t.db, embedder: use });
    try {
      const hits = ok(await semantic.gql(`{ search(query: "the backup failed overnight", kinds: [CHUNK], mode: VECTOR, limit: 1) { node { ... on ConversationChunk { chunkText } } } }`, {}, { token })).search;
      expect(hits).toEqual([{ node: { chunkText: "The nightly backup job crashed" } }]);
    } finally {
      await semantic.close();
    }
    expect(await reembed(prisma, use, { from: hashing.model })).toEqual({ chunks: 0, memories: 0 });
    await expect(reembed(prisma, use, { from: use.model })).rejects.toThrow(/configured embedder itself/);
  });
});
