// The configured text embedder. Vectors given by clients skip it; text (search queries, chunks without
// an embedding) goes through it.
import { createHashingEmbedder, type Embedder } from "./hashing.ts";

export type { Embedder };

export function createEmbedder(): Embedder {
  return createHashingEmbedder(512);
}
