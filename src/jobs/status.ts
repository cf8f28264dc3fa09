// How far background embedding has got, per conversation: messages waiting (in jobs not yet done),
// messages that failed for good (in dead-lettered jobs), messages with embedded chunks.
import type { PrismaClient } from "../db/database.ts";

export interface EmbeddingProgress {
  pending: number;
  embedded: number;
  failed: number;
}

/** One statement for any number of conversations (the caller has already checked they are the viewer's). */
export async function embeddingProgress(prisma: PrismaClient, conversationIds: readonly string[]): Promise<Map<string, EmbeddingProgress>> {
  const rows = await prisma.$queryRaw<{ id: string; pending: number; failed: number; embedded: number }[]>`
    SELECT c.id,
           coalesce((SELECT sum(j.items) FROM background_jobs j
                      WHERE j.conversation_id = c.id AND j.kind = 'embed_messages' AND j.failed_at IS NULL), 0)::int AS pending,
           coalesce((SELECT sum(j.items) FROM background_jobs j
                      WHERE j.conversation_id = c.id AND j.kind = 'embed_messages' AND j.failed_at IS NOT NULL), 0)::int AS failed,
           (SELECT count(DISTINCT ch.message_id) FROM conversation_chunks ch
             WHERE ch.conversation_id = c.id AND ch.message_id IS NOT NULL AND ch.embedding IS NOT NULL)::int AS embedded
      FROM unnest(${[...conversationIds]}::text[]) AS c(id)`;
  return new Map(rows.map(({ id, ...progress }) => [id, progress]));
}
