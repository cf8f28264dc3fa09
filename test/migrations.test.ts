// The migration runner: what it records must satisfy `prisma migrate deploy`, and a failure changes nothing.
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { describe, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR, type SqlConnection } from "../src/db/migrate.ts";
import { messageFingerprint } from "../src/schema/conversations/content.ts";

const connect = (client: PGlite): SqlConnection => ({
  query: (sql, params) => client.query(sql, params as unknown[]),
  exec: async (sql) => void (await client.exec(sql)),
});

describe("applyMigrations", () => {
  it("applies every migration once, recording Prisma's checksums, and creates the vector indexes", async () => {
    const client = await PGlite.create({ extensions: { vector } });
    const names = fs.readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(await applyMigrations(connect(client))).toEqual(names);
    expect(await applyMigrations(connect(client))).toEqual([]);

    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const row of rows) {
      const file = fs.readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(file).digest("hex"));
      expect(row.finished_at).not.toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    const indexes = await client.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%USING hnsw%' ORDER BY indexname`);
    expect(indexes.rows.map((r) => r.indexname)).toContain("memories_hnsw_512");
    expect(indexes.rows.map((r) => r.indexname)).toContain("conversation_chunks_hnsw_1536");
    await client.close();
  });

  it("rolls a failing migration back completely and lets a fixed one apply later", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-migrations-"));
    const write = (name: string, sql: string) => {
      fs.mkdirSync(path.join(dir, name), { recursive: true });
      fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
    };
    write("001_ok", `CREATE TABLE a (id int);`);
    write("002_broken", `CREATE TABLE b (id int);\nSELECT no_such_function();`);
    const client = await PGlite.create();
    await expect(applyMigrations(connect(client), { dir })).rejects.toThrow(/002_broken failed and was rolled back/);
    const tables = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
    expect(tables.rows.map((r) => r.tablename)).toEqual(["_prisma_migrations", "a"]);

    write("002_broken", `CREATE TABLE b (id int);`);
    expect(await applyMigrations(connect(client), { dir })).toEqual(["002_broken"]);
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("gives the messages stored before faithful import the fingerprint the server computes, keeping repeated words apart", async () => {
    const all = fs.readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const target = all.findIndex((name) => name.endsWith("_faithful_import"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-migrations-"));
    for (const name of all.slice(0, target)) fs.cpSync(path.join(MIGRATIONS_DIR, name), path.join(dir, name), { recursive: true });
    const client = await PGlite.create({ extensions: { vector } });
    await applyMigrations(connect(client), { dir });
    await client.exec(`
      INSERT INTO users (id, external_id, updated_at) VALUES ('u1', 'ana', now());
      INSERT INTO conversations (id, user_id, updated_at) VALUES ('c1', 'u1', now());
      INSERT INTO messages (id, conversation_id, role, sender, content, content_hash, position, timestamp, updated_at) VALUES
        ('m1', 'c1', 'user', 'Maya', 'ok', 'h1', 1, '2025-06-14 09:12:00.123', now()),
        ('m2', 'c1', 'assistant', NULL, 'Olá — “ok” 👍', 'h2', 2, '2025-06-15 09:12:00', now());`);
    await applyMigrations(connect(client));
    const rows = await client.query<{ id: string; fingerprint: string }>(`SELECT id, fingerprint FROM messages ORDER BY id`);
    expect(rows.rows).toEqual([
      { id: "m1", fingerprint: messageFingerprint("USER", "Maya", new Date("2025-06-14T09:12:00.123Z"), "ok") },
      { id: "m2", fingerprint: messageFingerprint("ASSISTANT", null, new Date("2025-06-15T09:12:00Z"), "Olá — “ok” 👍") },
    ]);
    // The old constraint is gone: the same words may be stored again.
    await client.exec(`INSERT INTO messages (id, conversation_id, role, sender, content, content_hash, position, updated_at) VALUES ('m3', 'c1', 'user', 'Jonah', 'ok', 'h1', 3, now())`);
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
