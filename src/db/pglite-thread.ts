// The embedded database runs in a worker thread (pglite-worker.js); this is the server's side of it.
//
// Why a thread: PGlite is PostgreSQL compiled to WebAssembly, and every statement runs on the thread
// that calls it. In the server's own thread, a slow statement stalled every other request, /health
// included, and a start spent ~0.65 s booting the database on the same thread that then loads the
// rest of the server. In a thread of its own the database boots while the server's code loads, and
// statements run on the second core while requests are parsed, checked and answered on the first.
//
// Prisma sees a driver adapter (`PgliteThreadAdapterFactory`) whose calls are messages to the
// thread, where pglite-prisma-adapter runs unchanged: same SQL, same type conversions, same errors.
import { Worker } from "node:worker_threads";
import { DriverAdapterError } from "@prisma/driver-adapter-utils";
import type { IsolationLevel, SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, SqlResultSet, Transaction, TransactionOptions } from "@prisma/driver-adapter-utils";
import { workerScript } from "../worker-script.ts";

const SCRIPT = workerScript("pglite-worker.js", import.meta.url);

interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  cause?: unknown;
}

type Pending = { resolve: (value: any) => void; reject: (error: Error) => void };

function revive(error: SerializedError): Error {
  if (error.name === "DriverAdapterError" && error.cause) return new DriverAdapterError(error.cause as ConstructorParameters<typeof DriverAdapterError>[0]);
  const revived = new Error(error.message);
  revived.name = error.name;
  if (error.stack) revived.stack = error.stack;
  return revived;
}

export interface PgliteThreadOptions {
  dataDir: string;
  /** A data-folder dump to start from (the install's template, or a test's snapshot). */
  loadDataDir?: Blob | File;
}

/** The database thread: start it, call it, close it. */
export class PgliteThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private lastId = 0;
  private failure: Error | undefined;
  /** Settles once the database has booted (or failed to). */
  readonly ready: Promise<void>;

  private constructor(worker: Worker) {
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      const onBoot = (message: { ready?: boolean; error?: SerializedError }) => {
        if (message.ready === undefined) return;
        worker.off("message", onBoot);
        if (message.ready) resolve();
        else reject(revive(message.error!));
      };
      worker.on("message", onBoot);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the embedded database's thread stopped (exit code ${code}) before it was ready`)));
    });
    this.ready.catch(() => {}); // the caller awaits it; this keeps an early failure from being "unhandled"
    worker.on("message", (message: { id?: number; value?: unknown; error?: SerializedError }) => {
      if (message.id === undefined) return;
      const call = this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id);
      if (message.error) call.reject(revive(message.error));
      else call.resolve(message.value);
    });
    const stop = (error: Error) => {
      this.failure = error;
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    };
    worker.on("error", (error) => stop(error));
    worker.on("exit", (code) => stop(new Error(`the embedded database's thread stopped (exit code ${code})`)));
  }

  /** Starts the thread; the database boots there while this thread goes on (await `ready`). */
  static async start({ dataDir, loadDataDir }: PgliteThreadOptions): Promise<PgliteThread> {
    const dump = loadDataDir ? await loadDataDir.arrayBuffer() : undefined;
    const worker = new Worker(SCRIPT, { workerData: { dataDir, loadDataDir: dump }, transferList: dump ? [dump] : [] });
    return new PgliteThread(worker);
  }

  call<T>(op: string, ...args: unknown[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.lastId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  /** Parameterised statement, as PGlite's `query` (for migrations). */
  query(sql: string, params?: unknown[]): Promise<{ rows: any[]; affectedRows?: number }> {
    return this.call("query", sql, params);
  }

  /** Several statements, as PGlite's `exec` (for migrations). */
  async exec(sql: string): Promise<void> {
    await this.call("exec", sql);
  }

  /** Closes the database (its files are flushed) and ends the thread. */
  async close(): Promise<void> {
    if (!this.failure) await this.call("close").catch(() => {});
    await this.worker.terminate();
  }
}

class ThreadTransaction implements Transaction {
  readonly provider = "postgres" as const;
  constructor(
    private readonly thread: PgliteThread,
    readonly adapterName: string,
    private readonly id: number,
    readonly options: TransactionOptions,
  ) {}
  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return this.thread.call("txQueryRaw", this.id, query);
  }
  executeRaw(query: SqlQuery): Promise<number> {
    return this.thread.call("txExecuteRaw", this.id, query);
  }
  commit(): Promise<void> {
    return this.thread.call("commit", this.id);
  }
  rollback(): Promise<void> {
    return this.thread.call("rollback", this.id);
  }
}

class ThreadAdapter implements SqlDriverAdapter {
  readonly provider = "postgres" as const;
  constructor(
    private readonly thread: PgliteThread,
    readonly adapterName: string,
    private readonly connectionInfo: ReturnType<NonNullable<SqlDriverAdapter["getConnectionInfo"]>> | undefined,
  ) {}
  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return this.thread.call("queryRaw", query);
  }
  executeRaw(query: SqlQuery): Promise<number> {
    return this.thread.call("executeRaw", query);
  }
  executeScript(script: string): Promise<void> {
    return this.thread.call("executeScript", script);
  }
  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const { id, options } = await this.thread.call<{ id: number; options: TransactionOptions }>("startTransaction", isolationLevel);
    return new ThreadTransaction(this.thread, this.adapterName, id, options);
  }
  getConnectionInfo() {
    return this.connectionInfo!;
  }
  async dispose(): Promise<void> {}
}

/** Prisma's driver adapter for the database thread. */
export class PgliteThreadAdapterFactory implements SqlDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "pglite-prisma-adapter";
  constructor(private readonly thread: PgliteThread) {}
  async connect(): Promise<SqlDriverAdapter> {
    const info = await this.thread.call<{ adapterName: string; connectionInfo?: ReturnType<NonNullable<SqlDriverAdapter["getConnectionInfo"]>> }>("info");
    return new ThreadAdapter(this.thread, info.adapterName, info.connectionInfo);
  }
}
