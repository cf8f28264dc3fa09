// The background embedder in a real server process, as `npm start` runs it: it catches up after a
// kill -9 in the middle of a backlog, and with the default settings (the Universal Sentence Encoder,
// no network) a paraphrase finds the message it means.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { throwawayDatabase } from "../src/db/throwaway.ts";
import type { Database } from "../src/db/database.ts";
import { startEmbeddingsServer, type EmbeddingsServer } from "./support/embeddings-server.ts";

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /Threadline ready: (http:\/\/\S+\/graphql)/.exec(output);
      if (ready) resolve({ child, url: ready[1], output: () => output, exited });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    exited.then((code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
    setTimeout(() => reject(new Error(`not ready after 90 s:\n${output}`)), 90_000).unref();
  });
}

async function gql(url: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Where the server keeps its data: a fresh PGlite folder, or a throwaway database on TEST_DATABASE_URL. */
async function storage(): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const database: Database = await throwawayDatabase(serverUrl, { prefix: "threadline_test" });
    const [{ name }] = await database.prisma.$queryRaw<{ name: string }[]>`SELECT current_database() AS name`;
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return { env: { DATABASE_URL: url.toString() }, close: () => database.close() };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-background-"));
  return { env: { THREADLINE_DATA_DIR: dataDir }, close: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

const PROGRESS = `{ conversations(first: 100) { edges { node { title embedding { status pending embedded failed } } } } }`;
const progressOf = async (url: string) => {
  const edges = (await gql(url, PROGRESS)).conversations.edges as { node: { embedding: { pending: number; embedded: number; failed: number } } }[];
  return edges.reduce(
    (sum, { node }) => ({
      pending: sum.pending + node.embedding.pending,
      embedded: sum.embedded + node.embedding.embedded,
      failed: sum.failed + node.embedding.failed,
    }),
    { pending: 0, embedded: 0, failed: 0 },
  );
};

describe("a server process killed in the middle of a backlog", () => {
  let api: EmbeddingsServer;
  let store: Awaited<ReturnType<typeof storage>>;
  const running: Started[] = [];
  beforeAll(async () => {
    api = await startEmbeddingsServer({ dimensions: 384 });
    store = await storage();
  });
  afterAll(async () => {
    for (const server of running) server.child.kill("SIGKILL");
    await api?.close();
    await store?.close();
  });

  it("catches up after kill -9 and a restart: every message embedded once, nothing left in the queue", async () => {
    const env = {
      ...store.env,
      EMBEDDINGS_URL: api.url,
      EMBEDDINGS_MODEL: "all-minilm",
      THREADLINE_BACKGROUND_POLL_MS: "50",
      THREADLINE_BACKGROUND_LEASE_MS: "2000",
      METRICS_PATH: "/metrics",
    };
    // Each embeddings request takes 300 ms: the backlog drains slowly enough to be cut in the middle.
    api.failAll({ delayMs: 300 });
    const first = await start(env);
    running.push(first);
    const CONVERSATIONS = 8;
    const PER = 40; // two slices (32 + 8) per job
    for (let c = 0; c < CONVERSATIONS; c++) {
      const { createConversation } = await gql(first.url, `mutation($t: String!) { createConversation(input: { title: $t }) { id } }`, { t: `backlog ${c}` });
      const messages = Array.from({ length: PER }, (_, i) => ({ role: "USER", content: `conversation ${c} message ${i}: the ${["cache", "deploy", "invoice", "kitten"][i % 4]} story` }));
      await gql(first.url, `mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, { id: createConversation.id, m: messages });
    }
    const total = CONVERSATIONS * PER;
    const before = await until("some progress", () => progressOf(first.url), (p) => p.embedded >= 2 * PER);
    expect(before.embedded).toBeLessThan(total);

    first.child.kill("SIGKILL");
    await first.exited;
    api.failAll({ delayMs: 20 });

    const second = await start(env);
    running.push(second);
    const after = await until("the backlog drained", () => progressOf(second.url), (p) => p.pending === 0);
    expect(after).toEqual({ pending: 0, embedded: total, failed: 0 });
    const metrics = await (await fetch(second.url.replace(/\/graphql$/, "/metrics"))).text();
    expect(metrics).toContain('threadline_background_backlog{kind="embed_messages",state="waiting"} 0');
    expect(metrics).toContain('threadline_background_backlog{kind="embed_messages",state="running"} 0');
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 300_000);
});

describe("a server with the default settings", () => {
  let store: Awaited<ReturnType<typeof storage>>;
  let server: Started | undefined;
  beforeAll(async () => {
    store = await storage();
  });
  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await store?.close();
  });

  it("finds a message by meaning: a paraphrase sharing no words finds the right sentence first", async () => {
    server = await start({ ...store.env, THREADLINE_BACKGROUND_POLL_MS: "100" });
    expect(server.output()).toMatch(/embedder: universal-sentence-encoder-lite-en \(512 dimensions\)/);
    const { createConversation } = await gql(server.url, `mutation { createConversation(input: { title: "five sentences" }) { id } }`);
    const sentences = [
      "My cat keeps knocking cups off the kitchen table every morning",
      "The quarterly tax return is due at the end of the month",
      "Our deployment pipeline failed because the build cache was corrupted",
      "We hiked up the mountain trail and camped near the lake",
      "The new espresso machine makes the office smell wonderful",
    ];
    await gql(server.url, `mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, {
      id: createConversation.id,
      m: sentences.map((content) => ({ role: "USER", content })),
    });
    await until("embedding", () => progressOf(server!.url), (p) => p.pending === 0 && p.embedded === 5, 180_000);

    for (const mode of ["VECTOR", "HYBRID"]) {
      const { search } = await gql(server.url, `query($mode: SearchMode!) { search(query: "my kitten pushes mugs off the counter", kinds: [MESSAGE], mode: $mode, limit: 3) { node { ... on Message { content } } } }`, { mode });
      expect({ mode, top: search[0]?.node.content }).toEqual({ mode, top: sentences[0] });
    }
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  }, 300_000);
});
