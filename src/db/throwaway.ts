// A new, migrated database on a real PostgreSQL server that close() drops again: what the tests and
// the benchmarks use instead of touching a database someone cares about.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "./database.ts";

async function onServer(serverUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function throwawayDatabase(
  serverUrl: string,
  {
    prefix = "threadline_tmp",
    poolSize,
    keep = false,
    statementTimeoutMs,
    sessionSettings,
  }: { prefix?: string; poolSize?: number; keep?: boolean; statementTimeoutMs?: number; sessionSettings?: Record<string, string> } = {},
): Promise<Database> {
  // The name is ours (prefix + random hex), never client text: safe to put in the statement.
  const name = `${prefix}_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize, statementTimeoutMs, sessionSettings });
  return {
    ...database,
    async close() {
      await database.close();
      if (keep) return void process.stderr.write(`kept database ${url.toString()}\n`);
      await onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
