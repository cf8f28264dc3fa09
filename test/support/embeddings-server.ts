// A real HTTP server that speaks OpenAI's embeddings API (POST /v1/embeddings), for the
// OpenAI-compatible embedder. Its vectors are the hashing embedder's (so texts that share words are
// near); a test can script the next answers (an error status, a bad body, a delay) one by one.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHashingEmbedder } from "../../src/search/embedders/hashing.ts";

export interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  /** A raw body instead of the normal answer (JSON-encoded unless a string). */
  body?: unknown;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer with vectors of this size instead of the configured one. */
  dimensions?: number;
  /** Return the items in reverse order (their `index` still says where each belongs). */
  reversed?: boolean;
}

export interface EmbeddingsRequest {
  at: number;
  authorization?: string;
  body: { model?: string; input?: string[]; dimensions?: number; encoding_format?: string };
}

export interface EmbeddingsServer {
  /** The API base, e.g. http://127.0.0.1:1234/v1 */
  url: string;
  requests: EmbeddingsRequest[];
  /** Answers for the next requests, in order; afterwards requests are answered normally. */
  script(...answers: Scripted[]): void;
  /** Every request fails with this answer until cleared with `failAll(undefined)`. */
  failAll(answer: Scripted | undefined): void;
  close(): Promise<void>;
}

export async function startEmbeddingsServer({ dimensions = 512, apiKey }: { dimensions?: number; apiKey?: string } = {}): Promise<EmbeddingsServer> {
  const requests: EmbeddingsRequest[] = [];
  const queue: Scripted[] = [];
  let always: Scripted | undefined;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json", ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/v1/embeddings") return send(404, { error: { message: `no route ${req.method} ${req.url}` } });
    let body: EmbeddingsRequest["body"];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return send(400, { error: { message: "body is not JSON", type: "invalid_request_error" } });
    }
    requests.push({ at: performance.now(), authorization: req.headers.authorization, body });
    const answer = always ?? queue.shift() ?? {};
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (apiKey && req.headers.authorization !== `Bearer ${apiKey}`) {
      return send(401, { error: { message: "Incorrect API key provided", type: "invalid_request_error" } });
    }
    if (answer.status || answer.body !== undefined) return send(answer.status ?? 200, answer.body ?? { error: { message: "scripted failure" } }, answer.headers);
    const input = Array.isArray(body.input) ? body.input : [body.input as unknown as string];
    if (input.some((text) => typeof text !== "string" || text === "")) {
      return send(400, { error: { message: "'input' must be non-empty strings", type: "invalid_request_error" } });
    }
    const size = answer.dimensions ?? body.dimensions ?? dimensions;
    const vectors = await createHashingEmbedder(size).embed(input);
    const data = vectors.map((embedding, index) => ({ object: "embedding", index, embedding }));
    if (answer.reversed) data.reverse();
    send(200, { object: "list", data, model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } }, answer.headers);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...answers) => void queue.push(...answers),
    failAll: (answer) => void (always = answer),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
