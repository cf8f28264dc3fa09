// Starting the embedded database (PGlite in its thread, pglite-thread.ts) for a data folder: the
// folder's lock, the install's template for a new folder, and the early start `npm start` uses.
//
// The early start: src/start-early.ts, the first module the server evaluates, calls
// `startEmbeddedEarly` before the rest of the server's code loads (~0.5 s of the main thread), so
// the database boots on the second core meanwhile. `openDatabase` then takes that start over when
// it asks for the same folder. Light on purpose: no Prisma, no GraphQL.
import fs from "node:fs";
import path from "node:path";
import { PgliteThread } from "./pglite-thread.ts";
import { pgliteTemplateFile } from "../../scripts/pglite-template.mjs";
import { lockDataDir } from "./lock.ts";

/** Where the embedded database's data folder is unless THREADLINE_DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = "./.threadline";

export interface EmbeddedStart {
  thread: PgliteThread;
  /** Gives the folder back (after the thread is closed). */
  unlock: () => void;
}

/** Takes the folder and starts the database there; it boots in its thread (await `thread.ready`). */
async function start(dataDir: string, loadDataDir: Blob | File | undefined, log: (line: string) => void): Promise<EmbeddedStart> {
  const memory = dataDir.startsWith("memory://");
  const unlock = memory ? () => {} : lockDataDir(dataDir);
  try {
    if (!memory) {
      const folder = path.resolve(dataDir);
      // A new folder starts from the cluster `npm install` made (scripts/pglite-template.mjs) instead of
      // running initdb, most of a first start.
      const template = pgliteTemplateFile();
      if (!loadDataDir && template && !fs.existsSync(path.join(folder, "PG_VERSION")) && fs.existsSync(template)) {
        loadDataDir = new Blob([fs.readFileSync(template)]);
        log(`new data folder ${folder}: unpacking the cluster made at install (${path.basename(template)}) instead of running initdb`);
      }
    }
    return { thread: await PgliteThread.start({ dataDir, loadDataDir }), unlock };
  } catch (error) {
    unlock();
    throw error;
  }
}

let early: { folder: string; lines: string[]; started: Promise<EmbeddedStart> } | undefined;

/** Starts the database for this folder now; `startEmbedded` for the same folder takes it over. */
export function startEmbeddedEarly(dataDir: string): void {
  const lines: string[] = [];
  const started = start(dataDir, undefined, (line) => lines.push(line));
  started.catch(() => {}); // reported by the startEmbedded that takes it over
  early = { folder: path.resolve(dataDir), lines, started };
}

/** The database for this folder: the early start when it was for this folder, else a new one. */
export async function startEmbedded(dataDir: string, loadDataDir?: Blob | File, log: (line: string) => void = () => {}): Promise<EmbeddedStart> {
  const taken = early;
  early = undefined;
  if (taken && !loadDataDir && !dataDir.startsWith("memory://") && taken.folder === path.resolve(dataDir)) {
    taken.lines.forEach(log);
    return taken.started;
  }
  if (taken) await abandon(taken.started);
  return start(dataDir, loadDataDir, log);
}

/** Stops an early start nobody took over (another folder, or the server stopping before it opened one). */
export async function abandonEarlyStart(): Promise<void> {
  const taken = early;
  early = undefined;
  if (taken) await abandon(taken.started);
}

async function abandon(started: Promise<EmbeddedStart>) {
  const start = await started.catch(() => undefined);
  if (start) await stopEmbedded(start);
}

/** Closes the database (its thread ends) and then gives the folder back. */
export async function stopEmbedded({ thread, unlock }: EmbeddedStart): Promise<void> {
  await thread.close();
  unlock();
}
