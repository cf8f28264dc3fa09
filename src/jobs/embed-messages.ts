// The embed_messages job: cuts each new message into chunks, embeds them, and stores them in
// conversation_chunks with the message's id (the owner is set from the conversation by a trigger).
// Messages go in slices; each slice is one transaction that writes its chunks and records the job's
// progress together, so a worker killed between slices loses nothing and a retry redoes at most one
// slice (its chunks are replaced whole, never doubled). Messages deleted meanwhile are skipped.
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import type { Embedder } from "../search/embedders/index.ts";
import { storeVectorFrom, toSql } from "../search/vectors.ts";
import { chunkText } from "./chunking.ts";
import { completeJob, recordProgress, type Job } from "./queue.ts";

export interface JobContext {
  prisma: PrismaClient;
  embedder: Embedder;
  leaseMs: number;
  /** Set when the worker is stopping: a job stops between slices and is given back. */
  signal: AbortSignal;
}

export class LeaseLost extends Error {
  constructor(job: Job) {
    super(`job ${job.id}: its lease ran out and another worker took it`);
  }
}

/** Messages per slice: one embed call and one transaction each. */
const SLICE = 32;

export async function embedMessages(job: Job<{ messageIds: string[] }>, { prisma, embedder, leaseMs, signal }: JobContext): Promise<void> {
  let left = [...job.payload.messageIds];
  while (left.length > 0) {
    signal.throwIfAborted();
    const slice = left.slice(0, SLICE);
    const messages = await prisma.$queryRaw<{ id: string; conversation_id: string; user_id: string; content: string }[]>`
      SELECT m.id, m.conversation_id, c.user_id, m.content
        FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.id = ANY(${slice}::text[])`;
    const chunks = messages.flatMap((message) => chunkText(message.content).map((text, chunkIndex) => ({ message, chunkIndex, text })));
    const vectors = chunks.length ? await embedder.embed(chunks.map((chunk) => chunk.text)) : [];
    left = left.slice(SLICE);

    await prisma.$transaction(async (tx) => {
      if (messages.length) {
        await tx.$executeRaw`DELETE FROM conversation_chunks WHERE message_id = ANY(${messages.map((m) => m.id)}::text[])`;
      }
      if (chunks.length) {
        // Prisma gives the rows their ids (cuid); the vectors follow in one UPDATE from unnested arrays.
        await tx.conversationChunk.createMany({
          data: chunks.map(({ message, chunkIndex, text }) => ({
            conversationId: message.conversation_id,
            userId: message.user_id,
            messageId: message.id,
            chunkIndex,
            chunkText: text,
          })),
        });
        await tx.$executeRaw`
          UPDATE conversation_chunks AS ch
             SET ${storeVectorFrom("embedding", Prisma.sql`v.embedding`, embedder.model, embedder.dimensions)}
            FROM (SELECT unnest(${chunks.map((c) => c.message.id)}::text[]) AS message_id,
                         unnest(${chunks.map((c) => c.chunkIndex)}::int[]) AS chunk_index,
                         unnest(${vectors.map((v) => toSql(v))}::text[]) AS embedding) AS v
           WHERE ch.message_id = v.message_id AND ch.chunk_index = v.chunk_index`;
      }
      const held = left.length === 0 ? await completeJob(tx, job) : await recordProgress(tx, job, { messageIds: left }, left.length, leaseMs);
      if (!held) throw new LeaseLost(job);
    });
  }
  if (job.payload.messageIds.length === 0) await completeJob(prisma, job);
}
