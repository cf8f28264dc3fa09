// Stored vectors: reading them back (an opt-in field), and checking a new vector's size against the
// vectors its model already has.
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { badInput } from "../errors.ts";
import type { Embedder } from "./embedders/index.ts";
import { fromSql } from "./vectors.ts";
import { ownedQuery, owner } from "../auth/viewer-client.ts";

type Sql = Pick<PrismaClient, "$queryRaw">;

const TABLES = { CHUNK: Prisma.raw("conversation_chunks"), MEMORY: Prisma.raw("memories") } as const;

/** The stored vectors of these rows, in the order of `ids` (null where a row has none or is not the viewer's). */
export async function storedEmbeddings(db: Sql, kind: keyof typeof TABLES, userId: string, ids: readonly string[]): Promise<(number[] | null)[]> {
  const rows = await ownedQuery(db, userId)<{ id: string; embedding: string | null }>`
    SELECT v.id, v.embedding::text AS embedding FROM ${TABLES[kind]} v WHERE v.id = ANY(${[...ids]}::text[]) AND ${owner("v")}`;
  const byId = new Map(rows.map((row) => [row.id, row.embedding]));
  return ids.map((id) => {
    const text = byId.get(id);
    return text ? fromSql(text) : null;
  });
}

/**
 * A model produces one size of vector: refuses a vector whose size differs from the server embedder's
 * (for its model) or from the viewer's stored vectors of the same model.
 */
export async function checkModelSize(db: Sql, embedder: Embedder, userId: string, model: string, dimensions: number, field: string) {
  let known: number | undefined = model === embedder.model ? embedder.dimensions : undefined;
  if (known === undefined) {
    const rows = await ownedQuery(db, userId)<{ dimensions: number }>`
      (SELECT embedding_dimensions AS dimensions FROM conversation_chunks
        WHERE ${owner()} AND embedding_model = ${model} AND embedding_dimensions IS NOT NULL LIMIT 1)
      UNION ALL
      (SELECT embedding_dimensions FROM memories
        WHERE ${owner()} AND embedding_model = ${model} AND embedding_dimensions IS NOT NULL LIMIT 1)
      LIMIT 1`;
    known = rows[0]?.dimensions;
  }
  if (known !== undefined && known !== dimensions) {
    throw badInput(`${field} has ${dimensions} dimensions, but model "${model}" makes vectors of ${known}`, field);
  }
}
