// Responses on the wire: compressed when the client accepts it (and only then), GraphiQL's 9 MB page
// compressed and revalidated by ETag, event streams never held back by a compressor.
import http from "node:http";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptedEncoding } from "../src/server/compression.ts";
import { startTestServer, type TestServer } from "./support/server.ts";

/** A raw request (fetch would decompress for us and hide what was sent). */
function request(url: string, { method = "GET", headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const decode = (encoding: string | undefined, body: Buffer) =>
  encoding === "br" ? zlib.brotliDecompressSync(body) : encoding === "gzip" ? zlib.gunzipSync(body) : body;

describe("compression", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ auth: "local" });
  });
  afterAll(() => server?.close());

  it("sends GraphiQL compressed by the client's preference, the same page in each encoding, and a 304 for the ETag it has", async () => {
    const html = { accept: "text/html" };
    const plain = await request(server.url, { headers: html });
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toContain("<title>Threadline</title>");
    const etag = plain.headers.etag!;
    expect(etag).toMatch(/^"[\w-]{20,}"$/);
    expect(plain.headers["cache-control"]).toBe("no-cache");
    expect(plain.headers.vary).toMatch(/Accept-Encoding/i);

    for (const [accept, expected] of [
      ["gzip, deflate, br", "br"],
      ["gzip", "gzip"],
      ["br;q=0.5, gzip", "gzip"],
      ["br;q=0, gzip;q=0.8", "gzip"],
    ] as const) {
      const compressed = await request(server.url, { headers: { ...html, "accept-encoding": accept } });
      expect(compressed.headers["content-encoding"], accept).toBe(expected);
      expect(compressed.headers.etag).toBe(etag);
      expect(compressed.body.length).toBeLessThan(plain.body.length / 3);
      expect(decode(expected, compressed.body).equals(plain.body)).toBe(true);
    }

    const revalidated = await request(server.url, { headers: { ...html, "accept-encoding": "br", "if-none-match": etag } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.length).toBe(0);
    expect(revalidated.headers.etag).toBe(etag);
    const stale = await request(server.url, { headers: { ...html, "if-none-match": '"something-else"' } });
    expect(stale.status).toBe(200);
  }, 120_000); // compressing 9 MB twice, once per encoding

  it("compresses a GraphQL result when the client accepts it, and leaves it alone when not", async () => {
    const body = JSON.stringify({ query: "{ __schema { types { name description fields { name description } } } }" });
    const headers = { "content-type": "application/json", accept: "application/graphql-response+json" };
    const plain = await request(server.url, { method: "POST", headers, body });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    const typeNames = JSON.parse(plain.body.toString()).data.__schema.types.map((t: { name: string }) => t.name);
    expect(typeNames).toContain("Conversation");
    for (const encoding of ["gzip", "br"]) {
      const compressed = await request(server.url, { method: "POST", headers: { ...headers, "accept-encoding": encoding }, body });
      expect(compressed.headers["content-encoding"]).toBe(encoding);
      expect(compressed.body.length).toBeLessThan(plain.body.length / 3);
      expect(JSON.parse(decode(encoding, compressed.body).toString())).toEqual(JSON.parse(plain.body.toString()));
    }
  });

  it("sends Server-Sent Events uncompressed, each event as it happens", async () => {
    const { createConversation } = (await server.gql(`mutation { createConversation(input: { title: "live" }) { id } }`)).data;
    const controller = new AbortController();
    const events: string[] = [];
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const query = encodeURIComponent(`subscription { messageAdded(conversationId: "${createConversation.id}") { content } }`);
      http
        .get(`${server.url}?query=${query}`, { headers: { accept: "text/event-stream", "accept-encoding": "gzip, br" }, signal: controller.signal }, resolve)
        .on("error", (error) => (error.name === "AbortError" ? undefined : reject(error)));
    });
    expect(response.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(["none", undefined]).toContain(response.headers["content-encoding"]);
    const arrived = new Promise<void>((resolve) =>
      response.on("data", (chunk: Buffer) => {
        events.push(...[...chunk.toString().matchAll(/^data: (.+)$/gm)].map(([, data]) => data));
        if (events.length > 0) resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "hello" }]) { inserted } }`, {
      id: createConversation.id,
    });
    await arrived;
    controller.abort();
    expect(JSON.parse(events[0])).toEqual({ data: { messageAdded: { content: "hello" } } });
  });

  it("reads Accept-Encoding as the HTTP spec says: quality values, refusals and the wildcard", () => {
    expect(acceptedEncoding("gzip, deflate, br")).toBe("br");
    expect(acceptedEncoding("gzip;q=1.0, br;q=0.9")).toBe("gzip");
    expect(acceptedEncoding("br;q=0, gzip")).toBe("gzip");
    expect(acceptedEncoding("*")).toBe("br");
    expect(acceptedEncoding("*;q=0.5, gzip")).toBe("gzip");
    expect(acceptedEncoding("identity")).toBeUndefined();
    expect(acceptedEncoding("gzip;q=0, br;q=0")).toBeUndefined();
    expect(acceptedEncoding(null)).toBeUndefined();
  });
});
