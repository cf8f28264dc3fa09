// A deterministic, dependency-free embedder (the "hashing trick"): words and word bigrams are hashed
// into a fixed number of signed buckets. No semantics beyond shared words, but texts that share
// vocabulary land close together, which is enough for offline use, demos and tests.

export interface Embedder {
  /** Stored beside every vector: vectors of different models are never compared. */
  model: string;
  dimensions: number;
  embed(texts: string[]): Promise<number[][]>;
  /** Loads what the first embed() would (a model), so the first request does not wait for it. */
  warm?(): Promise<void>;
  /** Stops what the embedder started (worker threads, connections); embed() fails afterwards. */
  close?(): Promise<void>;
}

const WORD = /[\p{L}\p{N}]+/gu;
const utf8 = new TextEncoder();

/** FNV-1a, 32 bits, over the UTF-8 bytes. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Each word, and each pair of neighbouring words (bigrams carry a little word order). */
function features(text: string): string[] {
  const words = text.normalize("NFKC").toLowerCase().match(WORD) ?? [];
  const bigrams = words.slice(1).map((word, i) => `${words[i]} ${word}`);
  return [...words, ...bigrams];
}

function embedOne(text: string, dimensions: number): number[] {
  const counts = new Map<string, number>();
  for (const feature of features(text)) counts.set(feature, (counts.get(feature) ?? 0) + 1);
  if (counts.size === 0) throw new Error("cannot embed empty text");

  const vector = new Array<number>(dimensions).fill(0);
  for (const [feature, count] of counts) {
    const hash = fnv1a(feature);
    // The top bit picks the sign, the other 31 the bucket: collisions cancel out on average.
    const sign = hash >>> 31 ? -1 : 1;
    vector[(hash & 0x7fffffff) % dimensions] += sign * (1 + Math.log(count));
  }

  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  if (norm === 0) throw new Error("cannot embed text: its hashed features cancel out");
  return vector.map((value) => value / norm);
}

export function createHashingEmbedder(dimensions = 512): Embedder {
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new RangeError(`dimensions must be a positive whole number, got ${dimensions}`);
  }
  return {
    model: "threadline-hashing-v1",
    dimensions,
    async embed(texts) {
      return texts.map((text) => embedOne(text, dimensions));
    },
  };
}
