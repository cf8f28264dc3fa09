// Delta patterns: recurring shapes in a conversation's mood changes, made of some of its mood deltas.
import { builder } from "../../builder.ts";
import { badInput, notFound } from "../../errors.ts";
import { decodeId, requireOwned } from "../ids.ts";
import { jsonInput } from "../inputs.ts";
import { range, rule, text } from "../constraints.ts";

const MAX_PATTERN_DELTAS = 1000;

const DeltaPatternInput = builder.inputType("DeltaPatternInput", {
  fields: (t) => ({
    patternType: t.string({ required: true, description: "v_recovery, escalation, … (free text)", validate: text({ maxLength: 100 }) }),
    deltaIds: t.idList({
      required: true,
      description: "The mood deltas of this conversation that make up the pattern (at least one).",
      validate: rule<readonly string[]>((ids) =>
        ids.length === 0 ? "must name at least one mood delta" : ids.length > MAX_PATTERN_DELTAS ? `may hold at most ${MAX_PATTERN_DELTAS} ids` : undefined,
      ),
    }),
    description: t.string({ validate: text({ maxLength: 10_000, allowEmpty: true }) }),
    confidence: t.float({ description: "0 to 1.", validate: range(0, 1) }),
    metadata: t.field({ type: "JSON" }),
  }),
});

builder.mutationField("recordDeltaPattern", (t) =>
  t.prismaField({
    type: "DeltaPattern",
    description: "Records a recurring shape in a conversation's mood changes, made of some of its mood deltas.",
    args: { conversationId: t.arg.id({ required: true }), input: t.arg({ type: DeltaPatternInput, required: true }) },
    resolve: async (query, _root, { conversationId: conversationGlobalId, input }, context) => {
      // Sizes, ranges and the number of deltas were checked against the fields' constraints before the resolver ran.
      const data = { patternType: input.patternType, description: input.description, confidence: input.confidence, metadata: jsonInput(input.metadata) };
      const deltaIds = [...new Set(input.deltaIds.map((id, i) => decodeId(id, "MoodDelta", `input.deltaIds[${i}]`)))];
      const conversationId = await requireOwned(context, "Conversation", conversationGlobalId, "conversationId");
      const found = await context.db.moodDelta.findMany({
        where: { id: { in: deltaIds } },
        select: { id: true, conversationId: true },
      });
      const conversationOf = new Map(found.map((delta) => [delta.id, delta.conversationId]));
      input.deltaIds.forEach((globalId, i) => {
        const owner = conversationOf.get(decodeId(globalId, "MoodDelta"));
        if (owner === undefined) throw notFound("MoodDelta", globalId);
        if (owner !== conversationId) throw badInput(`input.deltaIds[${i}] must be a mood delta of this conversation`, `input.deltaIds[${i}]`);
      });
      return context.db.deltaPattern.create({
        ...query,
        data: { ...data, conversationId, members: { create: deltaIds.map((deltaId) => ({ deltaId })) } },
      });
    },
  }),
);
