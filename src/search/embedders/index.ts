// The configured text embedder. Vectors given by clients skip it; text (search queries, messages,
// chunks and memories without an embedding) goes through it. Every stored vector carries its
// model's name, and vectors of different models are never compared.
import { createHashingEmbedder, type Embedder } from "./hashing.ts";
import { createUniversalSentenceEncoder, type UseOptions } from "./use.ts";
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from "./openai.ts";

export type { Embedder };

export const EMBEDDER_NAMES = ["use", "hashing", "openai"] as const;
export type EmbedderName = (typeof EMBEDDER_NAMES)[number];

export type EmbedderConfig =
  /** Instant and deterministic; similar only when texts share words. For tests and demos. */
  | { name: "hashing" }
  /** The Universal Sentence Encoder in worker threads: similar when texts mean the same. Offline. */
  | ({ name: "use" } & UseOptions)
  /** An OpenAI-compatible embeddings endpoint (OpenAI, Ollama, vLLM, text-embeddings-inference). */
  | ({ name: "openai" } & OpenAIEmbedderOptions);

export function createEmbedder(choice: Exclude<EmbedderName, "openai"> | EmbedderConfig = "use"): Embedder {
  const config = typeof choice === "string" ? ({ name: choice } as EmbedderConfig) : choice;
  switch (config.name) {
    case "hashing":
      return createHashingEmbedder(512);
    case "use":
      return createUniversalSentenceEncoder(config);
    case "openai":
      return createOpenAIEmbedder(config);
  }
}

/** Vector sizes of well-known models, so EMBEDDINGS_DIMENSIONS can be left out for them. */
export const KNOWN_DIMENSIONS: Record<string, number> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
  "nomic-embed-text": 768,
  "mxbai-embed-large": 1024,
  "all-minilm": 384,
};
