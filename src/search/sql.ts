// Vector (pgvector HNSW, cosine) and full-text (English tsvector) candidates for each searchable kind,
// always limited to the viewer's rows.
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { toSql, type IndexedDimension } from "./vectors.ts";

export type SearchKind = "MESSAGE" | "CHUNK" | "MEMORY";

export interface SearchScope {
  userId: string;
  conversationId?: string;
  from?: Date;
  to?: Date;
}

export interface Candidate {
  kind: SearchKind;
  id: string;
  /** Cosine distance (0 = same direction, 2 = opposite). */
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

/**
 * Nearest rows by cosine distance. The cast to vector(N) and the dimension predicate match the partial
 * HNSW index of that dimension; N comes from INDEXED_DIMENSIONS, never from a client string.
 */
export async function vectorCandidates(
  prisma: PrismaClient,
  kind: Exclude<SearchKind, "MESSAGE">,
  vector: readonly number[],
  dimensions: IndexedDimension,
  scope: SearchScope,
  { limit, model }: { limit: number; model?: string },
): Promise<Candidate[]> {
  const typed = Prisma.raw(`vector(${dimensions})`);
  const query = toSql(vector);
  const byModel = (column: Prisma.Sql) => (model ? Prisma.sql` AND ${column} = ${model}` : Prisma.empty);
  const rows =
    kind === "CHUNK"
      ? await prisma.$queryRaw<{ id: string; distance: number }[]>`
          SELECT ch.id, (ch.embedding::${typed} <=> ${query}::${typed})::float8 AS distance
            FROM conversation_chunks ch
            JOIN conversations c ON c.id = ch.conversation_id
           WHERE c.user_id = ${scope.userId}
             AND ch.embedding_dimensions = ${dimensions}
             ${byModel(Prisma.sql`ch.embedding_model`)}
             ${scopeConditions(scope, { conversation: Prisma.sql`ch.conversation_id`, time: Prisma.sql`ch.created_at` })}
           ORDER BY ch.embedding::${typed} <=> ${query}::${typed}
           LIMIT ${limit}`
      : await prisma.$queryRaw<{ id: string; distance: number }[]>`
          SELECT m.id, (m.embedding::${typed} <=> ${query}::${typed})::float8 AS distance
            FROM memories m
           WHERE m.user_id = ${scope.userId}
             AND m.deleted_at IS NULL
             AND m.embedding_dimensions = ${dimensions}
             ${byModel(Prisma.sql`m.embedding_model`)}
             ${scopeConditions(scope, { conversation: Prisma.sql`m.conversation_id`, time: Prisma.sql`m.created_at` })}
           ORDER BY m.embedding::${typed} <=> ${query}::${typed}
           LIMIT ${limit}`;
  return rows.map((row) => ({ kind, id: row.id, distance: Number(row.distance) }));
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
    rows = await prisma.$queryRaw`
      SELECT ch.id, ts_rank_cd(ch.search_vector, q)::float8 AS rank
        FROM conversation_chunks ch
        JOIN conversations c ON c.id = ch.conversation_id, websearch_to_tsquery('english', ${text}) q
       WHERE c.user_id = ${scope.userId}
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
