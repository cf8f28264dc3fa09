// Work-arounds needed when the WASM schema engine drives the driver adapters (see shared ENV.md).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";

// pglite-prisma-adapter: executeScript() does not await PGlite.exec(), and executeRaw() goes through the
// extended protocol, which rejects the multi-statement SQL the engine replays on the shadow database.
function fixPgliteAdapter(adapter: any, client: PGlite) {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query: any) => {
    if (query.args?.length) return executeRaw(query);
    const results = await client.exec(query.sql);
    return results.reduce((rows, result) => rows + (result.affectedRows ?? 0), 0);
  };
  adapter.executeScript = async (script: string) => {
    await client.exec(script);
  };
  return adapter;
}

export function pgliteEngineAdapter(client: PGlite) {
  const factory: any = new PrismaPGlite(client);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => fixPgliteAdapter(await connect(), client);
  factory.connectToShadowDb = async () => {
    const shadow = new PGlite({ extensions: { vector } });
    return fixPgliteAdapter(await new PrismaPGlite(shadow).connect(), shadow);
  };
  return factory;
}

// prisma/orm#27403: adapter-pg cannot map catalog columns of type "name" (oid 19), which the engine's
// introspection reads; relabel them as text (oid 25), their values are strings already. "char" (oid 18) must
// not become text: the engine reads it as a Character (see withCharColumns).
const RELABEL: Record<number, number> = { 19: 25 };
function relabel(result: any) {
  for (const r of Array.isArray(result) ? result : [result]) {
    r?.fields?.forEach((field: any) => {
      if (RELABEL[field.dataTypeID]) field.dataTypeID = RELABEL[field.dataTypeID];
    });
  }
  return result;
}
class CatalogSafeClient extends pg.Client {
  // One override for pg's many query() overloads.
  query(...args: any[]): any {
    const callback = args.findIndex((arg) => typeof arg === "function");
    if (callback >= 0) {
      const done = args[callback];
      args[callback] = (error: any, result: any) => done(error, error ? result : relabel(result));
      return (super.query as any)(...args);
    }
    const result = (super.query as any)(...args);
    return typeof result?.then === "function" ? result.then(relabel) : result;
  }
}

// adapter-pg has no column type for "char" (oid 18), the engine reads pg_constraint.contype with it as a
// Character (get_char): report such columns as ColumnTypeEnum.Character (6), like pglite-prisma-adapter does.
const CHARACTER = 6;
function withCharColumns<T extends object>(queryable: T): T {
  const q: any = queryable;
  const queryRaw = q.queryRaw;
  q.queryRaw = async function (this: any, query: unknown) {
    let charColumns: number[] = [];
    const performIO = this.performIO;
    const view = Object.create(this, {
      performIO: {
        value: async (sql: unknown) => {
          const result = await performIO.call(this, sql);
          charColumns = [];
          result.fields.forEach((field: any, i: number) => {
            if (field.dataTypeID === 18) {
              field.dataTypeID = 25;
              charColumns.push(i);
            }
          });
          return result;
        },
      },
    });
    const out = await queryRaw.call(view, query);
    for (const i of charColumns) out.columnTypes[i] = CHARACTER;
    return out;
  };
  // adapter-pg's executeScript splits the script on every ";", comments and string literals included;
  // send it whole (simple query protocol runs multi-statement scripts), as the native engine does.
  if (q.executeScript) q.executeScript = async function (this: any, script: string) {
    try {
      await this.client.query(script);
    } catch (error) {
      this.onError(error);
    }
  };
  const startTransaction = q.startTransaction;
  if (startTransaction) q.startTransaction = async function (this: any, ...args: unknown[]) {
    return withCharColumns(await startTransaction.apply(this, args));
  };
  return queryable;
}

// adapter-pg's own shadow database drops the database before closing its pool, and a connectionString
// overrides the shadow database name; create and drop a throwaway database ourselves (PG >= 13).
export function pgEngineAdapter(url: string) {
  const u = new URL(url);
  const config: any = {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
    Client: CatalogSafeClient,
    allowExitOnIdle: true,
  };
  const factory: any = new PrismaPg(config);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => withCharColumns(await connect());
  factory.connectToShadowDb = async () => {
    const admin = new pg.Client({ ...config, Client: undefined });
    await admin.connect();
    const name = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const adapter = withCharColumns(await new PrismaPg({ ...config, database: name }).connect());
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      try {
        await dispose();
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    };
    return adapter;
  };
  return factory;
}
