// The OpenAI-compatible embedder against a real local HTTP server that speaks POST /v1/embeddings:
// batches, retries with backoff (429 with Retry-After, 5xx, timeouts), clear errors for answers that
// cannot be used, configuration from EMBEDDINGS_*, and a server that embeds through it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, embedderConfig, loadConfig } from "../src/config.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { createOpenAIEmbedder, retryAfterMs, type OpenAIEmbedderOptions } from "../src/search/embedders/openai.ts";
import { createHashingEmbedder } from "../src/search/embedders/hashing.ts";
import { startEmbeddingsServer, type EmbeddingsServer } from "./support/embeddings-server.ts";
import { ok, startTestServer } from "./support/server.ts";

let api: EmbeddingsServer;
beforeAll(async () => {
  api = await startEmbeddingsServer({ dimensions: 384, apiKey: "sk-test" });
});
afterAll(() => api?.close());

const client = (options: Partial<OpenAIEmbedderOptions> = {}) =>
  createOpenAIEmbedder({ url: api.url, model: "nomic-embed-text", apiKey: "sk-test", dimensions: 384, backoffMs: 20, maxBackoffMs: 200, ...options });
const fresh = () => {
  api.requests.length = 0;
  api.failAll(undefined);
};

describe("the OpenAI-compatible embedder", () => {
  it("sends the model and key, batches long lists, and keeps each vector with its text", async () => {
    fresh();
    const texts = Array.from({ length: 7 }, (_, i) => `text number ${i} about ${["cats", "deploys", "invoices"][i % 3]}`);
    api.script({}, { reversed: true });
    const vectors = await client({ maxBatch: 3 }).embed(texts);
    expect(api.requests.map((r) => r.body.input)).toEqual([texts.slice(0, 3), texts.slice(3, 6), texts.slice(6)]);
    expect(api.requests.every((r) => r.authorization === "Bearer sk-test" && r.body.model === "nomic-embed-text")).toBe(true);
    expect(api.requests[0].body).not.toHaveProperty("dimensions");
    // The second answer came reversed: its `index` fields put the vectors back in order.
    expect(vectors).toEqual(await createHashingEmbedder(384).embed(texts));
  });

  it("asks for shortened vectors when dimensions are requested", async () => {
    fresh();
    const [vector] = await client({ model: "text-embedding-3-small", dimensions: 512, requestDimensions: true }).embed(["short"]);
    expect(api.requests[0].body.dimensions).toBe(512);
    expect(vector).toHaveLength(512);
  });

  it("waits as long as a 429's Retry-After says, then succeeds", async () => {
    fresh();
    api.script({ status: 429, headers: { "retry-after": "1" }, body: { error: { message: "Rate limit reached" } } });
    const [vector] = await client().embed(["rate limited once"]);
    expect(vector).toHaveLength(384);
    expect(api.requests).toHaveLength(2);
    expect(api.requests[1].at - api.requests[0].at).toBeGreaterThanOrEqual(950);
  });

  it("retries 5xx answers and timeouts with backoff, then succeeds", async () => {
    fresh();
    api.script({ status: 500 }, { status: 503, body: "upstream down" }, { delayMs: 600 });
    const vectors = await client({ timeoutMs: 300 }).embed(["flaky", "server"]);
    expect(vectors).toHaveLength(2);
    expect(api.requests).toHaveLength(4);
  });

  it("gives up after its retries with the last reason", async () => {
    fresh();
    api.failAll({ status: 502, body: { error: { message: "bad gateway" } } });
    await expect(client({ retries: 2 }).embed(["never"])).rejects.toThrow(
      `embeddings endpoint ${api.url}/embeddings answered 502 Bad Gateway: bad gateway (gave up after 3 attempts)`,
    );
    expect(api.requests).toHaveLength(3);
    fresh();
    api.failAll({ delayMs: 400 });
    await expect(client({ retries: 1, timeoutMs: 100 }).embed(["slow"])).rejects.toThrow(/did not answer within 100 ms \(gave up after 2 attempts\)/);
    api.failAll(undefined);
  });

  it("fails at once, naming the problem, on answers that retrying cannot fix", async () => {
    const cases: [Parameters<EmbeddingsServer["script"]>[0], RegExp][] = [
      [{ status: 400, body: { error: { message: "input too long for model" } } }, /answered 400 Bad Request: input too long for model$/],
      [{ dimensions: 768 }, /answered with 768-dimensional vectors from nomic-embed-text; EMBEDDINGS_DIMENSIONS is 384/],
      [{ status: 200, body: "<html>proxy login</html>" }, /answered 200 with something other than JSON/],
      [{ status: 200, body: { object: "list", data: [] } }, /without an embedding for each text \(0 for 1\)/],
      [{ status: 200, body: { data: [{ index: 0, embedding: ["x"] }] } }, /not a list of finite numbers/],
    ];
    for (const [answer, message] of cases) {
      fresh();
      api.script(answer);
      await expect(client().embed(["one text"])).rejects.toThrow(message);
      expect(api.requests).toHaveLength(1);
    }
    fresh();
    await expect(client({ apiKey: "sk-wrong" }).embed(["x"])).rejects.toThrow(/answered 401 Unauthorized: Incorrect API key provided/);
    await expect(client().embed(["fine", " "])).rejects.toThrow(/empty text/);
    const closed = await startEmbeddingsServer();
    const gone = closed.url;
    await closed.close();
    await expect(client({ url: gone, retries: 1 }).embed(["x"])).rejects.toThrow(/could not be reached .*\(gave up after 2 attempts\)/);
  });

  it("reads Retry-After as seconds or as a date", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe("configuring the embedder", () => {
  it("defaults to the Universal Sentence Encoder, or to the endpoint when EMBEDDINGS_URL is set", () => {
    expect(embedderConfig({})).toMatchObject({ name: "use", workers: 1 });
    expect(embedderConfig({ THREADLINE_EMBEDDER: "hashing" })).toEqual({ name: "hashing" });
    expect(embedderConfig({ EMBEDDINGS_URL: "https://api.openai.com/v1", EMBEDDINGS_MODEL: "text-embedding-3-small", EMBEDDINGS_API_KEY: "sk-1" })).toMatchObject({
      name: "openai",
      model: "text-embedding-3-small",
      dimensions: 1536,
      requestDimensions: false,
      apiKey: "sk-1",
    });
    expect(embedderConfig({ EMBEDDINGS_URL: "http://127.0.0.1:8080/v1", EMBEDDINGS_MODEL: "bge-m3", EMBEDDINGS_DIMENSIONS: "1024" })).toMatchObject({ dimensions: 1024, requestDimensions: true });
  });

  it("refuses settings it cannot work with, saying which", () => {
    const refused: [Record<string, string>, RegExp][] = [
      [{ THREADLINE_EMBEDDER: "bert" }, /THREADLINE_EMBEDDER must be one of use, hashing, openai; got "bert"/],
      [{ THREADLINE_EMBEDDER: "openai" }, /needs EMBEDDINGS_URL/],
      [{ EMBEDDINGS_URL: "ftp://x" }, /EMBEDDINGS_URL must be an http/],
      [{ EMBEDDINGS_URL: "http://x/v1" }, /needs EMBEDDINGS_MODEL/],
      [{ EMBEDDINGS_URL: "http://x/v1", EMBEDDINGS_MODEL: "my-model" }, /EMBEDDINGS_DIMENSIONS is needed/],
      [{ EMBEDDINGS_URL: "http://x/v1", EMBEDDINGS_MODEL: "text-embedding-3-large" }, /pgvector indexes at most 2000/],
      [{ EMBEDDINGS_URL: "http://x/v1", EMBEDDINGS_MODEL: "m", EMBEDDINGS_DIMENSIONS: "4096" }, /EMBEDDINGS_DIMENSIONS must be a whole number from 1 to 2000/],
      [{ THREADLINE_EMBEDDER_WORKERS: "0" }, /THREADLINE_EMBEDDER_WORKERS must be a whole number from 1/],
    ];
    for (const [env, message] of refused) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    }
  });
});

describe("a server embedding through the endpoint", () => {
  it("stores and searches memories with the endpoint's model", async () => {
    fresh();
    const config = embedderConfig({ EMBEDDINGS_URL: api.url, EMBEDDINGS_MODEL: "nomic-embed-text", EMBEDDINGS_API_KEY: "sk-test", EMBEDDINGS_DIMENSIONS: "768" });
    const t = await startTestServer({ embedder: createEmbedder(config) });
    try {
      const token = await t.tokenFor("user_hosted");
      const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });
      for (const content of ["The billing service deploys on Fridays", "Her cat is called Miso"]) {
        expect(ok(await gql(`mutation($c: String!) { createMemory(input: { content: $c }) { embeddingModel embeddingDimensions } }`, { c: content })).createMemory).toEqual({
          embeddingModel: "nomic-embed-text",
          embeddingDimensions: 768,
        });
      }
      const hits = ok(await gql(`{ search(query: "cat Miso", kinds: [MEMORY], mode: VECTOR, limit: 1) { node { ... on Memory { content } } } }`)).search;
      expect(hits).toEqual([{ node: { content: "Her cat is called Miso" } }]);
      expect(api.requests.map((r) => r.body.input)).toEqual([["The billing service deploys on Fridays"], ["Her cat is called Miso"], ["cat Miso"]]);
    } finally {
      await t.close();
    }
  }, 120_000);
});
