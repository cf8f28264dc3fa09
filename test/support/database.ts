// A fresh, migrated database for each test file: a copy of a migrated PGlite snapshot (fast), or,
// with TEST_DATABASE_URL=postgres://…, a new database on that real server, dropped afterwards.
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { throwawayDatabase } from "../../src/db/throwaway.ts";
import { applyMigrations } from "../../src/db/migrate.ts";

let snapshot: Promise<Blob> | undefined;

async function migratedSnapshot(): Promise<Blob> {
  const client = await PGlite.create({ extensions: { vector } });
  await applyMigrations({ query: (sql, params) => client.query(sql, params as unknown[]), exec: async (sql) => void (await client.exec(sql)) });
  const dump = await client.dumpDataDir("none");
  await client.close();
  return dump;
}

export const usingRealPostgres = () => Boolean(process.env.TEST_DATABASE_URL);

/** statementTimeoutMs: PostgreSQL only (PGlite cannot cancel a running statement). */
export async function freshDatabase({ statementTimeoutMs }: { statementTimeoutMs?: number } = {}): Promise<Database> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    snapshot ??= migratedSnapshot();
    return openDatabase({ loadDataDir: await snapshot, migrate: false });
  }
  return throwawayDatabase(serverUrl, { prefix: "threadline_test", poolSize: 4, statementTimeoutMs });
}
