// Raw SQL for memories: writing vectors and finding neighbours. Tagged templates only; every
// statement is limited to the viewer's rows.
import { Prisma } from "../../generated/prisma/client.ts";
import type { PrismaClient } from "../../db/database.ts";
import { ownedExecute, ownedQuery, owner } from "../../auth/viewer-client.ts";
import { storeVector, type DistanceMetric } from "../../search/vectors.ts";
import { nearest, type SearchTuning } from "../../search/nearest.ts";

type Sql = Pick<PrismaClient, "$executeRaw" | "$queryRaw">;

export async function setMemoryEmbedding(db: Sql, viewerId: string, memoryId: string, vector: readonly number[], model: string) {
  await ownedExecute(db, viewerId)`
    UPDATE memories SET ${storeVector("embedding", vector, model)}, updated_at = now()
     WHERE id = ${memoryId} AND ${owner()}`;
}

export async function memoryEmbedding(db: Sql, viewerId: string, memoryId: string): Promise<{ vector: number[]; model: string | null } | null> {
  const rows = await ownedQuery(db, viewerId)<{ embedding: string | null; model: string | null }>`
    SELECT embedding::text AS embedding, embedding_model AS model FROM memories WHERE id = ${memoryId} AND ${owner()}`;
  if (!rows[0]?.embedding) return null;
  return { vector: JSON.parse(rows[0].embedding) as number[], model: rows[0].model };
}

/** The viewer's live memories nearest to a vector (exact for few memories, the HNSW index for many). */
export async function nearestMemories(
  db: PrismaClient,
  userId: string,
  vector: readonly number[],
  { limit, model, excludeId, metric = "COSINE" }: { limit: number; model?: string | null; excludeId?: string; metric?: DistanceMetric },
  tuning?: SearchTuning,
): Promise<{ id: string; distance: number }[]> {
  return nearest(db, "MEMORY", { userId }, { vector, metric, model, limit, excludeId }, tuning);
}

/**
 * The viewer's memories whose content or summary holds `text`, ignoring case, at most `limit`:
 * strpos rather than ILIKE, as messageIdsContaining (conversations/sql.ts) says why.
 */
export async function memoryIdsContaining(
  db: Sql,
  userId: string,
  text: string,
  { includeDeleted, conversationId }: { includeDeleted: boolean; conversationId?: string },
  limit: number,
): Promise<string[]> {
  const rows = await ownedQuery(db, userId)<{ id: string }>`
    SELECT id FROM memories
     WHERE ${owner()}
       ${includeDeleted ? Prisma.empty : Prisma.sql`AND deleted_at IS NULL`}
       ${conversationId ? Prisma.sql`AND conversation_id = ${conversationId}` : Prisma.empty}
       AND (strpos(lower(content), lower(${text})) > 0 OR strpos(lower(coalesce(summary, '')), lower(${text})) > 0)
     LIMIT ${limit}`;
  return rows.map((row) => row.id);
}
