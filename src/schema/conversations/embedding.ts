// Conversation.embedding: how far the background embedding of the conversation's messages has got.
import { builder } from "../../builder.ts";
import { embeddingProgress, type EmbeddingProgress } from "../../jobs/status.ts";
import { ConversationRef } from "./types.ts";

const EmbeddingStatusEnum = builder.enumType("EmbeddingStatus", {
  description: "Where the embedding of a conversation's messages stands.",
  values: {
    PENDING: { description: "Some messages are waiting to be embedded; they are found by their words until then." },
    EMBEDDED: { description: "Every message is embedded: search finds them by meaning." },
    FAILED: { description: "Some messages could not be embedded after several attempts; the rest are done." },
  } as const,
});

const ConversationEmbedding = builder.objectRef<EmbeddingProgress>("ConversationEmbedding").implement({
  description:
    "New messages are cut into chunks and embedded in the background, shortly after they are written; search by meaning (VECTOR, HYBRID) finds a message once it is embedded.",
  fields: (t) => ({
    status: t.field({
      type: EmbeddingStatusEnum,
      resolve: (progress) => (progress.pending > 0 ? "PENDING" : progress.failed > 0 ? "FAILED" : "EMBEDDED"),
    }),
    pending: t.exposeInt("pending", { description: "Messages waiting to be embedded." }),
    embedded: t.exposeInt("embedded", { description: "Messages whose chunks are embedded." }),
    failed: t.exposeInt("failed", { description: "Messages that could not be embedded after every attempt." }),
  }),
});

builder.objectField(ConversationRef, "embedding", (t) =>
  t.loadable({
    type: ConversationEmbedding,
    description: "Progress of the background embedding of this conversation's messages; batched across every conversation in the response.",
    load: async (conversationIds: string[], context) => {
      const progress = await embeddingProgress(context.prisma, conversationIds);
      return conversationIds.map((id) => progress.get(id) ?? { pending: 0, embedded: 0, failed: 0 });
    },
    resolve: (conversation) => conversation.id,
  }),
);
