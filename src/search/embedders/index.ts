// The configured text embedder. Vectors given by clients skip it; text (search queries, chunks and
// memories without an embedding) goes through it. Every stored vector carries its model's name, and
// vectors of different models are never compared.
import { createHashingEmbedder, type Embedder } from "./hashing.ts";
import { createUniversalSentenceEncoder } from "./use.ts";

export type { Embedder };

export const EMBEDDERS = {
  /** Instant and deterministic; similar only when texts share words. */
  hashing: () => createHashingEmbedder(512),
  /** The Universal Sentence Encoder: similar when texts mean the same. */
  use: () => createUniversalSentenceEncoder(),
} satisfies Record<string, () => Embedder>;

export type EmbedderName = keyof typeof EMBEDDERS;

export function createEmbedder(name: EmbedderName = "hashing"): Embedder {
  return EMBEDDERS[name]();
}

/** The embedder an environment variable names (unset: hashing); throws naming the choices. */
export function embedderNamed(raw: string | undefined, variable = "THREADLINE_EMBEDDER"): EmbedderName {
  const name = raw || "hashing";
  if (!(name in EMBEDDERS)) throw new Error(`${variable} must be one of ${Object.keys(EMBEDDERS).join(", ")}; got "${name}"`);
  return name as EmbedderName;
}
