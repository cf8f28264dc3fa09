// The peers benchmark's data, written straight into Threadline's tables (already migrated by Threadline
// itself), the same rows on PostgreSQL and on PGlite. Deterministic: every run writes the same rows.
//
// - user A ("bench-a"): 200 conversations × 20 messages; every second message (the assistant's) has
//   2 tool uses; plus one conversation of 10,000 messages, started before all others (so it is the last
//   of A's conversations newest-first, and the first oldest-first);
// - user B ("bench-b"): 100 conversations × 20 messages, started between A's: a missing owner filter
//   would show them in A's pages;
// - 5 chunks with 512-d embeddings per conversation (vector search), and English text in every
//   message (full-text search).
// Ids are readable and fixed (`m-big-000042` is position 42 of the long conversation), so a cursor can
// be derived for a deep page (see run.ts).
import { createHash } from "node:crypto";
import { TERMS, generator, sentence } from "../scenarios.ts";

export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export const USER_A = { id: "u-bench-a", externalId: "bench-a" };
export const USER_B = { id: "u-bench-b", externalId: "bench-b" };
export const BIG_CONVERSATION = "c-a-big";
export const BIG_MESSAGES = 10_000;
export const CONVERSATIONS_A = 200;
export const CONVERSATIONS_B = 100;
export const MESSAGES_PER_CONVERSATION = 20;
export const CHUNKS_PER_CONVERSATION = 5;
export const DIMENSIONS = 512;
/**
 * A client's own model name: vectors under a name Threadline has embedded with itself (its hashing
 * model's) would be re-embedded by its background worker with its current embedder during the run —
 * work the peers do not do, and answers that change under the load.
 */
export const EMBEDDING_MODEL = "bench-client-512";
const TOOLS = ["Read", "Bash", "Edit", "Grep", "Write", "WebFetch", "Glob", "TodoWrite"];
const BASE = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

export const bigMessageId = (position: number) => `m-big-${String(position).padStart(6, "0")}`;

interface Conversation {
  id: string;
  userId: string;
  title: string;
  startedAt: Date;
  messages: number;
  messageId: (position: number) => string;
}

function conversations(): Conversation[] {
  const list: Conversation[] = [
    { id: BIG_CONVERSATION, userId: USER_A.id, title: "A long conversation", startedAt: new Date(BASE - MINUTE), messages: BIG_MESSAGES, messageId: bigMessageId },
  ];
  for (let i = 1; i <= CONVERSATIONS_A; i++) {
    const id = `c-a-${String(i).padStart(3, "0")}`;
    list.push({ id, userId: USER_A.id, title: `A conversation ${i}`, startedAt: new Date(BASE + i * 2 * MINUTE), messages: MESSAGES_PER_CONVERSATION, messageId: (p) => `m-a-${i}-${p}` });
  }
  for (let i = 1; i <= CONVERSATIONS_B; i++) {
    const id = `c-b-${String(i).padStart(3, "0")}`;
    // Odd minutes, from the middle of A's range to past its newest: B's rows sort between and before A's.
    list.push({ id, userId: USER_B.id, title: `B conversation ${i}`, startedAt: new Date(BASE + (2 * (i + CONVERSATIONS_A / 2) + 1) * MINUTE), messages: MESSAGES_PER_CONVERSATION, messageId: (p) => `m-b-${i}-${p}` });
  }
  return list;
}

/** Inserts rows column-wise through unnest(), `batch` rows per statement. */
async function insertColumns(db: SqlRunner, table: string, columns: [name: string, type: string][], rows: unknown[][], batch = 2_000) {
  const names = columns.map(([name]) => `"${name}"`).join(", ");
  const unnest = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ");
  for (let start = 0; start < rows.length; start += batch) {
    const slice = rows.slice(start, start + batch);
    const params = columns.map((_, c) => slice.map((row) => row[c]));
    await db.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest})`, params);
  }
}

function unitVector(rng: ReturnType<typeof generator>): number[] {
  const v = Array.from({ length: DIMENSIONS }, () => rng.next() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** The query vectors of the vector-search scenario: random directions like the stored ones. */
export function queryVector(seed: number): number[] {
  return unitVector(generator(0x5eed + seed));
}

export interface SeedCounts {
  users: number;
  conversations: number;
  messages: number;
  toolUses: number;
  chunks: number;
}

export async function seed(db: SqlRunner): Promise<SeedCounts> {
  const rng = generator(20261201);
  const now = new Date(BASE + 365 * 24 * 60 * MINUTE);
  await db.query(
    `INSERT INTO users (id, external_id, name, created_at, updated_at) VALUES ($1, $2, 'Bench A', $5, $5), ($3, $4, 'Bench B', $5, $5)`,
    [USER_A.id, USER_A.externalId, USER_B.id, USER_B.externalId, new Date(BASE - 2 * MINUTE)],
  );
  const list = conversations();
  await insertColumns(
    db,
    "conversations",
    [["id", "text"], ["user_id", "text"], ["title", "text"], ["started_at", "timestamp(3)"], ["created_at", "timestamp(3)"], ["updated_at", "timestamp(3)"]],
    list.map((c) => [c.id, c.userId, c.title, c.startedAt, c.startedAt, now]),
  );

  const messages: unknown[][] = [];
  const toolUses: unknown[][] = [];
  const chunks: unknown[][] = [];
  for (const c of list) {
    for (let position = 1; position <= c.messages; position++) {
      const id = c.messageId(position);
      const assistant = position % 2 === 0;
      const content = `${sentence(rng, rng.int(12, 40))} (${id})`;
      const at = new Date(c.startedAt.getTime() + position * 1_000);
      messages.push([id, c.id, assistant ? "assistant" : "user", content, createHash("sha256").update(content).digest("hex"), position, at, at, now]);
      if (assistant) {
        for (let k = 1; k <= 2; k++) {
          const toolAt = new Date(at.getTime() + k * 10);
          toolUses.push([`t-${id}-${k}`, id, rng.pick(TOOLS), rng.next() < 0.9 ? "success" : "error", rng.int(5, 5_000), toolAt, toolAt, now]);
        }
      }
    }
    for (let index = 0; index < CHUNKS_PER_CONVERSATION; index++) {
      chunks.push([`ch-${c.id}-${index}`, c.id, index, `${sentence(rng, 30)} (${c.id} chunk ${index})`, `[${unitVector(rng).map((x) => x.toFixed(6)).join(",")}]`, EMBEDDING_MODEL, DIMENSIONS, now]);
    }
  }
  await insertColumns(
    db,
    "messages",
    [["id", "text"], ["conversation_id", "text"], ["role", "message_role"], ["content", "text"], ["content_hash", "text"], ["position", "int4"], ["timestamp", "timestamp(3)"], ["created_at", "timestamp(3)"], ["updated_at", "timestamp(3)"]],
    messages,
  );
  await insertColumns(
    db,
    "tool_uses",
    [["id", "text"], ["message_id", "text"], ["tool_name", "text"], ["status", "tool_use_status"], ["duration_ms", "int4"], ["timestamp", "timestamp(3)"], ["created_at", "timestamp(3)"], ["updated_at", "timestamp(3)"]],
    toolUses,
  );
  await insertColumns(
    db,
    "conversation_chunks",
    [["id", "text"], ["conversation_id", "text"], ["chunk_index", "int4"], ["chunk_text", "text"], ["embedding", "vector"], ["embedding_model", "text"], ["embedding_dimensions", "int4"], ["updated_at", "timestamp(3)"]],
    chunks,
    250,
  );
  await db.query("ANALYZE");
  return { users: 2, conversations: list.length, messages: messages.length, toolUses: toolUses.length, chunks: chunks.length };
}

/** Words for the full-text scenario: from the vocabulary every message draws on. */
export const FULL_TEXT_QUERY = `${TERMS[0]} ${TERMS[2]}`;
