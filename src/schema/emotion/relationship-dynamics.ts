// Relationship dynamics: how participants relate in a conversation, a memory, or both.
import { builder } from "../../builder.ts";
import { badInput } from "../../errors.ts";
import { requireOwned } from "../ids.ts";
import { jsonInput } from "../inputs.ts";
import { range } from "../constraints.ts";
import { labels } from "./inputs.ts";

const RelationshipDynamicsInput = builder.inputType("RelationshipDynamicsInput", {
  description: "Scores are 0 to 1.",
  fields: (t) => ({
    participants: t.stringList({ validate: labels }),
    closeness: t.float({ validate: range(0, 1) }),
    tension: t.float({ validate: range(0, 1) }),
    support: t.float({ validate: range(0, 1) }),
    patterns: t.field({ type: "JSON", description: "Other observations: repair attempts, conflict topics, …" }),
    metadata: t.field({ type: "JSON" }),
  }),
});

builder.mutationField("recordRelationshipDynamics", (t) =>
  t.prismaField({
    type: "RelationshipDynamics",
    description: "Records how participants relate in one of the viewer's conversations, memories, or both (at least one).",
    args: {
      conversationId: t.arg.id(),
      memoryId: t.arg.id(),
      input: t.arg({ type: RelationshipDynamicsInput, required: true }),
    },
    resolve: async (query, _root, { conversationId, memoryId, input }, context) => {
      if (conversationId == null && memoryId == null) throw badInput("Give conversationId, memoryId or both", "conversationId");
      const data = {
        participants: input.participants ? [...input.participants] : undefined,
        closeness: input.closeness,
        tension: input.tension,
        support: input.support,
        patterns: jsonInput(input.patterns),
        metadata: jsonInput(input.metadata),
      };
      const [ownConversationId, ownMemoryId] = await Promise.all([
        conversationId == null ? undefined : requireOwned(context, "Conversation", conversationId, "conversationId"),
        memoryId == null ? undefined : requireOwned(context, "Memory", memoryId, "memoryId"),
      ]);
      return context.db.relationshipDynamics.create({ ...query, data: { ...data, conversationId: ownConversationId, memoryId: ownMemoryId } });
    },
  }),
);
