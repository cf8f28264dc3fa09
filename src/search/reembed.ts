// Moving stored vectors to another embedder (after changing THREADLINE_EMBEDDER): every chunk and
// memory whose vector was made by the `from` model is embedded again from its text by `to`.
//
// Only rows of the named model change: vectors a client sent with its own model stay as they are.
// Rows are done in batches, each batch one transaction, so an interrupted run loses nothing and a
// second run picks up where the first stopped (done rows carry the new model and are not selected).
import type { PrismaClient } from "../db/database.ts";
import type { Embedder } from "./embedders/index.ts";
import { toSql } from "./vectors.ts";

export interface ReembedOptions {
  from: string;
  batchSize?: number;
  /** Count what would change, change nothing. */
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface ReembedResult {
  chunks: number;
  memories: number;
}

const TABLES = [
  { key: "chunks", table: "conversation_chunks", text: "chunk_text" },
  { key: "memories", table: "memories", text: "content" },
] as const;

export async function reembed(prisma: PrismaClient, embedder: Embedder, options: ReembedOptions): Promise<ReembedResult> {
  const { from, batchSize = 64, dryRun = false, log = () => {} } = options;
  if (from === embedder.model) throw new Error(`--from ${from} is the configured embedder itself: nothing to do`);
  const result: ReembedResult = { chunks: 0, memories: 0 };

  for (const { key, table, text } of TABLES) {
    const [{ total }] = await prisma.$queryRawUnsafe<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM ${table} WHERE embedding_model = $1`,
      from,
    );
    if (dryRun || total === 0) {
      log(`${key}: ${total} with ${from}${dryRun ? " (dry run: nothing changed)" : ""}`);
      result[key] = total;
      continue;
    }
    let after = "";
    while (result[key] < total) {
      const rows = await prisma.$queryRawUnsafe<{ id: string; text: string }[]>(
        `SELECT id, ${text} AS text FROM ${table} WHERE embedding_model = $1 AND id > $2 ORDER BY id LIMIT $3`,
        from,
        after,
        batchSize,
      );
      if (rows.length === 0) break; // rows removed meanwhile
      const vectors = await embedder.embed(rows.map((row) => row.text));
      await prisma.$transaction(
        rows.map((row, i) =>
          prisma.$executeRawUnsafe(
            `UPDATE ${table} SET embedding = $1::vector, embedding_model = $2, embedding_dimensions = $3 WHERE id = $4 AND embedding_model = $5`,
            toSql(vectors[i]),
            embedder.model,
            embedder.dimensions,
            row.id,
            from,
          ),
        ),
      );
      result[key] += rows.length;
      after = rows[rows.length - 1].id;
      log(`${key}: ${result[key]}/${total} embedded again with ${embedder.model}`);
    }
  }
  return result;
}
