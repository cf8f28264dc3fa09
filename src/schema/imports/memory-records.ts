// importMemoryRecords: a memory system's analysed records brought over in bulk — memories with their
// emotional context, relationship dynamics, validation (and its results), quality metrics and analysis
// runs; mood scores and turning points of a conversation; clusters and their members. Everything names
// its subjects by source id (externalId), so an importer needs no id lookups, and everything keeps its
// timestamps. One transaction per call (retried on a deadlock), deciding under locks; what is already
// there is counted and left as it is, so sending the same records again adds nothing, even twice at
// once (see docs/design/faithful-import.md).
import { builder } from "../../builder.ts";
import type { Context } from "../../context.ts";
import { badInput, notFound } from "../../errors.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { ownedQuery, owner, type ViewerTransaction } from "../../auth/viewer-client.ts";
import { AnalysisStatusEnum, ValidationSeverityEnum, ValidationStateEnum } from "../enums.ts";
import { MAX_LIST, checkList, checkRange, checkText, embedInput, jsonInput, unlessNull } from "../inputs.ts";
import { MOOD_SCORE_MAX, MOOD_SCORE_MIN, moodChange } from "../emotion/mood-change.ts";
import { lockOwnConversation } from "../conversations/sql.ts";
import { setMemoryEmbedding } from "../memory/sql.ts";
import { lockKeys, retryingTransaction } from "../../db/transaction.ts";

const MAX_MEMORIES = 500;
const MAX_SERIES_RECORDS = 5_000;
const MAX_CLUSTERS = 200;

const when = (description: string) => ({ type: "DateTime" as const, description });

const EmotionalContextImportInput = builder.inputType("EmotionalContextImportInput", {
  fields: (t) => ({
    mood: t.string({ required: true }),
    intensity: t.float({ description: "0 to 1." }),
    themes: t.stringList(),
    markers: t.stringList(),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("When it was recorded; defaults to now.")),
  }),
});

const RelationshipDynamicsImportInput = builder.inputType("RelationshipDynamicsImportInput", {
  fields: (t) => ({
    participants: t.stringList(),
    closeness: t.float({ description: "0 to 1." }),
    tension: t.float({ description: "0 to 1." }),
    support: t.float({ description: "0 to 1." }),
    patterns: t.field({ type: "JSON" }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const ValidationResultImportInput = builder.inputType("ValidationResultImportInput", {
  fields: (t) => ({
    rule: t.string({ required: true }),
    passed: t.boolean({ required: true }),
    severity: t.field({ type: ValidationSeverityEnum }),
    message: t.string(),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("When the rule was checked; defaults to now.")),
  }),
});

const ValidationImportInput = builder.inputType("ValidationImportInput", {
  fields: (t) => ({
    status: t.field({ type: ValidationStateEnum, required: true }),
    errors: t.field({ type: "JSON" }),
    resolvedAt: t.field({ type: "DateTime" }),
    resolvedBy: t.string(),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
    results: t.field({ type: [ValidationResultImportInput] }),
  }),
});

const QualityMetricsImportInput = builder.inputType("QualityMetricsImportInput", {
  fields: (t) => ({
    overall: t.float({ description: "0 to 1." }),
    completeness: t.float({ description: "0 to 1." }),
    accuracy: t.float({ description: "0 to 1." }),
    relevance: t.float({ description: "0 to 1." }),
    clarity: t.float({ description: "0 to 1." }),
    dimensions: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const AnalysisImportInput = builder.inputType("AnalysisImportInput", {
  fields: (t) => ({
    analyzer: t.string({ required: true }),
    version: t.string(),
    status: t.field({ type: AnalysisStatusEnum }),
    config: t.field({ type: "JSON" }),
    startedAt: t.field({ type: "DateTime" }),
    completedAt: t.field({ type: "DateTime" }),
    error: t.string(),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const MoodScoreKeyInput = builder.inputType("MoodScoreKeyInput", {
  fields: (t) => ({ participant: t.string(), measuredAt: t.field({ type: "DateTime", required: true }) }),
});

const MoodScoreImportInput = builder.inputType("MoodScoreImportInput", {
  description: "A mood score; one with the same participant, time and score as one the conversation holds is already there.",
  fields: (t) => ({
    score: t.float({ required: true, description: `${MOOD_SCORE_MIN} to ${MOOD_SCORE_MAX}; 0 is neutral.` }),
    measuredAt: t.field({ type: "DateTime", required: true }),
    participant: t.string(),
    messageExternalId: t.string({ description: "The message it was read from, by its externalId." }),
    label: t.string(),
    confidence: t.float({ description: "0 to 1." }),
    factors: t.field({ type: "JSON" }),
  }),
});

const TurningPointImportInput = builder.inputType("TurningPointImportInput", {
  description: "A turning point; one of the same type at the same time as one the conversation holds is already there.",
  fields: (t) => ({
    type: t.string({ required: true }),
    magnitude: t.float({ required: true, description: "0 to 1." }),
    occurredAt: t.field({ type: "DateTime", required: true }),
    messageExternalId: t.string(),
    description: t.string(),
    metadata: t.field({ type: "JSON" }),
  }),
});

const DeduplicationRecordImportInput = builder.inputType("DeduplicationRecordImportInput", {
  fields: (t) => ({
    mergedMemoryIds: t.stringList({ description: "The ids the merged memories had (kept as given)." }),
    strategy: t.string({ required: true }),
    conflicts: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const MessageEmotionalContextImportInput = builder.inputType("MessageEmotionalContextImportInput", {
  description: "A message's emotional context; a message that has one already keeps it.",
  fields: (t) => ({
    messageExternalId: t.string({ required: true }),
    mood: t.string({ required: true }),
    intensity: t.float({ description: "0 to 1." }),
    themes: t.stringList(),
    markers: t.stringList(),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const DeltaPatternImportInput = builder.inputType("DeltaPatternImportInput", {
  description: "A pattern over the conversation's mood deltas, each named by the score it leads to; one of the same type recorded at the same time is already there.",
  fields: (t) => ({
    patternType: t.string({ required: true }),
    description: t.string(),
    confidence: t.float({ description: "0 to 1." }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field({ type: "DateTime", required: true }),
    deltasTo: t.field({ type: [MoodScoreKeyInput], description: "The deltas, by the mood score each leads to." }),
  }),
});

const MemoryRecordImportInput = builder.inputType("MemoryRecordImportInput", {
  description: "A memory and what was recorded about it. A memory whose externalId you already hold is left as it is, with everything given here for it.",
  fields: (t) => ({
    externalId: t.string({ required: true, description: "The source system's id for the memory." }),
    content: t.string({ required: true }),
    summary: t.string(),
    kind: t.string({ description: "Default fact." }),
    importance: t.float({ description: "Any finite number (see createMemory)." }),
    confidence: t.float({ description: "0 to 1." }),
    participants: t.stringList(),
    tags: t.stringList(),
    sourceMessageExternalIds: t.stringList({ description: "The messages of the conversation it came from, by their externalId." }),
    accessCount: t.int(),
    lastAccessedAt: t.field({ type: "DateTime" }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("When it was first recorded; defaults to now.")),
    emotionalContext: t.field({ type: EmotionalContextImportInput }),
    relationshipDynamics: t.field({ type: [RelationshipDynamicsImportInput] }),
    validation: t.field({ type: ValidationImportInput }),
    qualityMetrics: t.field({ type: QualityMetricsImportInput }),
    analyses: t.field({ type: [AnalysisImportInput] }),
    moodScores: t.field({ type: [MoodScoreImportInput], description: "Mood scores read from this memory (in the conversation's series)." }),
    turningPoints: t.field({ type: [TurningPointImportInput], description: "Turning points found in this memory (in the conversation)." }),
    deduplicationRecords: t.field({ type: [DeduplicationRecordImportInput], description: "Merges this memory kept." }),
  }),
});

const ClusterMemberImportInput = builder.inputType("ClusterMemberImportInput", {
  fields: (t) => ({
    memoryExternalId: t.string({ required: true }),
    score: t.float({ description: "0 to 1." }),
    metadata: t.field({ type: "JSON" }),
    addedAt: t.field(when("Defaults to now.")),
  }),
});

const MemoryClusterImportInput = builder.inputType("MemoryClusterImportInput", {
  description: "A cluster, found by its name or created; members it already has are left as they are.",
  fields: (t) => ({
    name: t.string({ required: true }),
    themes: t.stringList(),
    description: t.string(),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
    members: t.field({ type: [ClusterMemberImportInput] }),
  }),
});

const MemoryRecordsImportInput = builder.inputType("MemoryRecordsImportInput", {
  fields: (t) => ({
    conversationExternalId: t.string({
      description:
        "Your conversation (by its externalId, e.g. as importConversation created it) that the memories belong to and whose messages the records name. " +
        "Required with mood scores, turning points or message references.",
    }),
    memories: t.field({ type: [MemoryRecordImportInput], description: `At most ${MAX_MEMORIES}.` }),
    moodScores: t.field({ type: [MoodScoreImportInput], description: `At most ${MAX_SERIES_RECORDS}.` }),
    turningPoints: t.field({ type: [TurningPointImportInput], description: `At most ${MAX_SERIES_RECORDS}.` }),
    clusters: t.field({ type: [MemoryClusterImportInput], description: `At most ${MAX_CLUSTERS}; members may name memories of this call or earlier ones.` }),
    messageEmotionalContexts: t.field({ type: [MessageEmotionalContextImportInput], description: `At most ${MAX_SERIES_RECORDS}.` }),
    relationshipDynamics: t.field({
      type: [RelationshipDynamicsImportInput],
      description: "The conversation's own (not a memory's); one recorded at the same time is already there.",
    }),
    analyses: t.field({ type: [AnalysisImportInput], description: "Analysis runs of the conversation; one of the same analyzer started at the same time is already there." }),
    deltaPatterns: t.field({ type: [DeltaPatternImportInput] }),
  }),
});

export type RecordsInput = typeof MemoryRecordsImportInput.$inferInput;

interface Count {
  stored: number;
  alreadyThere: number;
}
export const noRecords = (): RecordsResult => ({
  conversationRecords: { stored: 0, alreadyThere: 0 },
  memories: { stored: 0, alreadyThere: 0 },
  moodScores: { stored: 0, alreadyThere: 0 },
  turningPoints: { stored: 0, alreadyThere: 0 },
  clusters: { stored: 0, alreadyThere: 0 },
  clusterMembers: { stored: 0, alreadyThere: 0 },
});
export interface RecordsResult {
  conversationRecords: Count;
  memories: Count;
  moodScores: Count;
  turningPoints: Count;
  clusters: Count;
  clusterMembers: Count;
}

const ImportCount = builder.objectRef<Count>("ImportCount").implement({
  fields: (t) => ({
    stored: t.exposeInt("stored"),
    alreadyThere: t.exposeInt("alreadyThere", { description: "Left as they were: sent before." }),
  }),
});

export const MemoryRecordsImportPayload = builder.objectRef<RecordsResult>("MemoryRecordsImportPayload").implement({
  fields: (t) => ({
    memories: t.field({ type: ImportCount, resolve: (r) => r.memories, description: "Memories, each with what was recorded about it." }),
    moodScores: t.field({ type: ImportCount, resolve: (r) => r.moodScores }),
    turningPoints: t.field({ type: ImportCount, resolve: (r) => r.turningPoints }),
    clusters: t.field({ type: ImportCount, resolve: (r) => r.clusters }),
    clusterMembers: t.field({ type: ImportCount, resolve: (r) => r.clusterMembers }),
    conversationRecords: t.field({
      type: ImportCount,
      resolve: (r) => r.conversationRecords,
      description: "Messages' emotional contexts, the conversation's relationship dynamics, analyses and delta patterns.",
    }),
  }),
});

const list = <T>(items: readonly T[] | null | undefined, max: number, field: string): readonly T[] => checkList(items, field, { max }) ?? [];

function strings(items: readonly string[] | null | undefined, field: string): string[] {
  return list(items, MAX_LIST, field).map((item, i) => checkText(item, `${field}[${i}]`, { maxLength: 1_000 })!);
}

type MoodScoreIn = typeof MoodScoreImportInput.$inferInput;
type TurningPointIn = typeof TurningPointImportInput.$inferInput;

function moodScoreRows(items: readonly MoodScoreIn[] | null | undefined, field: string) {
  return list(items, MAX_SERIES_RECORDS, field).map((s, i) => {
    const f = `${field}[${i}]`;
    return {
      messageExternalId: checkText(s.messageExternalId, `${f}.messageExternalId`, { maxLength: 500 }),
      row: {
        score: checkRange(s.score, `${f}.score`, MOOD_SCORE_MIN, MOOD_SCORE_MAX)!,
        measuredAt: s.measuredAt,
        participant: checkText(s.participant, `${f}.participant`, { maxLength: 200 }) ?? null,
        label: checkText(s.label, `${f}.label`, { maxLength: 200 }),
        confidence: checkRange(s.confidence, `${f}.confidence`, 0, 1),
        factors: jsonInput(s.factors),
      },
    };
  });
}

function turningPointRows(items: readonly TurningPointIn[] | null | undefined, field: string) {
  return list(items, MAX_SERIES_RECORDS, field).map((p, i) => {
    const f = `${field}[${i}]`;
    return {
      messageExternalId: checkText(p.messageExternalId, `${f}.messageExternalId`, { maxLength: 500 }),
      row: {
        type: checkText(p.type, `${f}.type`, { maxLength: 200 })!,
        magnitude: checkRange(p.magnitude, `${f}.magnitude`, 0, 1)!,
        occurredAt: p.occurredAt,
        description: checkText(p.description, `${f}.description`, { maxLength: 10_000, allowEmpty: true }),
        metadata: jsonInput(p.metadata),
      },
    };
  });
}

function unique(values: readonly string[], field: string) {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) throw badInput(`${field}[${i}] repeats "${value}"`, `${field}[${i}]`);
    seen.add(value);
  });
}

/** Every check on the whole input, before anything is read or written: a bad record stores nothing. */
export function prepareRecords(input: RecordsInput) {
  const memories = list(input.memories, MAX_MEMORIES, "input.memories").map((m, i) => {
    const f = `input.memories[${i}]`;
    const ec = m.emotionalContext;
    const v = m.validation;
    const q = m.qualityMetrics;
    return {
      externalId: checkText(m.externalId, `${f}.externalId`, { maxLength: 500 })!,
      sourceMessageExternalIds: strings(m.sourceMessageExternalIds, `${f}.sourceMessageExternalIds`),
      row: {
        content: checkText(m.content, `${f}.content`, { maxLength: 100_000 })!,
        summary: checkText(m.summary, `${f}.summary`, { maxLength: 10_000, allowEmpty: true }),
        kind: unlessNull(checkText(m.kind, `${f}.kind`, { maxLength: 100 })),
        importance: unlessNull(checkRange(m.importance, `${f}.importance`, -Number.MAX_VALUE, Number.MAX_VALUE)),
        confidence: checkRange(m.confidence, `${f}.confidence`, 0, 1),
        participants: strings(m.participants, `${f}.participants`),
        tags: strings(m.tags, `${f}.tags`),
        accessCount: unlessNull(checkRange(m.accessCount, `${f}.accessCount`, 0, 2_147_483_647)),
        lastAccessedAt: m.lastAccessedAt,
        metadata: jsonInput(m.metadata),
        createdAt: unlessNull(m.createdAt),
      },
      emotionalContext: ec && {
        mood: checkText(ec.mood, `${f}.emotionalContext.mood`, { maxLength: 200 })!,
        intensity: checkRange(ec.intensity, `${f}.emotionalContext.intensity`, 0, 1),
        themes: strings(ec.themes, `${f}.emotionalContext.themes`),
        markers: strings(ec.markers, `${f}.emotionalContext.markers`),
        metadata: jsonInput(ec.metadata),
        createdAt: unlessNull(ec.createdAt),
      },
      relationshipDynamics: list(m.relationshipDynamics, 20, `${f}.relationshipDynamics`).map((d, j) => ({
        participants: strings(d.participants, `${f}.relationshipDynamics[${j}].participants`),
        closeness: checkRange(d.closeness, `${f}.relationshipDynamics[${j}].closeness`, 0, 1),
        tension: checkRange(d.tension, `${f}.relationshipDynamics[${j}].tension`, 0, 1),
        support: checkRange(d.support, `${f}.relationshipDynamics[${j}].support`, 0, 1),
        patterns: jsonInput(d.patterns),
        metadata: jsonInput(d.metadata),
        createdAt: unlessNull(d.createdAt),
      })),
      validation: v && {
        row: {
          status: v.status,
          errors: jsonInput(v.errors),
          resolvedAt: v.resolvedAt,
          resolvedBy: checkText(v.resolvedBy, `${f}.validation.resolvedBy`, { maxLength: 500 }),
          metadata: jsonInput(v.metadata),
          createdAt: unlessNull(v.createdAt),
        },
        results: list(v.results, MAX_LIST, `${f}.validation.results`).map((r, j) => ({
          rule: checkText(r.rule, `${f}.validation.results[${j}].rule`, { maxLength: 200 })!,
          passed: r.passed,
          severity: r.severity ?? undefined,
          message: checkText(r.message, `${f}.validation.results[${j}].message`, { maxLength: 10_000, allowEmpty: true }),
          metadata: jsonInput(r.metadata),
          createdAt: unlessNull(r.createdAt),
        })),
      },
      qualityMetrics: q && {
        overall: checkRange(q.overall, `${f}.qualityMetrics.overall`, 0, 1),
        completeness: checkRange(q.completeness, `${f}.qualityMetrics.completeness`, 0, 1),
        accuracy: checkRange(q.accuracy, `${f}.qualityMetrics.accuracy`, 0, 1),
        relevance: checkRange(q.relevance, `${f}.qualityMetrics.relevance`, 0, 1),
        clarity: checkRange(q.clarity, `${f}.qualityMetrics.clarity`, 0, 1),
        dimensions: jsonInput(q.dimensions),
        createdAt: unlessNull(q.createdAt),
      },
      analyses: list(m.analyses, 20, `${f}.analyses`).map((a, j) => ({
        analyzer: checkText(a.analyzer, `${f}.analyses[${j}].analyzer`, { maxLength: 200 })!,
        version: checkText(a.version, `${f}.analyses[${j}].version`, { maxLength: 100 }),
        status: a.status ?? undefined,
        config: jsonInput(a.config),
        startedAt: a.startedAt,
        completedAt: a.completedAt,
        error: checkText(a.error, `${f}.analyses[${j}].error`, { maxLength: 10_000, allowEmpty: true }),
        createdAt: unlessNull(a.createdAt),
      })),
      deduplicationRecords: list(m.deduplicationRecords, 50, `${f}.deduplicationRecords`).map((d, j) => ({
        mergedMemoryIds: strings(d.mergedMemoryIds, `${f}.deduplicationRecords[${j}].mergedMemoryIds`),
        strategy: checkText(d.strategy, `${f}.deduplicationRecords[${j}].strategy`, { maxLength: 200 })!,
        conflicts: jsonInput(d.conflicts),
        createdAt: unlessNull(d.createdAt),
      })),
      moodScores: moodScoreRows(m.moodScores, `${f}.moodScores`),
      turningPoints: turningPointRows(m.turningPoints, `${f}.turningPoints`),
    };
  });
  unique(memories.map((m) => m.externalId), "input.memories.externalId");
  const moodScores = moodScoreRows(input.moodScores, "input.moodScores");
  const turningPoints = turningPointRows(input.turningPoints, "input.turningPoints");
  const clusters = list(input.clusters, MAX_CLUSTERS, "input.clusters").map((c, i) => {
    const f = `input.clusters[${i}]`;
    return {
      row: {
        name: checkText(c.name, `${f}.name`, { maxLength: 500 })!,
        themes: strings(c.themes, `${f}.themes`),
        description: checkText(c.description, `${f}.description`, { maxLength: 10_000, allowEmpty: true }),
        metadata: jsonInput(c.metadata),
        createdAt: unlessNull(c.createdAt),
      },
      members: list(c.members, 5_000, `${f}.members`).map((m, j) => ({
        memoryExternalId: checkText(m.memoryExternalId, `${f}.members[${j}].memoryExternalId`, { maxLength: 500 })!,
        score: checkRange(m.score, `${f}.members[${j}].score`, 0, 1),
        metadata: jsonInput(m.metadata),
        addedAt: unlessNull(m.addedAt),
      })),
    };
  });
  unique(clusters.map((c) => c.row.name), "input.clusters.name");
  const messageContexts = list(input.messageEmotionalContexts, MAX_SERIES_RECORDS, "input.messageEmotionalContexts").map((c, i) => {
    const f = `input.messageEmotionalContexts[${i}]`;
    return {
      messageExternalId: checkText(c.messageExternalId, `${f}.messageExternalId`, { maxLength: 500 })!,
      row: {
        mood: checkText(c.mood, `${f}.mood`, { maxLength: 200 })!,
        intensity: checkRange(c.intensity, `${f}.intensity`, 0, 1),
        themes: strings(c.themes, `${f}.themes`),
        markers: strings(c.markers, `${f}.markers`),
        metadata: jsonInput(c.metadata),
        createdAt: unlessNull(c.createdAt),
      },
    };
  });
  unique(messageContexts.map((c) => c.messageExternalId), "input.messageEmotionalContexts.messageExternalId");
  const conversationDynamics = list(input.relationshipDynamics, MAX_LIST, "input.relationshipDynamics").map((d, j) => ({
    participants: strings(d.participants, `input.relationshipDynamics[${j}].participants`),
    closeness: checkRange(d.closeness, `input.relationshipDynamics[${j}].closeness`, 0, 1),
    tension: checkRange(d.tension, `input.relationshipDynamics[${j}].tension`, 0, 1),
    support: checkRange(d.support, `input.relationshipDynamics[${j}].support`, 0, 1),
    patterns: jsonInput(d.patterns),
    metadata: jsonInput(d.metadata),
    createdAt: d.createdAt ?? new Date(),
  }));
  const conversationAnalyses = list(input.analyses, MAX_LIST, "input.analyses").map((a, j) => ({
    analyzer: checkText(a.analyzer, `input.analyses[${j}].analyzer`, { maxLength: 200 })!,
    version: checkText(a.version, `input.analyses[${j}].version`, { maxLength: 100 }),
    status: a.status ?? undefined,
    config: jsonInput(a.config),
    startedAt: a.startedAt,
    completedAt: a.completedAt,
    error: checkText(a.error, `input.analyses[${j}].error`, { maxLength: 10_000, allowEmpty: true }),
    createdAt: a.createdAt ?? new Date(),
  }));
  const deltaPatterns = list(input.deltaPatterns, MAX_LIST, "input.deltaPatterns").map((p, j) => ({
    deltasTo: list(p.deltasTo, 1_000, `input.deltaPatterns[${j}].deltasTo`).map((k) => ({ participant: k.participant ?? null, measuredAt: k.measuredAt })),
    row: {
      patternType: checkText(p.patternType, `input.deltaPatterns[${j}].patternType`, { maxLength: 200 })!,
      description: checkText(p.description, `input.deltaPatterns[${j}].description`, { maxLength: 10_000, allowEmpty: true }),
      confidence: checkRange(p.confidence, `input.deltaPatterns[${j}].confidence`, 0, 1),
      metadata: jsonInput(p.metadata),
      createdAt: p.createdAt,
    },
  }));
  const conversationExternalId = checkText(input.conversationExternalId, "input.conversationExternalId", { maxLength: 500 });
  const namesMessages =
    memories.some((m) => m.sourceMessageExternalIds.length || m.moodScores.length || m.turningPoints.length) ||
    moodScores.some((s) => s.messageExternalId) ||
    turningPoints.some((p) => p.messageExternalId);
  const conversational = messageContexts.length || conversationDynamics.length || conversationAnalyses.length || deltaPatterns.length;
  if (!conversationExternalId && (moodScores.length || turningPoints.length || namesMessages || conversational)) {
    throw badInput(
      "input.conversationExternalId is required with mood scores, turning points, message references and the conversation's own records",
      "input.conversationExternalId",
    );
  }
  return { conversationExternalId, memories, moodScores, turningPoints, clusters, messageContexts, conversationDynamics, conversationAnalyses, deltaPatterns };
}

export type Prepared = ReturnType<typeof prepareRecords>;

/** The message ids of these externalIds in the conversation; BAD_USER_INPUT naming the first it does not hold. */
async function messagesByExternalId(tx: ViewerTransaction, conversationId: string | null, externalIds: Set<string>) {
  if (!externalIds.size || !conversationId) return new Map<string, string>();
  const rows = await tx.message.findMany({ where: { conversationId, externalId: { in: [...externalIds] } }, select: { id: true, externalId: true } });
  const ids = new Map(rows.map((row) => [row.externalId!, row.id]));
  for (const externalId of externalIds) {
    if (!ids.has(externalId)) throw badInput(`the conversation holds no message with externalId "${externalId}"`, "input");
  }
  return ids;
}

/** Re-links each affected series' deltas so every score follows its predecessor (as recordMoodScore does one at a time). */
async function relinkDeltas(tx: ViewerTransaction, conversationId: string, participants: Set<string | null>) {
  for (const participant of participants) {
    const series = await tx.moodScore.findMany({
      where: { conversationId, participant },
      orderBy: [{ measuredAt: "asc" }, { id: "asc" }],
      select: { id: true, score: true, deltaTo: { select: { fromScoreId: true } } },
    });
    for (let i = 1; i < series.length; i++) {
      const [from, to] = [series[i - 1], series[i]];
      if (to.deltaTo?.fromScoreId === from.id) continue;
      const change = moodChange(from.score, to.score);
      await tx.moodDelta.upsert({
        where: { toScoreId: to.id },
        create: { conversationId, fromScoreId: from.id, toScoreId: to.id, ...change },
        update: { fromScoreId: from.id, ...change },
      });
    }
  }
}

/** A conversation's own records: each skipped when the conversation already holds it (see the input's descriptions). */
async function importConversationRecords(tx: ViewerTransaction, conversationId: string, data: Prepared, messageIds: Map<string, string>, count: Count) {
  const stored = (n: number, of: number) => {
    count.stored += n;
    count.alreadyThere += of - n;
  };
  if (data.messageContexts.length) {
    const { count: n } = await tx.emotionalContext.createMany({
      data: data.messageContexts.map((c) => ({ ...c.row, messageId: messageIds.get(c.messageExternalId)! })),
      skipDuplicates: true,
    });
    stored(n, data.messageContexts.length);
  }
  const at = (d: Date) => d.getTime();
  if (data.conversationDynamics.length) {
    const held = new Set(
      (await tx.relationshipDynamics.findMany({ where: { conversationId, memoryId: null }, select: { createdAt: true } })).map((d) => at(d.createdAt)),
    );
    const fresh = data.conversationDynamics.filter((d) => !held.has(at(d.createdAt)));
    if (fresh.length) await tx.relationshipDynamics.createMany({ data: fresh.map((d) => ({ ...d, conversationId })) });
    stored(fresh.length, data.conversationDynamics.length);
  }
  if (data.conversationAnalyses.length) {
    const held = new Set(
      (await tx.analysisMetadata.findMany({ where: { conversationId, memoryId: null }, select: { analyzer: true, createdAt: true } })).map((a) => `${a.analyzer}\u0000${at(a.createdAt)}`),
    );
    const fresh = data.conversationAnalyses.filter((a) => !held.has(`${a.analyzer}\u0000${at(a.createdAt)}`));
    if (fresh.length) await tx.analysisMetadata.createMany({ data: fresh.map((a) => ({ ...a, conversationId })) });
    stored(fresh.length, data.conversationAnalyses.length);
  }
  if (data.deltaPatterns.length) {
    const held = new Set(
      (await tx.deltaPattern.findMany({ where: { conversationId }, select: { patternType: true, createdAt: true } })).map((p) => `${p.patternType}\u0000${at(p.createdAt)}`),
    );
    const deltas = await tx.moodDelta.findMany({ where: { conversationId }, select: { id: true, toScore: { select: { participant: true, measuredAt: true } } } });
    const deltaOf = new Map(deltas.map((d) => [`${d.toScore.participant ?? ""}\u0000${at(d.toScore.measuredAt)}`, d.id]));
    let n = 0;
    for (const [i, p] of data.deltaPatterns.entries()) {
      if (held.has(`${p.row.patternType}\u0000${at(p.row.createdAt)}`)) continue;
      const ids = p.deltasTo.map((k, j) => {
        const id = deltaOf.get(`${k.participant ?? ""}\u0000${at(k.measuredAt)}`);
        if (!id) throw badInput(`input.deltaPatterns[${i}].deltasTo[${j}]: the conversation has no mood delta to a score of that participant at that time`, `input.deltaPatterns[${i}].deltasTo[${j}]`);
        return id;
      });
      await tx.deltaPattern.create({ data: { ...p.row, conversationId, members: { createMany: { data: [...new Set(ids)].map((deltaId) => ({ deltaId })) } } } });
      n++;
    }
    stored(n, data.deltaPatterns.length);
  }
}

/** The transaction advisory locks an import of these records takes (see importRecordsIn): its memories' and cluster members' source ids, its cluster names. */
export function recordLockKeys(viewerId: string, batches: readonly Prepared[]): string[] {
  return batches.flatMap((data) => [
    ...data.memories.map((m) => `memory:${viewerId}:${m.externalId}`),
    ...data.clusters.flatMap((c) => [`cluster:${viewerId}:${c.row.name}`, ...c.members.map((m) => `memory:${viewerId}:${m.memoryExternalId}`)]),
  ]);
}

/**
 * Vectors for the memories of these batches the viewer does not hold yet, computed before the
 * transaction (the embedder may be a remote call): one batch for all of them.
 */
export async function embedNewMemories(context: Context, batches: readonly Prepared[]): Promise<Map<string, number[]>> {
  const memories = batches.flatMap((data) => data.memories);
  if (!memories.length) return new Map();
  const held = new Set(
    (
      await context.db.memory.findMany({ where: { externalId: { in: memories.map((m) => m.externalId) } }, select: { externalId: true } })
    ).map((m) => m.externalId),
  );
  const fresh = memories.filter((m) => !held.has(m.externalId));
  const vectors = await embedContents(context, fresh.map((m) => m.row.content));
  return new Map(fresh.map((m, i) => [m.externalId, vectors[i]]));
}

const embedContents = (context: Context, contents: string[]) => embedInput(context.embedder, contents, "input.memories");


/**
 * Inside the caller's transaction, after it took recordLockKeys: stores what the viewer does not hold
 * yet. Everything it decides on is read here, under those locks and the conversation's row lock, so
 * two imports of the same records at once store each once (the second finds what the first stored).
 */
export async function importRecordsIn(tx: ViewerTransaction, context: Context, data: Prepared, vectorOf: Map<string, number[]>): Promise<RecordsResult> {
  const viewerId = context.viewer.id;
  const result = noRecords();
  const held = new Set(
    (
      await tx.memory.findMany({ where: { externalId: { in: data.memories.map((m) => m.externalId) } }, select: { externalId: true } })
    ).map((m) => m.externalId),
  );
  const fresh = data.memories.filter((m) => !held.has(m.externalId));
  // A memory deleted for good since the vectors were computed is new again: embedded here (rare).
  const unembedded = fresh.filter((m) => !vectorOf.has(m.externalId));
  const late = await embedContents(context, unembedded.map((m) => m.row.content));
  unembedded.forEach((m, i) => vectorOf.set(m.externalId, late[i]));
  let conversationId: string | null = null;
  if (data.conversationExternalId) {
    const conversation = await tx.conversation.findFirst({
      where: { externalId: data.conversationExternalId },
      select: { id: true },
    });
    if (!conversation) throw notFound("Conversation", data.conversationExternalId);
    conversationId = conversation.id;
    // What the conversation holds decides what is stored (mood series re-linked, turning points and its own
    // records matched): one import at a time per conversation, like recordMoodScore.
    if (!(await lockOwnConversation(tx, viewerId, conversationId))) throw notFound("Conversation", data.conversationExternalId);
  }
  const messageIds = await messagesByExternalId(
    tx,
    conversationId,
    new Set([
      ...data.memories.flatMap((m) => [
        ...m.sourceMessageExternalIds,
        ...[...m.moodScores, ...m.turningPoints].flatMap((r) => (r.messageExternalId ? [r.messageExternalId] : [])),
      ]),
      ...data.moodScores.flatMap((s) => (s.messageExternalId ? [s.messageExternalId] : [])),
      ...data.turningPoints.flatMap((p) => (p.messageExternalId ? [p.messageExternalId] : [])),
      ...data.messageContexts.map((c) => c.messageExternalId),
    ]),
  );

  // Memories, and everything recorded about each new one.
  result.memories.alreadyThere = data.memories.length - fresh.length;
  const created = fresh.length
    ? await tx.memory.createManyAndReturn({
        data: fresh.map((m) => ({
          ...m.row,
          externalId: m.externalId,
          userId: viewerId,
          conversationId: conversationId ?? undefined,
          sourceMessageIds: m.sourceMessageExternalIds.map((x) => messageIds.get(x)!),
        })),
        select: { id: true },
      })
    : [];
  result.memories.stored = created.length;
  const contexts: Prisma.EmotionalContextCreateManyInput[] = [];
  const dynamics: Prisma.RelationshipDynamicsCreateManyInput[] = [];
  const quality: Prisma.QualityMetricsCreateManyInput[] = [];
  const analyses: Prisma.AnalysisMetadataCreateManyInput[] = [];
  const memoryScores = fresh.flatMap((m) => m.moodScores);
  const memoryPoints = fresh.flatMap((m) => m.turningPoints);
  for (const [i, { id }] of created.entries()) {
    const m = fresh[i];
    await setMemoryEmbedding(tx, viewerId, id, vectorOf.get(m.externalId)!, context.embedder.model);
    if (m.emotionalContext) contexts.push({ ...m.emotionalContext, memoryId: id });
    for (const d of m.relationshipDynamics) dynamics.push({ ...d, memoryId: id, conversationId });
    if (m.qualityMetrics) quality.push({ ...m.qualityMetrics, memoryId: id });
    for (const a of m.analyses) analyses.push({ ...a, memoryId: id });
    if (m.deduplicationRecords.length) await tx.deduplicationRecord.createMany({ data: m.deduplicationRecords.map((d) => ({ ...d, memoryId: id })) });
    if (m.validation) {
      await tx.validationStatus.create({ data: { ...m.validation.row, memoryId: id, results: { createMany: { data: m.validation.results } } } });
    }
  }
  if (contexts.length) await tx.emotionalContext.createMany({ data: contexts });
  if (dynamics.length) await tx.relationshipDynamics.createMany({ data: dynamics });
  if (quality.length) await tx.qualityMetrics.createMany({ data: quality });
  if (analyses.length) await tx.analysisMetadata.createMany({ data: analyses });
  const onMessage = (r: { messageExternalId?: string | null }) => (r.messageExternalId ? messageIds.get(r.messageExternalId) : undefined);
  if (conversationId && memoryScores.length) {
    await tx.moodScore.createMany({ data: memoryScores.map((s) => ({ ...s.row, conversationId: conversationId!, messageId: onMessage(s) })) });
  }
  if (conversationId && memoryPoints.length) {
    await tx.turningPoint.createMany({ data: memoryPoints.map((p) => ({ ...p.row, conversationId: conversationId!, messageId: onMessage(p) })) });
  }
  result.moodScores.stored += memoryScores.length;
  result.turningPoints.stored += memoryPoints.length;
  result.moodScores.alreadyThere += data.memories.filter((m) => held.has(m.externalId)).reduce((n, m) => n + m.moodScores.length, 0);
  result.turningPoints.alreadyThere += data.memories.filter((m) => held.has(m.externalId)).reduce((n, m) => n + m.turningPoints.length, 0);

  // Mood scores: the same participant, time and score is the same score.
  if (conversationId && data.moodScores.length) {
    const existing = await tx.moodScore.findMany({
      where: { conversationId, measuredAt: { in: data.moodScores.map((s) => s.row.measuredAt) } },
      select: { participant: true, measuredAt: true, score: true },
    });
    const key = (s: { participant: string | null; measuredAt: Date; score: number }) => `${s.participant ?? ""}\u0000${s.measuredAt.getTime()}\u0000${s.score}`;
    const seen = new Set(existing.map(key));
    const toStore = data.moodScores.filter((s) => !seen.has(key(s.row)) && (seen.add(key(s.row)), true));
    result.moodScores.stored += toStore.length;
    result.moodScores.alreadyThere += data.moodScores.length - toStore.length;
    if (toStore.length) {
      await tx.moodScore.createMany({ data: toStore.map((s) => ({ ...s.row, conversationId: conversationId!, messageId: onMessage(s) })) });
    }
    memoryScores.push(...toStore);
  }
  if (conversationId && memoryScores.length) await relinkDeltas(tx, conversationId, new Set(memoryScores.map((s) => s.row.participant)));

  // Turning points: the same type at the same time is the same moment.
  if (conversationId && data.turningPoints.length) {
    const existing = await tx.turningPoint.findMany({
      where: { conversationId, occurredAt: { in: data.turningPoints.map((p) => p.row.occurredAt) } },
      select: { type: true, occurredAt: true },
    });
    const key = (p: { type: string; occurredAt: Date }) => `${p.type}\u0000${p.occurredAt.getTime()}`;
    const seen = new Set(existing.map(key));
    const toStore = data.turningPoints.filter((p) => !seen.has(key(p.row)) && (seen.add(key(p.row)), true));
    result.turningPoints.stored += toStore.length;
    result.turningPoints.alreadyThere += data.turningPoints.length - toStore.length;
    if (toStore.length) {
      await tx.turningPoint.createMany({ data: toStore.map((p) => ({ ...p.row, conversationId: conversationId!, messageId: onMessage(p) })) });
    }
  }

  if (conversationId) await importConversationRecords(tx, conversationId, data, messageIds, result.conversationRecords);

  // Clusters by name, members by their memory's externalId (of this call or an earlier one). The
  // members are locked FOR SHARE and the clusters found FOR SHARE, as addToCluster does: a merge or a
  // deletion waits, so no membership is left on a memory merged away meanwhile.
  if (data.clusters.length) {
    const memberIds = [...new Set(data.clusters.flatMap((c) => c.members.map((m) => m.memoryExternalId)))];
    const memories = memberIds.length
      ? await ownedQuery(tx, viewerId)<{ id: string; external_id: string; deleted: boolean }>`
          SELECT id, external_id, deleted_at IS NOT NULL AS deleted FROM memories
           WHERE ${owner()} AND external_id = ANY(${memberIds}::text[]) ORDER BY id FOR SHARE`
      : [];
    const memoryOf = new Map(memories.map((m) => [m.external_id, m]));
    const missing = memberIds.find((x) => !memoryOf.has(x));
    if (missing) throw badInput(`you hold no memory with externalId "${missing}"`, "input.clusters");
    const names = data.clusters.map((c) => c.row.name);
    const existing = new Map(
      (
        await ownedQuery(tx, viewerId)<{ id: string; name: string }>`
          SELECT id, name FROM memory_clusters WHERE ${owner()} AND name = ANY(${names}::text[]) ORDER BY id FOR SHARE`
      ).map((c) => [c.name, c.id]),
    );
    for (const c of data.clusters) {
      let clusterId = existing.get(c.row.name);
      if (clusterId) result.clusters.alreadyThere++;
      else {
        clusterId = (await tx.memoryCluster.create({ data: { ...c.row, userId: viewerId }, select: { id: true } })).id;
        result.clusters.stored++;
      }
      // A member merged into another or deleted since an earlier import keeps its cluster through the kept memory.
      const live = c.members.filter((m) => !memoryOf.get(m.memoryExternalId)!.deleted);
      const { count } = live.length
        ? await tx.clusterMembership.createMany({
            data: live.map((m) => ({ clusterId, memoryId: memoryOf.get(m.memoryExternalId)!.id, score: m.score, metadata: m.metadata, addedAt: m.addedAt })),
            skipDuplicates: true,
          })
        : { count: 0 };
      result.clusterMembers.stored += count;
      result.clusterMembers.alreadyThere += c.members.length - count;
    }
  }
  return result;
}

async function importRecords(context: Context, input: RecordsInput): Promise<RecordsResult> {
  const data = prepareRecords(input);
  const vectors = await embedNewMemories(context, [data]);
  return retryingTransaction(
    context.db,
    async (tx) => {
      await lockKeys(tx, recordLockKeys(context.viewer.id, [data]));
      return importRecordsIn(tx, context, data, new Map(vectors));
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}

builder.mutationField("importMemoryRecords", (t) =>
  t.field({
    type: MemoryRecordsImportPayload,
    description:
      "Imports a memory system's records in one transaction, each with its own timestamps: memories with their emotional context, relationship dynamics, " +
      "validation, quality metrics and analysis runs; a conversation's mood scores (deltas follow, as with recordMoodScore) and turning points; " +
      "clusters with their members. Records name memories and messages by their externalId. What you already hold is counted in alreadyThere " +
      "and left as it is, so sending the same records again adds nothing. A bad record stores nothing (BAD_USER_INPUT).",
    args: { input: t.arg({ type: MemoryRecordsImportInput, required: true }) },
    resolve: (_root, { input }, context) => importRecords(context, input),
  }),
);
