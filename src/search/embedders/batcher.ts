// Coalesces embed() calls into batches: texts wait up to `waitMs` (or until `maxBatch` are queued)
// and go together to `run`, at most `concurrency` batches at a time. While every runner is busy the
// queue keeps growing, so batches get larger exactly when the load is high. Each caller gets back
// its own vectors, in order; a call larger than `maxBatch` is split over several batches.

export interface BatchOptions {
  maxBatch: number;
  waitMs: number;
  concurrency: number;
}

interface Call {
  texts: readonly string[];
  vectors: number[][];
  left: number;
  resolve(vectors: number[][]): void;
  reject(error: Error): void;
  failed?: boolean;
}

interface Piece {
  call: Call;
  start: number;
  end: number;
}

export type BatchRunner = (texts: string[]) => Promise<number[][]>;

export function batched(run: BatchRunner, { maxBatch, waitMs, concurrency }: BatchOptions) {
  const queue: Piece[] = [];
  let queued = 0;
  let oldest = 0;
  let active = 0;
  let timer: NodeJS.Timeout | undefined;

  function take(): Piece[] {
    const batch: Piece[] = [];
    let size = 0;
    while (queue.length && size < maxBatch) {
      const piece = queue[0];
      if (piece.call.failed) {
        queue.shift();
        queued -= piece.end - piece.start;
        continue;
      }
      const room = maxBatch - size;
      if (piece.end - piece.start <= room) {
        batch.push(queue.shift()!);
        size += piece.end - piece.start;
      } else {
        batch.push({ call: piece.call, start: piece.start, end: piece.start + room });
        piece.start += room;
        size += room;
      }
    }
    queued -= size;
    oldest = performance.now();
    return batch;
  }

  function pump() {
    while (active < concurrency && queued > 0) {
      if (queue[0].call.failed) {
        queued -= queue[0].end - queue[0].start; // what is left of a call that already failed
        queue.shift();
        continue;
      }
      const waited = performance.now() - oldest;
      if (queued < maxBatch && waited < waitMs) {
        timer ??= setTimeout(() => {
          timer = undefined;
          pump();
        }, Math.ceil(waitMs - waited));
        return;
      }
      const batch = take();
      if (batch.length === 0) continue;
      active++;
      const texts = batch.flatMap((piece) => piece.call.texts.slice(piece.start, piece.end));
      run(texts)
        .then((vectors) => {
          if (vectors.length !== texts.length) throw new Error(`the embedder returned ${vectors.length} vectors for ${texts.length} texts`);
          let at = 0;
          for (const { call, start, end } of batch) {
            for (let i = start; i < end; i++) call.vectors[i] = vectors[at++];
            call.left -= end - start;
            if (call.left === 0 && !call.failed) call.resolve(call.vectors);
          }
        })
        .catch((error: Error) => {
          for (const { call } of batch) {
            if (call.failed) continue;
            call.failed = true;
            call.reject(error);
          }
        })
        .finally(() => {
          active--;
          pump();
        });
    }
  }

  return (texts: readonly string[]): Promise<number[][]> => {
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const call: Call = { texts, vectors: new Array(texts.length), left: texts.length, resolve, reject };
      if (queued === 0) oldest = performance.now();
      queue.push({ call, start: 0, end: texts.length });
      queued += texts.length;
      pump();
    });
  };
}
