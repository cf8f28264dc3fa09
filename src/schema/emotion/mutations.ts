// Recording seed 000's emotional analysis: the emotional context of a memory or message, mood scores
// (each with its delta from the participant's previous score), turning points, relationship dynamics
// and patterns over mood deltas.
import { builder } from "../../builder.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { FULLY_SIGNIFICANT, MOOD_SCORE_MAX, MOOD_SCORE_MIN, STABLE_BELOW, moodChange } from "./mood-change.ts";
import type { Context } from "../../context.ts";
import { ownedBy } from "../../auth/ownership.ts";
import { badInput, notFound } from "../../errors.ts";
import { decodeId, requireOwned } from "../ids.ts";
import { checkRange, checkText, jsonInput } from "../inputs.ts";
import { moodNeighbours } from "./sql.ts";
import { lockOwnConversation } from "../conversations/sql.ts";


const MAX_LIST = 200;

function checkList(list: readonly string[] | null | undefined, field: string): string[] | undefined {
  if (!list) return undefined;
  if (list.length > MAX_LIST) throw badInput(`${field} may hold at most ${MAX_LIST} items`, field);
  list.forEach((item, i) => checkText(item, `${field}[${i}]`, { maxLength: 200 }));
  return [...list];
}


/**
 * The message with this global id as a message of this conversation: NOT_FOUND when it is not the
 * viewer's, BAD_USER_INPUT when it belongs to another of the viewer's conversations.
 */
async function messageOfConversation(
  db: Pick<Context["prisma"], "message">,
  viewerId: string,
  conversationId: string,
  globalId: string,
  field: string,
): Promise<{ id: string; timestamp: Date }> {
  const id = decodeId(globalId, "Message", field);
  const message = await db.message.findFirst({ where: { id, ...ownedBy.message(viewerId) }, select: { id: true, conversationId: true, timestamp: true } });
  if (!message) throw notFound("Message", globalId);
  if (message.conversationId !== conversationId) throw badInput(`${field} must be a message of this conversation`, field);
  return message;
}

// ---------------------------------------------------------------------------------------------
// Emotional context: one per memory or message.

const EmotionalContextInput = builder.inputType("EmotionalContextInput", {
  description: "The emotional reading of a memory or a message. Setting it replaces the whole previous reading.",
  fields: (t) => ({
    mood: t.string({ required: true, description: "frustrated, hopeful, grateful, … (free text)" }),
    intensity: t.float({ description: "0 to 1." }),
    themes: t.stringList(),
    markers: t.stringList({ description: "The words or signals the mood was read from." }),
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
        mood: checkText(input.mood, "input.mood", { maxLength: 200 })!,
        intensity: checkRange(input.intensity, "input.intensity", 0, 1) ?? null,
        themes: checkList(input.themes, "input.themes") ?? [],
        markers: checkList(input.markers, "input.markers") ?? [],
      };
      const subject =
        memoryId != null
          ? { memoryId: await requireOwned(context, "Memory", memoryId, "memoryId") }
          : { messageId: await requireOwned(context, "Message", messageId!, "messageId") };
      return context.prisma.emotionalContext.upsert({
        ...query,
        where: subject,
        create: { ...subject, ...reading, metadata: jsonInput(input.metadata) },
        update: { ...reading, metadata: jsonInput(input.metadata ?? null) },
      });
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Mood scores and their deltas.

const MoodScoreInput = builder.inputType("MoodScoreInput", {
  fields: (t) => ({
    score: t.float({ required: true, description: `${MOOD_SCORE_MIN} (most negative) to ${MOOD_SCORE_MAX} (most positive); 0 is neutral.` }),
    participant: t.string({ description: "Whose mood; scores without a participant form their own series." }),
    messageId: t.id({ description: "The message of this conversation the score was read from." }),
    label: t.string({ description: "hopeful, frustrated, … (free text)" }),
    confidence: t.float({ description: "0 to 1." }),
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
      const score = checkRange(input.score, "input.score", MOOD_SCORE_MIN, MOOD_SCORE_MAX)!;
      const participant = checkText(input.participant, "input.participant", { maxLength: 200 }) ?? null;
      const fields = {
        label: checkText(input.label, "input.label", { maxLength: 200 }),
        confidence: checkRange(input.confidence, "input.confidence", 0, 1),
        factors: jsonInput(input.factors),
      };
      const viewerId = context.viewer.id;

      const scoreId = await retryingTransaction(context.prisma, async (tx) => {
        if (!(await lockOwnConversation(tx, viewerId, conversationId))) throw notFound("Conversation", conversationGlobalId);
        const message = input.messageId == null ? null : await messageOfConversation(tx, viewerId, conversationId, input.messageId, "input.messageId");
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
      return context.prisma.moodScore.findUniqueOrThrow({ ...query, where: { id: scoreId } });
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Turning points.

const TurningPointInput = builder.inputType("TurningPointInput", {
  fields: (t) => ({
    type: t.string({ required: true, description: "reconciliation, escalation, breakthrough, … (free text)" }),
    magnitude: t.float({ required: true, description: "How significant the moment is, 0 to 1." }),
    messageId: t.id({ description: "The message of this conversation where it happened." }),
    description: t.string(),
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
      const data = {
        type: checkText(input.type, "input.type", { maxLength: 100 })!,
        magnitude: checkRange(input.magnitude, "input.magnitude", 0, 1)!,
        description: checkText(input.description, "input.description", { maxLength: 10_000, allowEmpty: true }),
        metadata: jsonInput(input.metadata),
      };
      const conversationId = await requireOwned(context, "Conversation", conversationGlobalId, "conversationId");
      const message =
        input.messageId == null ? null : await messageOfConversation(context.prisma, context.viewer.id, conversationId, input.messageId, "input.messageId");
      return context.prisma.turningPoint.create({
        ...query,
        data: { ...data, conversationId, messageId: message?.id, occurredAt: input.occurredAt ?? message?.timestamp ?? new Date() },
      });
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Relationship dynamics.

const RelationshipDynamicsInput = builder.inputType("RelationshipDynamicsInput", {
  description: "Scores are 0 to 1.",
  fields: (t) => ({
    participants: t.stringList(),
    closeness: t.float(),
    tension: t.float(),
    support: t.float(),
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
        participants: checkList(input.participants, "input.participants"),
        closeness: checkRange(input.closeness, "input.closeness", 0, 1),
        tension: checkRange(input.tension, "input.tension", 0, 1),
        support: checkRange(input.support, "input.support", 0, 1),
        patterns: jsonInput(input.patterns),
        metadata: jsonInput(input.metadata),
      };
      const [ownConversationId, ownMemoryId] = await Promise.all([
        conversationId == null ? undefined : requireOwned(context, "Conversation", conversationId, "conversationId"),
        memoryId == null ? undefined : requireOwned(context, "Memory", memoryId, "memoryId"),
      ]);
      return context.prisma.relationshipDynamics.create({ ...query, data: { ...data, conversationId: ownConversationId, memoryId: ownMemoryId } });
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Delta patterns.

const MAX_PATTERN_DELTAS = 1000;

const DeltaPatternInput = builder.inputType("DeltaPatternInput", {
  fields: (t) => ({
    patternType: t.string({ required: true, description: "v_recovery, escalation, … (free text)" }),
    deltaIds: t.idList({ required: true, description: "The mood deltas of this conversation that make up the pattern (at least one)." }),
    description: t.string(),
    confidence: t.float({ description: "0 to 1." }),
    metadata: t.field({ type: "JSON" }),
  }),
});

builder.mutationField("recordDeltaPattern", (t) =>
  t.prismaField({
    type: "DeltaPattern",
    description: "Records a recurring shape in a conversation's mood changes, made of some of its mood deltas.",
    args: { conversationId: t.arg.id({ required: true }), input: t.arg({ type: DeltaPatternInput, required: true }) },
    resolve: async (query, _root, { conversationId: conversationGlobalId, input }, context) => {
      const data = {
        patternType: checkText(input.patternType, "input.patternType", { maxLength: 100 })!,
        description: checkText(input.description, "input.description", { maxLength: 10_000, allowEmpty: true }),
        confidence: checkRange(input.confidence, "input.confidence", 0, 1),
        metadata: jsonInput(input.metadata),
      };
      if (input.deltaIds.length === 0) throw badInput("input.deltaIds must name at least one mood delta", "input.deltaIds");
      if (input.deltaIds.length > MAX_PATTERN_DELTAS) throw badInput(`input.deltaIds may hold at most ${MAX_PATTERN_DELTAS} ids`, "input.deltaIds");
      const deltaIds = [...new Set(input.deltaIds.map((id, i) => decodeId(id, "MoodDelta", `input.deltaIds[${i}]`)))];
      const conversationId = await requireOwned(context, "Conversation", conversationGlobalId, "conversationId");
      const found = await context.prisma.moodDelta.findMany({
        where: { id: { in: deltaIds }, ...ownedBy.moodDelta(context.viewer.id) },
        select: { id: true, conversationId: true },
      });
      const conversationOf = new Map(found.map((delta) => [delta.id, delta.conversationId]));
      input.deltaIds.forEach((globalId, i) => {
        const owner = conversationOf.get(decodeId(globalId, "MoodDelta"));
        if (owner === undefined) throw notFound("MoodDelta", globalId);
        if (owner !== conversationId) throw badInput(`input.deltaIds[${i}] must be a mood delta of this conversation`, `input.deltaIds[${i}]`);
      });
      return context.prisma.deltaPattern.create({
        ...query,
        data: { ...data, conversationId, members: { create: deltaIds.map((deltaId) => ({ deltaId })) } },
      });
    },
  }),
);
