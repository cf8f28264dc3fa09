// Mood scores of a conversation's participants, each with its delta from the participant's previous score.
import { builder } from "../../builder.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { FULLY_SIGNIFICANT, MOOD_SCORE_MAX, MOOD_SCORE_MIN, STABLE_BELOW, moodChange } from "./mood-change.ts";
import { notFound } from "../../errors.ts";
import { decodeId } from "../ids.ts";
import { jsonInput } from "../inputs.ts";
import { range, text } from "../constraints.ts";
import { moodNeighbours } from "./sql.ts";
import { lockOwnConversation } from "../conversations/sql.ts";
import { messageOfConversation } from "./inputs.ts";

const MoodScoreInput = builder.inputType("MoodScoreInput", {
  fields: (t) => ({
    score: t.float({
      required: true,
      description: `${MOOD_SCORE_MIN} (most negative) to ${MOOD_SCORE_MAX} (most positive); 0 is neutral.`,
      validate: range(MOOD_SCORE_MIN, MOOD_SCORE_MAX),
    }),
    participant: t.string({ description: "Whose mood; scores without a participant form their own series.", validate: text({ maxLength: 200 }) }),
    messageId: t.id({ description: "The message of this conversation the score was read from." }),
    label: t.string({ description: "hopeful, frustrated, … (free text)", validate: text({ maxLength: 200 }) }),
    confidence: t.float({ description: "0 to 1.", validate: range(0, 1) }),
    factors: t.field({ type: "JSON", description: "What the score was computed from." }),
    measuredAt: t.field({ type: "DateTime", description: "Defaults to the message's timestamp when a message is given, otherwise now." }),
  }),
});

builder.mutationField("recordMoodScore", (t) =>
  t.prismaField({
    type: "MoodScore",
    description: [
      "Records a participant's mood in a conversation and, in the same transaction, its delta from that participant's",
      "previous score (the latest measured at or before this one). A score measured between two existing ones is",
      `inserted into the series: the later score's delta is recomputed from this one. Direction is STABLE below a change of ${STABLE_BELOW};`,
      `significance is the magnitude relative to ${FULLY_SIGNIFICANT}, at most 1.`,
    ].join(" "),
    args: { conversationId: t.arg.id({ required: true }), input: t.arg({ type: MoodScoreInput, required: true }) },
    resolve: async (query, _root, { conversationId: conversationGlobalId, input }, context) => {
      const conversationId = decodeId(conversationGlobalId, "Conversation", "conversationId");
      const score = input.score;
      const participant = input.participant ?? null;
      const fields = { label: input.label, confidence: input.confidence, factors: jsonInput(input.factors) };
      const viewerId = context.viewer.id;

      const scoreId = await retryingTransaction(context.db, async (tx) => {
        if (!(await lockOwnConversation(tx, viewerId, conversationId))) throw notFound("Conversation", conversationGlobalId);
        const message = input.messageId == null ? null : await messageOfConversation(tx, conversationId, input.messageId, "input.messageId");
        const measuredAt = input.measuredAt ?? message?.timestamp ?? new Date();
        const { previous, next } = await moodNeighbours(tx, viewerId, conversationId, participant, measuredAt);
        const created = await tx.moodScore.create({
          data: { conversationId, messageId: message?.id, participant, score, measuredAt, ...fields },
          select: { id: true },
        });
        if (previous) {
          await tx.moodDelta.create({ data: { conversationId, fromScoreId: previous.id, toScoreId: created.id, ...moodChange(previous.score, score) } });
        }
        if (next) {
          // A backfill: the later score now follows this one. Its delta keeps its id (and pattern memberships).
          const change = moodChange(score, next.score);
          await tx.moodDelta.upsert({
            where: { toScoreId: next.id },
            create: { conversationId, fromScoreId: created.id, toScoreId: next.id, ...change },
            update: { fromScoreId: created.id, ...change },
          });
        }
        return created.id;
      });
      return context.db.moodScore.findUniqueOrThrow({ ...query, where: { id: scoreId } });
    },
  }),
);
