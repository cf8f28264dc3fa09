// upsertChunks: a conversation's text chunks with their embeddings, for semantic search over a coding session.
import { builder } from "../../builder.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { badInput, notFound } from "../../errors.ts";
import { lockOwnConversation } from "./sql.ts";
import { range, text } from "../constraints.ts";
import { checkVector, storeVectorFrom, toSql } from "../../search/vectors.ts";
import { checkModelSize } from "../../search/stored.ts";
import { ownedExecute, owner } from "../../auth/viewer-client.ts";
import { ownConversationId } from "./mutations.ts";

const MAX_CHUNKS = 500;

const ChunkInput = builder.inputType("ChunkInput", {
  fields: (t) => ({
    chunkIndex: t.int({ required: true, validate: range(0, 1_000_000) }),
    chunkText: t.string({ required: true, validate: text({ maxLength: 100_000 }) }),
    embedding: t.floatList({ description: "Your own embedding; without one the server's embedder computes it." }),
    model: t.string({ description: "The model that produced `embedding` (required with it)." }),
    metadata: t.field({ type: "JSON" }),
  }),
});

builder.mutationField("upsertChunks", (t) =>
  t.prismaField({
    type: ["ConversationChunk"],
    description: "Creates or replaces chunks by chunkIndex, with embeddings given or computed. One transaction.",
    args: {
      conversationId: t.arg.id({ required: true }),
      chunks: t.arg({ type: [ChunkInput], required: true }),
    },
    resolve: async (query, _root, args, context) => {
      const conversationId = await ownConversationId(context, args.conversationId);
      if (args.chunks.length === 0 || args.chunks.length > MAX_CHUNKS) throw badInput(`give 1 to ${MAX_CHUNKS} chunks`, "chunks");
      // Each chunk's index and text were checked against ChunkInput's constraints before the resolver ran.
      const chunks = args.chunks;
      const indexes = new Set<number>();
      chunks.forEach((chunk, i) => {
        const field = `chunks[${i}]`;
        if (indexes.has(chunk.chunkIndex)) throw badInput(`${field}.chunkIndex ${chunk.chunkIndex} appears twice`, `${field}.chunkIndex`);
        indexes.add(chunk.chunkIndex);
        if (chunk.embedding && !chunk.model) throw badInput(`${field}.model is required with an embedding`, `${field}.model`);
        if (chunk.embedding) checkVector(chunk.embedding, `${field}.embedding`);
      });
      // One size per model: within this request, against the server's embedder and the viewer's stored vectors.
      const sizes = new Map<string, { dimensions: number; field: string }>();
      chunks.forEach((c, i) => {
        if (!c.embedding) return;
        const field = `chunks[${i}].embedding`;
        const seen = sizes.get(c.model!);
        if (seen && seen.dimensions !== c.embedding.length) {
          throw badInput(`${field} has ${c.embedding.length} dimensions, but ${seen.field} of the same model has ${seen.dimensions}`, field);
        }
        sizes.set(c.model!, { dimensions: c.embedding.length, field });
      });
      for (const [model, { dimensions, field }] of sizes) {
        await checkModelSize(context.prisma, context.embedder, context.viewer.id, model, dimensions, field);
      }
      const missing = chunks.filter((c) => !c.embedding);
      const computed = missing.length ? await context.embedder.embed(missing.map((c) => c.chunkText)) : [];
      const vectors = chunks.map((c) => (c.embedding ? { vector: c.embedding, model: c.model! } : { vector: computed[missing.indexOf(c)], model: context.embedder.model }));

      // Two statements for any number of chunks: insert the new indexes, then set every chunk's text,
      // metadata and vector from arrays unnested side by side (a chunk is replaced whole).
      // In chunkIndex order, under the conversation's lock: two upserts of one conversation's chunks
      // run one after the other (and the conversation is still there).
      const ordered = [...chunks].sort((a, b) => a.chunkIndex - b.chunkIndex);
      await retryingTransaction(context.db, async (tx) => {
        if (!(await lockOwnConversation(tx, context.viewer.id, conversationId))) throw notFound("Conversation", args.conversationId);
        await tx.conversationChunk.createMany({
          data: ordered.map((chunk) => ({ conversationId, userId: context.viewer.id, chunkIndex: chunk.chunkIndex, chunkText: chunk.chunkText })),
          skipDuplicates: true,
        });
        await ownedExecute(tx, context.viewer.id)`
          UPDATE conversation_chunks AS ch
             SET chunk_text = v.chunk_text,
                 metadata = v.metadata::jsonb,
                 ${storeVectorFrom("embedding", Prisma.sql`v.embedding`, Prisma.sql`v.model`, Prisma.sql`v.dimensions`)},
                 updated_at = now()
            FROM (SELECT unnest(${chunks.map((c) => c.chunkIndex)}::int[]) AS chunk_index,
                         unnest(${chunks.map((c) => c.chunkText)}::text[]) AS chunk_text,
                         unnest(${chunks.map((c) => (c.metadata == null ? null : JSON.stringify(c.metadata)))}::text[]) AS metadata,
                         unnest(${vectors.map((v) => toSql(v.vector))}::text[]) AS embedding,
                         unnest(${vectors.map((v) => v.model)}::text[]) AS model,
                         unnest(${vectors.map((v) => v.vector.length)}::int[]) AS dimensions) AS v
           WHERE ${owner("ch")} AND ch.conversation_id = ${conversationId} AND ch.chunk_index = v.chunk_index`;
      });
      return context.db.conversationChunk.findMany({
        ...query,
        where: { conversationId, chunkIndex: { in: chunks.map((c) => c.chunkIndex) } },
        orderBy: { chunkIndex: "asc" },
      });
    },
  }),
);
