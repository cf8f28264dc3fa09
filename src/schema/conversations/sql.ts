// Raw SQL the conversations domain needs beyond Prisma: aggregates and full-text matching.
// Tagged templates only; every statement is limited to the viewer's rows.
import { Prisma } from "../../generated/prisma/client.ts";
import type { PrismaClient } from "../../db/database.ts";
import type { ToolUseStatus } from "../../generated/prisma/enums.ts";
import { ownedQuery, ownedStatement, owner } from "../../auth/viewer-client.ts";

/**
 * Locks the viewer's conversation for the rest of the transaction: writers of one conversation's
 * derived rows (its mood series, its chunks) go one at a time. NO KEY UPDATE still lets rows that
 * merely reference it be inserted meanwhile. False when there is no such conversation of the viewer's.
 */
export async function lockOwnConversation(db: Pick<PrismaClient, "$queryRaw">, userId: string, conversationId: string): Promise<boolean> {
  const rows = await ownedQuery(db, userId)<{ id: string }>`
    SELECT id FROM conversations WHERE id = ${conversationId} AND ${owner()} FOR NO KEY UPDATE`;
  return rows.length > 0;
}

export interface ToolUsageFilter {
  conversationId?: string;
  toolName?: string;
  status?: ToolUseStatus;
  from?: Date;
  to?: Date;
}

export interface ToolUsageRow {
  toolName: string;
  status: ToolUseStatus;
  count: number;
  avgDurationMs: number | null;
  p95DurationMs: number | null;
  totalDurationMs: number | null;
}

const STATUS_FROM_DB: Record<string, ToolUseStatus> = { pending: "PENDING", success: "SUCCESS", error: "ERROR", timeout: "TIMEOUT" };

export async function toolUsageStats(prisma: PrismaClient, userId: string, filter: ToolUsageFilter): Promise<ToolUsageRow[]> {
  const conditions: Prisma.Sql[] = [];
  if (filter.conversationId) conditions.push(Prisma.sql`c.id = ${filter.conversationId}`);
  if (filter.toolName) conditions.push(Prisma.sql`t.tool_name = ${filter.toolName}`);
  if (filter.status) conditions.push(Prisma.sql`t.status::text = ${filter.status.toLowerCase()}`);
  if (filter.from) conditions.push(Prisma.sql`t.timestamp >= ${filter.from}`);
  if (filter.to) conditions.push(Prisma.sql`t.timestamp <= ${filter.to}`);
  const rows = await ownedQuery(prisma, userId)<{
    tool_name: string;
    status: string;
    count: number;
    avg_ms: number | null;
    p95_ms: number | null;
    total_ms: number | null;
  }>`
    SELECT t.tool_name,
           t.status::text AS status,
           count(*)::int AS count,
           avg(t.duration_ms)::float8 AS avg_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY t.duration_ms)::float8 AS p95_ms,
           sum(t.duration_ms)::float8 AS total_ms
      FROM tool_uses t
      JOIN messages m ON m.id = t.message_id
      JOIN conversations c ON c.id = m.conversation_id
     WHERE ${owner("c")} ${conditions.length ? Prisma.sql`AND ${Prisma.join(conditions, " AND ")}` : Prisma.empty}
     GROUP BY t.tool_name, t.status
     ORDER BY count(*) DESC, t.tool_name ASC, t.status ASC`;
  return rows.map((row) => ({
    toolName: row.tool_name,
    status: STATUS_FROM_DB[row.status],
    count: Number(row.count),
    avgDurationMs: row.avg_ms === null ? null : Number(row.avg_ms),
    p95DurationMs: row.p95_ms === null ? null : Number(row.p95_ms),
    totalDurationMs: row.total_ms === null ? null : Number(row.total_ms),
  }));
}

/** Ids of the viewer's messages whose content matches a web-search style query (English stemming). */
export async function messageIdsMatching(prisma: PrismaClient, userId: string, query: string, limit: number): Promise<string[]> {
  const rows = await ownedQuery(prisma, userId)<{ id: string }>`
    SELECT m.id
      FROM messages m
      JOIN conversations c ON c.id = m.conversation_id
     WHERE ${owner("c")}
       AND m.search_vector @@ websearch_to_tsquery('english', ${query})
     LIMIT ${limit}`;
  return rows.map((row) => row.id);
}

/**
 * The viewer's messages (of one conversation, when given) whose content holds `text`, ignoring case,
 * at most `limit`. strpos (Boyer-Moore-Horspool in PostgreSQL) rather than Prisma's `contains`
 * (ILIKE): ILIKE compares the pattern at every position, so a pattern that almost matches everywhere
 * costs pattern length × text length; strpos skips ahead (docs/design/hardening.md). Case is folded
 * by lower() on both sides, as ILIKE does; `%` and `_` are plain characters.
 */
export async function messageIdsContaining(prisma: PrismaClient, userId: string, text: string, conversationId: string | undefined, limit: number): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ id: string }[]>(messageIdsContainingSql(userId, text, conversationId, limit));
  return rows.map((row) => row.id);
}

/**
 * messageIdsContaining's statement. The viewer's conversations come first, and each one's messages are
 * read through its index (the LATERAL subquery with OFFSET 0 cannot be flattened into a join): with
 * statistics, the planner otherwise prefers to scan every message and test strpos on all of them,
 * reading every other user's text (25 MB of another user's messages took this user's query from 0.04
 * to 119 ms, and past a 1 s statement timeout under load), since it prices strpos as cheap.
 */
export function messageIdsContainingSql(userId: string, text: string, conversationId: string | undefined, limit: number) {
  return ownedStatement(
    userId,
    Prisma.sql`
    SELECT m.id
      FROM conversations c
      CROSS JOIN LATERAL (
        SELECT m.id FROM messages m
         WHERE m.conversation_id = c.id AND strpos(lower(m.content), lower(${text})) > 0
        OFFSET 0) m
     WHERE ${owner("c")}
       ${conversationId ? Prisma.sql`AND c.id = ${conversationId}` : Prisma.empty}
     LIMIT ${limit}`,
  );
}

/** The newest message of each conversation, in one statement for any number of conversations. */
export async function lastMessageIds(prisma: PrismaClient, conversationIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await prisma.$queryRaw<{ conversation_id: string; id: string }[]>`
    SELECT DISTINCT ON (conversation_id) conversation_id, id
      FROM messages
     WHERE conversation_id = ANY(${[...conversationIds]}::text[])
     ORDER BY conversation_id, position DESC`;
  return new Map(rows.map((row) => [row.conversation_id, row.id]));
}
