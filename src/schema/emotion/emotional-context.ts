// The emotional context of a memory or a message: one reading each, replaced as a whole.
import { builder } from "../../builder.ts";
import { badInput } from "../../errors.ts";
import { requireOwned } from "../ids.ts";
import { jsonInput } from "../inputs.ts";
import { range, text } from "../constraints.ts";
import { labels } from "./inputs.ts";

const EmotionalContextInput = builder.inputType("EmotionalContextInput", {
  description: "The emotional reading of a memory or a message. Setting it replaces the whole previous reading.",
  fields: (t) => ({
    mood: t.string({ required: true, description: "frustrated, hopeful, grateful, … (free text)", validate: text({ maxLength: 200 }) }),
    intensity: t.float({ description: "0 to 1.", validate: range(0, 1) }),
    themes: t.stringList({ validate: labels }),
    markers: t.stringList({ description: "The words or signals the mood was read from.", validate: labels }),
    metadata: t.field({ type: "JSON" }),
  }),
});

builder.mutationField("setEmotionalContext", (t) =>
  t.prismaField({
    type: "EmotionalContext",
    description:
      "Sets the emotional context of exactly one of the viewer's memories (memoryId) or messages (messageId), replacing any earlier one: fields left out are cleared.",
    args: {
      memoryId: t.arg.id(),
      messageId: t.arg.id(),
      input: t.arg({ type: EmotionalContextInput, required: true }),
    },
    resolve: async (query, _root, { memoryId, messageId, input }, context) => {
      if ((memoryId == null) === (messageId == null)) throw badInput("Give exactly one of memoryId and messageId", memoryId == null ? "memoryId" : "messageId");
      const reading = {
        mood: input.mood,
        intensity: input.intensity ?? null,
        themes: input.themes ? [...input.themes] : [],
        markers: input.markers ? [...input.markers] : [],
      };
      const subject =
        memoryId != null
          ? { memoryId: await requireOwned(context, "Memory", memoryId, "memoryId") }
          : { messageId: await requireOwned(context, "Message", messageId!, "messageId") };
      return context.db.emotionalContext.upsert({
        ...query,
        where: subject,
        create: { ...subject, ...reading, metadata: jsonInput(input.metadata) },
        update: { ...reading, metadata: jsonInput(input.metadata ?? null) },
      });
    },
  }),
);
