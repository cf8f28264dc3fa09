// deleteViewer: the right to be forgotten. The viewer's user row and, by the schema's cascades,
// everything they own (conversations with their messages, tool uses, chunks, moods…, memories,
// clusters, the planning board, API keys) go in one transaction. Only the person may do it (not an
// API key), and only by naming their own external id.
import { builder } from "../../builder.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { requirePerson } from "../../auth/viewer.ts";
import { badInput } from "../../errors.ts";

interface DeletedViewer {
  externalId: string;
  conversations: number;
  messages: number;
  memories: number;
}

const DeletedViewerRef = builder.objectRef<DeletedViewer>("DeletedViewer").implement({
  description: "What deleteViewer removed. Signing in again with the same subject starts a new, empty user.",
  fields: (t) => ({
    externalId: t.exposeString("externalId"),
    conversations: t.exposeInt("conversations", { description: "Conversations deleted, with everything in them." }),
    messages: t.exposeInt("messages"),
    memories: t.exposeInt("memories", { description: "Memories deleted, soft-deleted ones included." }),
  }),
});

builder.mutationField("deleteViewer", (t) =>
  t.field({
    type: DeletedViewerRef,
    description:
      "Deletes the viewer and everything they own, for good. `confirm` must be the viewer's externalId. Not with an API key.",
    args: { confirm: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      requirePerson(context, "delete its user");
      const { id, externalId } = context.viewer;
      if (args.confirm !== externalId) throw badInput("confirm must be the viewer's externalId", "confirm");
      // Through the viewer's client: the counts and the deletion reach the viewer's rows only. Their
      // queued jobs (the server's table) go with the user row by its cascade.
      const deleted = await retryingTransaction(context.db, async (tx) => {
        const conversations = await tx.conversation.count();
        const messages = await tx.message.count();
        const memories = await tx.memory.count();
        await tx.user.delete({ where: { id } });
        return { externalId, conversations, messages, memories };
      });
      context.credentialsChanged(id);
      // Their own search indexes (PostgreSQL, large users only) hold no rows now; the catalog entries go
      // too, in the background (behind any index build under way).
      void context.tenantIndexes?.dropFor(id);
      return deleted;
    },
  }),
);
