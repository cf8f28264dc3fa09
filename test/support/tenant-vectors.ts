// Vectors for the tenant-search tests: users' chunks around shared topic centres (as real embeddings
// cluster, so every user's rows sit among the others' in the index), queries near a user's own rows,
// and the true top 10 by an exact scan written here, independently of the server's code.
import type { PrismaClient } from "../../src/db/database.ts";

/** Inserts `count` chunks of `dims` dimensions for a user in one statement (ids `<userId>-<n>`). */
export async function insertVectors(prisma: PrismaClient, { userId, conversationId, count, seed, dims, model }: { userId: string; conversationId: string; count: number; seed: number; dims: number; model: string }) {
  await prisma.$executeRaw`
    WITH seeded AS (SELECT setseed(${seed})),
         centres AS (
           SELECT k, array_agg(sin(k * 7.13 + i * 0.37) ORDER BY i) AS c
             FROM seeded, generate_series(0, 15) k, generate_series(1, ${dims}) i GROUP BY k)
    INSERT INTO conversation_chunks (id, conversation_id, user_id, chunk_index, chunk_text, embedding, embedding_model, embedding_dimensions, updated_at)
    SELECT ${userId} || '-' || g, ${conversationId}, ${userId}, g, 'vector ' || g,
           (SELECT array_agg(centres.c[i] + (random() - 0.5) * 0.8 ORDER BY i) FROM generate_series(1, ${dims}) i)::real[]::vector,
           ${model}, ${dims}, now()
      FROM generate_series(1, ${count}) g JOIN centres ON centres.k = g % 16`;
}

/** A query near one of the user's rows: that row's vector, nudged. */
export async function queryNear(prisma: PrismaClient, userId: string, n: number): Promise<number[]> {
  const rows = await prisma.$queryRaw<{ v: string }[]>`
    SELECT embedding::text AS v FROM conversation_chunks WHERE user_id = ${userId} ORDER BY chunk_index OFFSET ${n} LIMIT 1`;
  return (JSON.parse(rows[0].v) as number[]).map((x, i) => x + Math.sin(i * 1.7 + n) * 0.05);
}

/** The user's true top 10 by an exact scan. */
export async function exactTop10(prisma: PrismaClient, userId: string, vector: number[], dims: number): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    SELECT id FROM conversation_chunks WHERE user_id = ${userId} AND embedding_dimensions = ${dims}
     ORDER BY embedding <=> ${JSON.stringify(vector)}::vector, id LIMIT 10`;
  return rows.map((r) => r.id);
}
