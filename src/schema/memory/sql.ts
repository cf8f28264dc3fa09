// Raw SQL for memories: writing vectors and finding neighbours. Tagged templates only; every
// statement is limited to the viewer's rows.
import type { PrismaClient } from "../../db/database.ts";
import { toSql, type DistanceMetric } from "../../search/vectors.ts";
import { nearest, type SearchTuning } from "../../search/nearest.ts";

type Sql = Pick<PrismaClient, "$executeRaw" | "$queryRaw">;

export async function setMemoryEmbedding(db: Sql, memoryId: string, vector: readonly number[], model: string) {
  await db.$executeRaw`
    UPDATE memories SET embedding = ${toSql(vector)}::vector, embedding_model = ${model},
                        embedding_dimensions = ${vector.length}, updated_at = now()
     WHERE id = ${memoryId}`;
}

export async function memoryEmbedding(db: Sql, memoryId: string): Promise<{ vector: number[]; model: string | null } | null> {
  const rows = await db.$queryRaw<{ embedding: string | null; model: string | null }[]>`
    SELECT embedding::text AS embedding, embedding_model AS model FROM memories WHERE id = ${memoryId}`;
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
