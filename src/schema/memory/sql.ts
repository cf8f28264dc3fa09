// Raw SQL for memories: writing vectors and finding neighbours. Tagged templates only; every
// statement is limited to the viewer's rows.
import { Prisma } from "../../generated/prisma/client.ts";
import type { PrismaClient } from "../../db/database.ts";
import { toSql, type IndexedDimension } from "../../search/vectors.ts";

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

/** The viewer's live memories nearest to a vector (cosine), through the HNSW index of its dimension. */
export async function nearestMemories(
  db: Sql,
  userId: string,
  vector: readonly number[],
  dimensions: IndexedDimension,
  { limit, model, excludeId }: { limit: number; model?: string | null; excludeId?: string },
): Promise<{ id: string; distance: number }[]> {
  const typed = Prisma.raw(`vector(${dimensions})`); // from INDEXED_DIMENSIONS, never client text
  const query = toSql(vector);
  const rows = await db.$queryRaw<{ id: string; distance: number }[]>`
    SELECT m.id, (m.embedding::${typed} <=> ${query}::${typed})::float8 AS distance
      FROM memories m
     WHERE m.user_id = ${userId}
       AND m.deleted_at IS NULL
       AND m.embedding_dimensions = ${dimensions}
       ${model ? Prisma.sql`AND m.embedding_model = ${model}` : Prisma.empty}
       ${excludeId ? Prisma.sql`AND m.id <> ${excludeId}` : Prisma.empty}
     ORDER BY m.embedding::${typed} <=> ${query}::${typed}
     LIMIT ${limit}`;
  return rows.map((row) => ({ id: row.id, distance: Number(row.distance) }));
}
