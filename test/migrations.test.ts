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
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../src/generated/prisma/client.ts";
import { startBackgroundWorker } from "../src/jobs/worker.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { createLogger } from "../src/logger.ts";

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

  it("queues the messages stored before background embedding, once, and the worker makes them searchable", async () => {
    const all = fs.readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const target = all.findIndex((name) => name.endsWith("_backfill_message_embedding"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-migrations-"));
    for (const name of all.slice(0, target)) fs.cpSync(path.join(MIGRATIONS_DIR, name), path.join(dir, name), { recursive: true });
    const client = await PGlite.create({ extensions: { vector } });
    await applyMigrations(connect(client), { dir });
    // Stored before: a 1,500-message conversation, a short one, one of another user; a message whose
    // chunk a client uploaded itself; a message a waiting job already names; one with no words at all.
    await client.exec(`
      INSERT INTO users (id, external_id, updated_at) VALUES ('u1', 'ana', now()), ('u2', 'ben', now());
      INSERT INTO conversations (id, user_id, updated_at) VALUES ('long', 'u1', now()), ('short', 'u1', now()), ('other', 'u2', now());
      INSERT INTO messages (id, conversation_id, role, content, content_hash, position, updated_at)
        SELECT 'long-' || g, 'long', 'user', 'the deploy story, part ' || g, 'h', g, now() FROM generate_series(1, 1500) g;
      INSERT INTO messages (id, conversation_id, role, content, content_hash, position, updated_at) VALUES
        ('s1', 'short', 'user', 'my cat knocks cups off the table', 'h', 1, now()),
        ('s2', 'short', 'assistant', 'own chunk', 'h', 2, now()),
        ('s3', 'short', 'user', 'already queued', 'h', 3, now()),
        ('s4', 'short', 'assistant', '…', 'h', 4, now()),
        ('o1', 'other', 'user', 'ben''s own words', 'h', 1, now());
      INSERT INTO conversation_chunks (id, conversation_id, user_id, message_id, chunk_index, chunk_text, updated_at)
        VALUES ('client-chunk', 'short', 'u1', 's2', 0, 'own chunk', now());
      INSERT INTO background_jobs (kind, user_id, conversation_id, payload, items, updated_at)
        VALUES ('embed_messages', 'u1', 'short', '{"messageIds": ["s3"]}', 1, now());`);
    await applyMigrations(connect(client));
    const jobs = await client.query<{ conversation_id: string; user_id: string; ids: string[]; items: number }>(
      `SELECT conversation_id, user_id, ARRAY(SELECT jsonb_array_elements_text(payload -> 'messageIds')) AS ids, items
         FROM background_jobs ORDER BY conversation_id, id`,
    );
    expect(jobs.rows.map((job) => [job.conversation_id, job.user_id, job.items])).toEqual([
      ["long", "u1", 1500],
      ["other", "u2", 1],
      ["short", "u1", 1], // the job that was there
      ["short", "u1", 2], // s1 and s4: not s2 (has its chunk) nor s3 (already queued)
    ]);
    expect(jobs.rows[0].ids).toEqual(Array.from({ length: 1500 }, (_, i) => `long-${i + 1}`)); // in position order
    expect(jobs.rows[3].ids).toEqual(["s1", "s4"]);
    // Applying again queues nothing more.
    await applyMigrations(connect(client));
    expect((await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM background_jobs`)).rows[0].n).toBe(4);

    // The worker drains them: every message with words gets chunks of its own, owned by its user.
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
    const worker = await startBackgroundWorker({
      prisma,
      embedder: createEmbedder("hashing"),
      config: { enabled: true, concurrency: 1, leaseMs: 60_000, maxAttempts: 3, pollMs: 20, retryBaseMs: 100 },
      logger: createLogger("error"),
    });
    try {
      await expect.poll(async () => (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM background_jobs`)).rows[0].n, { timeout: 120_000, interval: 200 }).toBe(0);
    } finally {
      await worker.stop();
    }
    const chunks = await client.query<{ message_id: string; user_id: string; model: string | null }>(
      `SELECT message_id, user_id, embedding_model AS model FROM conversation_chunks ORDER BY message_id`,
    );
    const byMessage = new Map(chunks.rows.map((row) => [row.message_id, row]));
    expect(chunks.rows).toHaveLength(1500 + 4); // long-*, s1, s2 (the client's), s3, o1; s4 has no words
    expect(byMessage.get("s2")).toMatchObject({ user_id: "u1", model: null }); // the client's chunk untouched
    expect(byMessage.get("o1")).toMatchObject({ user_id: "u2", model: "threadline-hashing-v1" });
    expect(byMessage.has("s4")).toBe(false);
    await prisma.$disconnect();
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);
});
