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
import { MAX_LIST, embedInput, jsonInput, unlessNull } from "../inputs.ts";
import { list, range, text } from "../constraints.ts";
import { MOOD_SCORE_MAX, MOOD_SCORE_MIN, moodChange } from "../emotion/mood-change.ts";
import { lockOwnConversation } from "../conversations/sql.ts";
import { setMemoryEmbedding } from "../memory/sql.ts";
import { lockKeys, retryingTransaction } from "../../db/transaction.ts";

const MAX_MEMORIES = 500;
const MAX_SERIES_RECORDS = 5_000;
const MAX_CLUSTERS = 200;

const when = (description: string) => ({ type: "DateTime" as const, description });
/** The constraints shared by many fields here. */
const unit = () => range(0, 1);
const sourceId = () => text({ maxLength: 500 });
const label = () => text({ maxLength: 200 });
const prose = () => text({ maxLength: 10_000, allowEmpty: true });
/** A list of names: at most MAX_LIST, each a non-empty text of at most 1,000 characters. */
const names = () => list(MAX_LIST, text({ maxLength: 1_000 }));

const EmotionalContextImportInput = builder.inputType("EmotionalContextImportInput", {
  fields: (t) => ({
    mood: t.string({ required: true, validate: label() }),
    intensity: t.float({ description: "0 to 1.", validate: unit() }),
    themes: t.stringList({ validate: names() }),
    markers: t.stringList({ validate: names() }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("When it was recorded; defaults to now.")),
  }),
});

const RelationshipDynamicsImportInput = builder.inputType("RelationshipDynamicsImportInput", {
  fields: (t) => ({
    participants: t.stringList({ validate: names() }),
    closeness: t.float({ description: "0 to 1.", validate: unit() }),
    tension: t.float({ description: "0 to 1.", validate: unit() }),
    support: t.float({ description: "0 to 1.", validate: unit() }),
    patterns: t.field({ type: "JSON" }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const ValidationResultImportInput = builder.inputType("ValidationResultImportInput", {
  fields: (t) => ({
    rule: t.string({ required: true, validate: label() }),
    passed: t.boolean({ required: true }),
    severity: t.field({ type: ValidationSeverityEnum }),
    message: t.string({ validate: prose() }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("When the rule was checked; defaults to now.")),
  }),
});

const ValidationImportInput = builder.inputType("ValidationImportInput", {
  fields: (t) => ({
    status: t.field({ type: ValidationStateEnum, required: true }),
    errors: t.field({ type: "JSON" }),
    resolvedAt: t.field({ type: "DateTime" }),
    resolvedBy: t.string({ validate: sourceId() }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
    results: t.field({ type: [ValidationResultImportInput], validate: list(MAX_LIST) }),
  }),
});

const QualityMetricsImportInput = builder.inputType("QualityMetricsImportInput", {
  fields: (t) => ({
    overall: t.float({ description: "0 to 1.", validate: unit() }),
    completeness: t.float({ description: "0 to 1.", validate: unit() }),
    accuracy: t.float({ description: "0 to 1.", validate: unit() }),
    relevance: t.float({ description: "0 to 1.", validate: unit() }),
    clarity: t.float({ description: "0 to 1.", validate: unit() }),
    dimensions: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const AnalysisImportInput = builder.inputType("AnalysisImportInput", {
  fields: (t) => ({
    analyzer: t.string({ required: true, validate: label() }),
    version: t.string({ validate: text({ maxLength: 100 }) }),
    status: t.field({ type: AnalysisStatusEnum }),
    config: t.field({ type: "JSON" }),
    startedAt: t.field({ type: "DateTime" }),
    completedAt: t.field({ type: "DateTime" }),
    error: t.string({ validate: prose() }),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const MoodScoreKeyInput = builder.inputType("MoodScoreKeyInput", {
  fields: (t) => ({ participant: t.string(), measuredAt: t.field({ type: "DateTime", required: true }) }),
});

const MoodScoreImportInput = builder.inputType("MoodScoreImportInput", {
  description: "A mood score; one with the same participant, time and score as one the conversation holds is already there.",
  fields: (t) => ({
    score: t.float({ required: true, description: `${MOOD_SCORE_MIN} to ${MOOD_SCORE_MAX}; 0 is neutral.`, validate: range(MOOD_SCORE_MIN, MOOD_SCORE_MAX) }),
    measuredAt: t.field({ type: "DateTime", required: true }),
    participant: t.string({ validate: label() }),
    messageExternalId: t.string({ description: "The message it was read from, by its externalId.", validate: sourceId() }),
    label: t.string({ validate: label() }),
    confidence: t.float({ description: "0 to 1.", validate: unit() }),
    factors: t.field({ type: "JSON" }),
  }),
});

const TurningPointImportInput = builder.inputType("TurningPointImportInput", {
  description: "A turning point; one of the same type at the same time as one the conversation holds is already there.",
  fields: (t) => ({
    type: t.string({ required: true, validate: label() }),
    magnitude: t.float({ required: true, description: "0 to 1.", validate: unit() }),
    occurredAt: t.field({ type: "DateTime", required: true }),
    messageExternalId: t.string({ validate: sourceId() }),
    description: t.string({ validate: prose() }),
    metadata: t.field({ type: "JSON" }),
  }),
});

const DeduplicationRecordImportInput = builder.inputType("DeduplicationRecordImportInput", {
  fields: (t) => ({
    mergedMemoryIds: t.stringList({ description: "The ids the merged memories had (kept as given).", validate: names() }),
    strategy: t.string({ required: true, validate: label() }),
    conflicts: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const MessageEmotionalContextImportInput = builder.inputType("MessageEmotionalContextImportInput", {
  description: "A message's emotional context; a message that has one already keeps it.",
  fields: (t) => ({
    messageExternalId: t.string({ required: true, validate: sourceId() }),
    mood: t.string({ required: true, validate: label() }),
    intensity: t.float({ description: "0 to 1.", validate: unit() }),
    themes: t.stringList({ validate: names() }),
    markers: t.stringList({ validate: names() }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
  }),
});

const DeltaPatternImportInput = builder.inputType("DeltaPatternImportInput", {
  description: "A pattern over the conversation's mood deltas, each named by the score it leads to; one of the same type recorded at the same time is already there.",
  fields: (t) => ({
    patternType: t.string({ required: true, validate: label() }),
    description: t.string({ validate: prose() }),
    confidence: t.float({ description: "0 to 1.", validate: unit() }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field({ type: "DateTime", required: true }),
    deltasTo: t.field({ type: [MoodScoreKeyInput], description: "The deltas, by the mood score each leads to.", validate: list(1_000) }),
  }),
});

const MemoryRecordImportInput = builder.inputType("MemoryRecordImportInput", {
  description: "A memory and what was recorded about it. A memory whose externalId you already hold is left as it is, with everything given here for it.",
  fields: (t) => ({
    externalId: t.string({ required: true, description: "The source system's id for the memory.", validate: sourceId() }),
    content: t.string({ required: true, validate: text({ maxLength: 100_000 }) }),
    summary: t.string({ validate: prose() }),
    kind: t.string({ description: "Default fact.", validate: text({ maxLength: 100 }) }),
    importance: t.float({ description: "Any finite number (see createMemory).", validate: range(-Number.MAX_VALUE, Number.MAX_VALUE) }),
    confidence: t.float({ description: "0 to 1.", validate: unit() }),
    participants: t.stringList({ validate: names() }),
    tags: t.stringList({ validate: names() }),
    sourceMessageExternalIds: t.stringList({ description: "The messages of the conversation it came from, by their externalId.", validate: names() }),
    accessCount: t.int({ validate: range(0, 2_147_483_647) }),
    lastAccessedAt: t.field({ type: "DateTime" }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("When it was first recorded; defaults to now.")),
    emotionalContext: t.field({ type: EmotionalContextImportInput }),
    relationshipDynamics: t.field({ type: [RelationshipDynamicsImportInput], validate: list(20) }),
    validation: t.field({ type: ValidationImportInput }),
    qualityMetrics: t.field({ type: QualityMetricsImportInput }),
    analyses: t.field({ type: [AnalysisImportInput], validate: list(20) }),
    moodScores: t.field({
      type: [MoodScoreImportInput],
      description: "Mood scores read from this memory (in the conversation's series).",
      validate: list(MAX_SERIES_RECORDS),
    }),
    turningPoints: t.field({
      type: [TurningPointImportInput],
      description: "Turning points found in this memory (in the conversation).",
      validate: list(MAX_SERIES_RECORDS),
    }),
    deduplicationRecords: t.field({ type: [DeduplicationRecordImportInput], description: "Merges this memory kept.", validate: list(50) }),
  }),
});

const ClusterMemberImportInput = builder.inputType("ClusterMemberImportInput", {
  fields: (t) => ({
    memoryExternalId: t.string({ required: true, validate: sourceId() }),
    score: t.float({ description: "0 to 1.", validate: unit() }),
    metadata: t.field({ type: "JSON" }),
    addedAt: t.field(when("Defaults to now.")),
  }),
});

const MemoryClusterImportInput = builder.inputType("MemoryClusterImportInput", {
  description: "A cluster, found by its name or created; members it already has are left as they are.",
  fields: (t) => ({
    name: t.string({ required: true, validate: text({ maxLength: 500 }) }),
    themes: t.stringList({ validate: names() }),
    description: t.string({ validate: prose() }),
    metadata: t.field({ type: "JSON" }),
    createdAt: t.field(when("Defaults to now.")),
    members: t.field({ type: [ClusterMemberImportInput], validate: list(5_000) }),
  }),
});

const MemoryRecordsImportInput = builder.inputType("MemoryRecordsImportInput", {
  fields: (t) => ({
    conversationExternalId: t.string({
      description:
        "Your conversation (by its externalId, e.g. as importConversation created it) that the memories belong to and whose messages the records name. " +
        "Required with mood scores, turning points or message references.",
      validate: sourceId(),
    }),
    memories: t.field({ type: [MemoryRecordImportInput], description: `At most ${MAX_MEMORIES}.`, validate: list(MAX_MEMORIES) }),
    moodScores: t.field({ type: [MoodScoreImportInput], description: `At most ${MAX_SERIES_RECORDS}.`, validate: list(MAX_SERIES_RECORDS) }),
    turningPoints: t.field({ type: [TurningPointImportInput], description: `At most ${MAX_SERIES_RECORDS}.`, validate: list(MAX_SERIES_RECORDS) }),
    clusters: t.field({
      type: [MemoryClusterImportInput],
      description: `At most ${MAX_CLUSTERS}; members may name memories of this call or earlier ones.`,
      validate: list(MAX_CLUSTERS),
    }),
    messageEmotionalContexts: t.field({
      type: [MessageEmotionalContextImportInput],
      description: `At most ${MAX_SERIES_RECORDS}.`,
      validate: list(MAX_SERIES_RECORDS),
    }),
    relationshipDynamics: t.field({
      type: [RelationshipDynamicsImportInput],
      description: "The conversation's own (not a memory's); one recorded at the same time is already there.",
      validate: list(MAX_LIST),
    }),
    analyses: t.field({
      type: [AnalysisImportInput],
      description: "Analysis runs of the conversation; one of the same analyzer started at the same time is already there.",
      validate: list(MAX_LIST),
    }),
    deltaPatterns: t.field({ type: [DeltaPatternImportInput], validate: list(MAX_LIST) }),
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

const all = <T>(items: readonly T[] | null | undefined): readonly T[] => items ?? [];

type MoodScoreIn = typeof MoodScoreImportInput.$inferInput;
type TurningPointIn = typeof TurningPointImportInput.$inferInput;

function moodScoreRows(items: readonly MoodScoreIn[] | null | undefined) {
  return all(items).map((s) => ({
    messageExternalId: s.messageExternalId,
    row: {
      score: s.score,
      measuredAt: s.measuredAt,
      participant: s.participant ?? null,
      label: s.label,
      confidence: s.confidence,
      factors: jsonInput(s.factors),
    },
  }));
}

function turningPointRows(items: readonly TurningPointIn[] | null | undefined) {
  return all(items).map((p) => ({
    messageExternalId: p.messageExternalId,
    row: { type: p.type, magnitude: p.magnitude, occurredAt: p.occurredAt, description: p.description, metadata: jsonInput(p.metadata) },
  }));
}

function unique(values: readonly string[], field: string) {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) throw badInput(`${field}[${i}] repeats "${value}"`, `${field}[${i}]`);
    seen.add(value);
  });
}

/**
 * The rows of the whole input, before anything is read or written: a bad record stores nothing. Each
 * field's sizes, ranges and list lengths are the input types' constraints, checked before this runs (by
 * the validation plugin, or checkInput for an SQLite upload's records); here only what concerns several
 * records: source ids and cluster names given twice, and records that need the conversation named.
 */
export function prepareRecords(input: RecordsInput) {
  const memories = all(input.memories).map((m) => {
    const ec = m.emotionalContext;
    const v = m.validation;
    const q = m.qualityMetrics;
    return {
      externalId: m.externalId,
      sourceMessageExternalIds: [...all(m.sourceMessageExternalIds)],
      row: {
        content: m.content,
        summary: m.summary,
        kind: unlessNull(m.kind),
        importance: unlessNull(m.importance),
        confidence: m.confidence,
        participants: [...all(m.participants)],
        tags: [...all(m.tags)],
        accessCount: unlessNull(m.accessCount),
        lastAccessedAt: m.lastAccessedAt,
        metadata: jsonInput(m.metadata),
        createdAt: unlessNull(m.createdAt),
      },
      emotionalContext: ec && {
        mood: ec.mood,
        intensity: ec.intensity,
        themes: [...all(ec.themes)],
        markers: [...all(ec.markers)],
        metadata: jsonInput(ec.metadata),
        createdAt: unlessNull(ec.createdAt),
      },
      relationshipDynamics: all(m.relationshipDynamics).map((d) => ({
        participants: [...all(d.participants)],
        closeness: d.closeness,
        tension: d.tension,
        support: d.support,
        patterns: jsonInput(d.patterns),
        metadata: jsonInput(d.metadata),
        createdAt: unlessNull(d.createdAt),
      })),
      validation: v && {
        row: {
          status: v.status,
          errors: jsonInput(v.errors),
          resolvedAt: v.resolvedAt,
          resolvedBy: v.resolvedBy,
          metadata: jsonInput(v.metadata),
          createdAt: unlessNull(v.createdAt),
        },
        results: all(v.results).map((r) => ({
          rule: r.rule,
          passed: r.passed,
          severity: r.severity ?? undefined,
          message: r.message,
          metadata: jsonInput(r.metadata),
          createdAt: unlessNull(r.createdAt),
        })),
      },
      qualityMetrics: q && {
        overall: q.overall,
        completeness: q.completeness,
        accuracy: q.accuracy,
        relevance: q.relevance,
        clarity: q.clarity,
        dimensions: jsonInput(q.dimensions),
        createdAt: unlessNull(q.createdAt),
      },
      analyses: all(m.analyses).map((a) => ({
        analyzer: a.analyzer,
        version: a.version,
        status: a.status ?? undefined,
        config: jsonInput(a.config),
        startedAt: a.startedAt,
        completedAt: a.completedAt,
        error: a.error,
        createdAt: unlessNull(a.createdAt),
      })),
      deduplicationRecords: all(m.deduplicationRecords).map((d) => ({
        mergedMemoryIds: [...all(d.mergedMemoryIds)],
        strategy: d.strategy,
        conflicts: jsonInput(d.conflicts),
        createdAt: unlessNull(d.createdAt),
      })),
      moodScores: moodScoreRows(m.moodScores),
      turningPoints: turningPointRows(m.turningPoints),
    };
  });
  unique(memories.map((m) => m.externalId), "input.memories.externalId");
  const moodScores = moodScoreRows(input.moodScores);
  const turningPoints = turningPointRows(input.turningPoints);
  const clusters = all(input.clusters).map((c) => ({
    row: { name: c.name, themes: [...all(c.themes)], description: c.description, metadata: jsonInput(c.metadata), createdAt: unlessNull(c.createdAt) },
    members: all(c.members).map((m) => ({ memoryExternalId: m.memoryExternalId, score: m.score, metadata: jsonInput(m.metadata), addedAt: unlessNull(m.addedAt) })),
  }));
  unique(clusters.map((c) => c.row.name), "input.clusters.name");
  const messageContexts = all(input.messageEmotionalContexts).map((c) => ({
    messageExternalId: c.messageExternalId,
    row: {
      mood: c.mood,
      intensity: c.intensity,
      themes: [...all(c.themes)],
      markers: [...all(c.markers)],
      metadata: jsonInput(c.metadata),
      createdAt: unlessNull(c.createdAt),
    },
  }));
  unique(messageContexts.map((c) => c.messageExternalId), "input.messageEmotionalContexts.messageExternalId");
  const conversationDynamics = all(input.relationshipDynamics).map((d) => ({
    participants: [...all(d.participants)],
    closeness: d.closeness,
    tension: d.tension,
    support: d.support,
    patterns: jsonInput(d.patterns),
    metadata: jsonInput(d.metadata),
    createdAt: d.createdAt ?? new Date(),
  }));
  const conversationAnalyses = all(input.analyses).map((a) => ({
    analyzer: a.analyzer,
    version: a.version,
    status: a.status ?? undefined,
    config: jsonInput(a.config),
    startedAt: a.startedAt,
    completedAt: a.completedAt,
    error: a.error,
    createdAt: a.createdAt ?? new Date(),
  }));
  const deltaPatterns = all(input.deltaPatterns).map((p) => ({
    deltasTo: all(p.deltasTo).map((k) => ({ participant: k.participant ?? null, measuredAt: k.measuredAt })),
    row: { patternType: p.patternType, description: p.description, confidence: p.confidence, metadata: jsonInput(p.metadata), createdAt: p.createdAt },
  }));
  const conversationExternalId = input.conversationExternalId;
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
    { timeout: 120_000 },
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
