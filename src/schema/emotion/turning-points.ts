// Turning points: significant emotional moments in a conversation.
import { builder } from "../../builder.ts";
import { requireOwned } from "../ids.ts";
import { jsonInput } from "../inputs.ts";
import { range, text } from "../constraints.ts";
import { messageOfConversation } from "./inputs.ts";

const TurningPointInput = builder.inputType("TurningPointInput", {
  fields: (t) => ({
    type: t.string({ required: true, description: "reconciliation, escalation, breakthrough, … (free text)", validate: text({ maxLength: 100 }) }),
    magnitude: t.float({ required: true, description: "How significant the moment is, 0 to 1.", validate: range(0, 1) }),
    messageId: t.id({ description: "The message of this conversation where it happened." }),
    description: t.string({ validate: text({ maxLength: 10_000, allowEmpty: true }) }),
    occurredAt: t.field({ type: "DateTime", description: "Defaults to the message's timestamp when a message is given, otherwise now." }),
    metadata: t.field({ type: "JSON" }),
  }),
});

builder.mutationField("recordTurningPoint", (t) =>
  t.prismaField({
    type: "TurningPoint",
    description: "Records a significant emotional moment in one of the viewer's conversations.",
    args: { conversationId: t.arg.id({ required: true }), input: t.arg({ type: TurningPointInput, required: true }) },
    resolve: async (query, _root, { conversationId: conversationGlobalId, input }, context) => {
      const data = { type: input.type, magnitude: input.magnitude, description: input.description, metadata: jsonInput(input.metadata) };
      const conversationId = await requireOwned(context, "Conversation", conversationGlobalId, "conversationId");
      const message =
        input.messageId == null ? null : await messageOfConversation(context.db, conversationId, input.messageId, "input.messageId");
      return context.db.turningPoint.create({
        ...query,
        data: { ...data, conversationId, messageId: message?.id, occurredAt: input.occurredAt ?? message?.timestamp ?? new Date() },
      });
    },
  }),
);
