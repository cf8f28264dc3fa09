// Candidates for each searchable kind: nearest vectors (through ./nearest.ts) and full-text matches
// (English tsvector), always limited to the viewer's rows.
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { nearest, type NearestQuery, type SearchTuning, type VectorScope } from "./nearest.ts";

export type SearchKind = "MESSAGE" | "CHUNK" | "MEMORY";
export type SearchScope = VectorScope;

export interface Candidate {
  kind: SearchKind;
  id: string;
  /** The metric's distance (smaller is nearer). */
  distance?: number;
  /** ts_rank_cd of the full-text match. */
  rank?: number;
}

function scopeConditions(scope: SearchScope, alias: { conversation: Prisma.Sql; time: Prisma.Sql }) {
  const conditions: Prisma.Sql[] = [];
  if (scope.conversationId) conditions.push(Prisma.sql`${alias.conversation} = ${scope.conversationId}`);
  if (scope.from) conditions.push(Prisma.sql`${alias.time} >= ${scope.from}`);
  if (scope.to) conditions.push(Prisma.sql`${alias.time} <= ${scope.to}`);
  return conditions.length ? Prisma.sql` AND ${Prisma.join(conditions, " AND ")}` : Prisma.empty;
}

/** Nearest rows of one kind; messages are found through the chunks cut from them. */
export async function vectorCandidates(prisma: PrismaClient, kind: SearchKind, scope: SearchScope, query: NearestQuery, tuning: SearchTuning): Promise<Candidate[]> {
  const rows = await nearest(prisma, kind, scope, query, tuning);
  return rows.map((row) => ({ kind, id: row.id, distance: row.distance }));
}

/** Best full-text matches (web-search syntax, English stemming), ranked by ts_rank_cd. */
export async function textCandidates(prisma: PrismaClient, kind: SearchKind, text: string, scope: SearchScope, limit: number): Promise<Candidate[]> {
  let rows: { id: string; rank: number }[];
  if (kind === "MESSAGE") {
    rows = await prisma.$queryRaw`
      SELECT m.id, ts_rank_cd(m.search_vector, q)::float8 AS rank
        FROM messages m
        JOIN conversations c ON c.id = m.conversation_id, websearch_to_tsquery('english', ${text}) q
       WHERE c.user_id = ${scope.userId}
         AND m.search_vector @@ q
         ${scopeConditions(scope, { conversation: Prisma.sql`m.conversation_id`, time: Prisma.sql`m.timestamp` })}
       ORDER BY rank DESC, m.id
       LIMIT ${limit}`;
  } else if (kind === "CHUNK") {
    // Chunks cut from a message are found as that message (kind MESSAGE).
    rows = await prisma.$queryRaw`
      SELECT ch.id, ts_rank_cd(ch.search_vector, q)::float8 AS rank
        FROM conversation_chunks ch, websearch_to_tsquery('english', ${text}) q
       WHERE ch.user_id = ${scope.userId}
         AND ch.message_id IS NULL
         AND ch.search_vector @@ q
         ${scopeConditions(scope, { conversation: Prisma.sql`ch.conversation_id`, time: Prisma.sql`ch.created_at` })}
       ORDER BY rank DESC, ch.id
       LIMIT ${limit}`;
  } else {
    rows = await prisma.$queryRaw`
      SELECT m.id, ts_rank_cd(m.search_vector, q)::float8 AS rank
        FROM memories m, websearch_to_tsquery('english', ${text}) q
       WHERE m.user_id = ${scope.userId}
         AND m.deleted_at IS NULL
         AND m.search_vector @@ q
         ${scopeConditions(scope, { conversation: Prisma.sql`m.conversation_id`, time: Prisma.sql`m.created_at` })}
       ORDER BY rank DESC, m.id
       LIMIT ${limit}`;
  }
  return rows.map((row) => ({ kind, id: row.id, rank: Number(row.rank) }));
}
