// Candidates for each searchable kind: nearest vectors (through ./nearest.ts) and full-text matches
// (English tsvector), always limited to the viewer's rows.
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { nearest, type NearestQuery, type SearchTuning, type VectorScope } from "./nearest.ts";
import { ownedQuery, owner } from "../auth/viewer-client.ts";

type Sql = Pick<PrismaClient, "$queryRaw">;

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

interface TextSource {
  /** The rows, as `t` (joined to what holds the owner when they do not hold it themselves). */
  from: Prisma.Sql;
  /** The alias whose user_id is the owner's. */
  owner: string;
  /** Rows of this kind in that table, when the table holds others. */
  only?: Prisma.Sql;
  conversation: Prisma.Sql;
  time: Prisma.Sql;
}

// One descriptor per kind: the same full-text statement serves all three. Table and column names are fixed here.
const TEXT_SOURCES: Record<SearchKind, TextSource> = {
  MESSAGE: {
    from: Prisma.sql`messages t JOIN conversations c ON c.id = t.conversation_id`,
    owner: "c",
    conversation: Prisma.sql`t.conversation_id`,
    time: Prisma.sql`t.timestamp`,
  },
  // Chunks cut from a message are found as that message (kind MESSAGE).
  CHUNK: {
    from: Prisma.sql`conversation_chunks t`,
    owner: "t",
    only: Prisma.sql`t.message_id IS NULL`,
    conversation: Prisma.sql`t.conversation_id`,
    time: Prisma.sql`t.created_at`,
  },
  MEMORY: {
    from: Prisma.sql`memories t`,
    owner: "t",
    only: Prisma.sql`t.deleted_at IS NULL`,
    conversation: Prisma.sql`t.conversation_id`,
    time: Prisma.sql`t.created_at`,
  },
};

/** Best full-text matches (web-search syntax, English stemming), ranked by ts_rank_cd. */
export async function textCandidates(prisma: Sql, kind: SearchKind, text: string, scope: SearchScope, limit: number): Promise<Candidate[]> {
  const s = TEXT_SOURCES[kind];
  const rows = await ownedQuery(prisma, scope.userId)<{ id: string; rank: number }>`
    SELECT t.id, ts_rank_cd(t.search_vector, q)::float8 AS rank
      FROM ${s.from}, websearch_to_tsquery('english', ${text}) q
     WHERE ${owner(s.owner)}
       ${s.only ? Prisma.sql`AND ${s.only}` : Prisma.empty}
       AND t.search_vector @@ q
       ${scopeConditions(scope, s)}
     ORDER BY rank DESC, t.id
     LIMIT ${limit}`;
  return rows.map((row) => ({ kind, id: row.id, rank: Number(row.rank) }));
}
