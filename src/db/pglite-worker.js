// The embedded database in a thread of its own (see pglite-thread.ts). Plain JavaScript on purpose:
// a worker gets none of the TypeScript loaders of its parent (tsx, vitest), and this needs none.
// PGlite and its Prisma adapter (pglite-prisma-adapter) run here unchanged; the server's thread
// talks to them by message: { id, op, args } in, { id, value } or { id, error } out, and one
// { ready } (or { ready: false, error }) once the database has booted.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { PrismaPGlite } from "pglite-prisma-adapter";

/** @type {{ dataDir: string, loadDataDir?: ArrayBuffer }} */
const { dataDir, loadDataDir } = workerData;

/** @type {PGlite} */ let db;
/** @type {Awaited<ReturnType<PrismaPGlite["connect"]>>} */ let adapter;
/** Open transactions of the adapter, by the number the server's thread knows them by. */
const transactions = new Map();
let lastTransaction = 0;

const booted = (async () => {
  db = await PGlite.create({ dataDir, loadDataDir: loadDataDir ? new Blob([loadDataDir]) : undefined, extensions: { vector } });
  adapter = await new PrismaPGlite(db).connect();
})();

/** An error as data: Prisma's DriverAdapterError keeps its `cause` (the kind and the PostgreSQL code). */
function serialize(error) {
  const { name = "Error", message = String(error), stack, cause } = error ?? {};
  return { name, message, stack, cause: cause && typeof cause === "object" ? JSON.parse(JSON.stringify(cause)) : undefined };
}

function transaction(id) {
  const tx = transactions.get(id);
  if (!tx) throw new Error(`transaction ${id} is not open`);
  return tx;
}

const ops = {
  info: () => ({ provider: adapter.provider, adapterName: adapter.adapterName, connectionInfo: adapter.getConnectionInfo?.() }),
  query: async (sql, params) => {
    const { rows, affectedRows } = await db.query(sql, params);
    return { rows, affectedRows };
  },
  exec: async (sql) => void (await db.exec(sql)),
  queryRaw: (query) => adapter.queryRaw(query),
  executeRaw: (query) => adapter.executeRaw(query),
  executeScript: (script) => adapter.executeScript(script),
  startTransaction: async (isolationLevel) => {
    const tx = await adapter.startTransaction(isolationLevel);
    transactions.set(++lastTransaction, tx);
    return { id: lastTransaction, options: tx.options };
  },
  txQueryRaw: (id, query) => transaction(id).queryRaw(query),
  txExecuteRaw: (id, query) => transaction(id).executeRaw(query),
  commit: async (id) => {
    const tx = transaction(id);
    transactions.delete(id);
    await tx.commit();
  },
  rollback: async (id) => {
    const tx = transaction(id);
    transactions.delete(id);
    await tx.rollback();
  },
  close: async () => {
    await db.close();
  },
};

parentPort.on("message", async ({ id, op, args }) => {
  try {
    await booted;
    parentPort.postMessage({ id, value: await ops[op](...args) });
  } catch (error) {
    parentPort.postMessage({ id, error: serialize(error) });
  }
});

booted.then(
  () => parentPort.postMessage({ ready: true }),
  (error) => parentPort.postMessage({ ready: false, error: serialize(error) }),
);
