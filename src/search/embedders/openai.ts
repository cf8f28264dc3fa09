// Any server that speaks OpenAI's embeddings API (POST <base>/embeddings): OpenAI itself, Azure-style
// gateways, Ollama, vLLM, text-embeddings-inference, LocalAI. Texts go in batches of `maxBatch`;
// each request has a timeout; 429 and 5xx answers, timeouts and network errors are retried with
// exponential backoff and jitter, honouring Retry-After; anything else fails at once with an error
// that names the endpoint, the status and the server's own message. Written on fetch rather than
// the `openai` package: this is one endpoint, and the package's retry policy could not be tested
// against our own server's timing without reaching into it.
import type { Embedder } from "./hashing.ts";

export interface OpenAIEmbedderOptions {
  /** The API base (`https://api.openai.com/v1`) or the full `/embeddings` URL. */
  url: string;
  model: string;
  apiKey?: string;
  /** The vectors' size; every answer is checked against it. */
  dimensions: number;
  /** Send `dimensions` in the request (OpenAI's text-embedding-3 models can shorten their vectors). */
  requestDimensions?: boolean;
  maxBatch?: number;
  timeoutMs?: number;
  /** Attempts after the first, for answers worth retrying. */
  retries?: number;
  /** First backoff; doubles with each attempt (with jitter), capped at `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** The embeddings server refused or failed; `retryable` says whether trying later could help. */
export class EmbeddingServiceError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "EmbeddingServiceError";
  }
}

const HAS_CONTENT = /\S/u;
/** A Retry-After longer than this is not waited out inside one call (the job queue retries later). */
const MAX_RETRY_AFTER_MS = 60_000;

export function embeddingsUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, "");
  return trimmed.endsWith("/embeddings") ? trimmed : `${trimmed}/embeddings`;
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body);
    const message = parsed?.error?.message ?? parsed?.error ?? parsed?.message ?? parsed?.detail;
    if (typeof message === "string") return message;
  } catch {
    // not JSON: the text itself, shortened
  }
  return body.slice(0, 200);
}

export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const { model, apiKey, dimensions, requestDimensions = false, maxBatch = 128, timeoutMs = 30_000, retries = 5, backoffMs = 500, maxBackoffMs = 30_000 } = options;
  const endpoint = embeddingsUrl(options.url);
  const where = `embeddings endpoint ${endpoint}`;

  async function request(texts: string[]): Promise<number[][]> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model, input: texts, encoding_format: "float", ...(requestDimensions ? { dimensions } : {}) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === "TimeoutError";
      const reason = timedOut ? `did not answer within ${timeoutMs} ms` : `could not be reached (${(error as Error).cause ?? (error as Error).message})`;
      throw new EmbeddingServiceError(`${where} ${reason}`, true);
    }
    let body: string;
    try {
      body = await response.text();
    } catch (error) {
      const timedOut = (error as Error).name === "TimeoutError";
      throw new EmbeddingServiceError(`${where} ${timedOut ? `did not finish its answer within ${timeoutMs} ms` : `broke off its answer`}`, true);
    }
    if (!response.ok) {
      const retryable = response.status === 429 || response.status === 408 || response.status >= 500;
      throw new EmbeddingServiceError(
        `${where} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}: ${serverMessage(body)}`,
        retryable,
        response.status,
        retryAfterMs(response.headers.get("retry-after")),
      );
    }
    let data: unknown;
    try {
      data = JSON.parse(body).data;
    } catch {
      throw new EmbeddingServiceError(`${where} answered 200 with something other than JSON: ${body.slice(0, 100)}`, false, 200);
    }
    if (!Array.isArray(data) || data.length !== texts.length) {
      throw new EmbeddingServiceError(
        `${where} answered without an embedding for each text (${Array.isArray(data) ? `${data.length} for ${texts.length}` : "no data list"})`,
        false,
        200,
      );
    }
    const vectors = new Array<number[]>(texts.length);
    for (const [position, item] of data.entries()) {
      const index = Number.isInteger(item?.index) ? item.index : position;
      const vector = item?.embedding;
      if (!Array.isArray(vector) || !vector.every((value) => typeof value === "number" && Number.isFinite(value))) {
        throw new EmbeddingServiceError(`${where} answered with an embedding that is not a list of finite numbers (item ${position})`, false, 200);
      }
      if (vector.length !== dimensions) {
        throw new EmbeddingServiceError(
          `${where} answered with ${vector.length}-dimensional vectors from ${model}; EMBEDDINGS_DIMENSIONS is ${dimensions}`,
          false,
          200,
        );
      }
      if (index < 0 || index >= texts.length || vectors[index]) {
        throw new EmbeddingServiceError(`${where} answered with embedding indexes that do not match the texts`, false, 200);
      }
      vectors[index] = vector;
    }
    return vectors;
  }

  async function withRetries(texts: string[]): Promise<number[][]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(texts);
      } catch (error) {
        if (!(error instanceof EmbeddingServiceError) || !error.retryable || attempt >= retries) {
          if (error instanceof EmbeddingServiceError && error.retryable) error.message += ` (gave up after ${attempt + 1} attempts)`;
          throw error;
        }
        const backoff = Math.min(maxBackoffMs, backoffMs * 2 ** attempt);
        // Full jitter (half to all of the backoff), unless the server said when to come back.
        const wait = error.retryAfterMs !== undefined ? Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS) : backoff / 2 + Math.random() * (backoff / 2);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  return {
    model,
    dimensions,
    async embed(texts) {
      if (texts.some((text) => !HAS_CONTENT.test(text))) throw new Error("cannot embed empty text");
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += maxBatch) vectors.push(...(await withRetries(texts.slice(start, start + maxBatch))));
      return vectors;
    },
  };
}
