// Recording seed 000's data-quality records: a memory's validation (status plus the results of each
// rule), its quality metrics, and runs of analyzers over a conversation or a memory.
import { builder } from "../../builder.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { badInput, conflict, notFound } from "../../errors.ts";
import type { AnalysisStatus, ValidationState } from "../../generated/prisma/enums.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { ownedBy } from "../../auth/ownership.ts";
import { decodeId, requireOwned } from "../ids.ts";
import { AnalysisStatusEnum, ValidationSeverityEnum, ValidationStateEnum } from "../enums.ts";
import { checkRange, checkText, jsonInput } from "../inputs.ts";

const MAX_RESULTS = 500;

// ---------------------------------------------------------------------------------------------
// Validation: one status per memory, with an append-only list of rule results.

const RESOLVED: ReadonlySet<ValidationState> = new Set(["VALID", "INVALID"]);

const ValidationResultInput = builder.inputType("ValidationResultInput", {
  fields: (t) => ({
    rule: t.string({ required: true, description: "The rule that was checked, e.g. content_not_empty." }),
    passed: t.boolean({ required: true }),
    severity: t.field({ type: ValidationSeverityEnum, description: "INFO unless given." }),
    message: t.string(),
  }),
});

const RecordValidationInput = builder.inputType("RecordValidationInput", {
  fields: (t) => ({
    status: t.field({ type: ValidationStateEnum, required: true }),
    errors: t.field({ type: "JSON", description: "Absent keeps the stored errors; null clears them." }),
    resolvedBy: t.string({ description: "Who or what reached the verdict; only with VALID or INVALID." }),
    results: t.field({ type: [ValidationResultInput], description: `Appended to the memory's results (at most ${MAX_RESULTS} per call).` }),
  }),
});

/**
 * When the verdict changes to VALID or INVALID it is resolved now (by `resolvedBy`); the same
 * verdict recorded again keeps its resolvedAt; going back to PENDING or NEEDS_REVIEW reopens it.
 */
function resolution(previous: { status: ValidationState; resolvedAt: Date | null } | null, status: ValidationState, resolvedBy: string | null | undefined, now: Date) {
  if (!RESOLVED.has(status)) return { resolvedAt: null, resolvedBy: null };
  if (previous?.status === status && previous.resolvedAt) return { resolvedAt: previous.resolvedAt, resolvedBy };
  return { resolvedAt: now, resolvedBy: resolvedBy ?? null };
}

builder.mutationField("recordValidation", (t) =>
  t.prismaField({
    type: "ValidationStatus",
    description:
      "Sets the validation status of one of the viewer's memories and appends rule results, in one transaction. " +
      "resolvedAt is set when the status changes to VALID or INVALID, and cleared (with resolvedBy) when it goes back to PENDING or NEEDS_REVIEW.",
    args: { memoryId: t.arg.id({ required: true }), input: t.arg({ type: RecordValidationInput, required: true }) },
    resolve: async (query, _root, { memoryId: globalId, input }, context) => {
      const resolvedBy = checkText(input.resolvedBy, "input.resolvedBy", { maxLength: 200 });
      if (resolvedBy != null && !RESOLVED.has(input.status)) throw badInput("input.resolvedBy is only recorded with status VALID or INVALID", "input.resolvedBy");
      const results = input.results ?? [];
      if (results.length > MAX_RESULTS) throw badInput(`input.results may hold at most ${MAX_RESULTS} items`, "input.results");
      const rows = results.map((result, i) => ({
        rule: checkText(result.rule, `input.results[${i}].rule`, { maxLength: 200 })!,
        passed: result.passed,
        severity: result.severity ?? undefined,
        message: checkText(result.message, `input.results[${i}].message`, { maxLength: 10_000, allowEmpty: true }),
      }));
      const memoryId = await requireOwned(context, "Memory", globalId, "memoryId");

      const id = await retryingTransaction(context.prisma, async (tx) => {
        await lockOwnMemory(tx, context.viewer.id, memoryId, globalId);
        const now = new Date();
        const previous = await tx.validationStatus.findUnique({ where: { memoryId }, select: { status: true, resolvedAt: true } });
        const data = { status: input.status, ...resolution(previous, input.status, resolvedBy, now) };
        const errors = jsonInput(input.errors);
        // where and create name the same unique memoryId, so Prisma upserts with INSERT … ON CONFLICT.
        const { id } = await tx.validationStatus.upsert({
          where: { memoryId },
          create: { memoryId, ...data, errors },
          update: { ...data, errors },
          select: { id: true },
        });
        if (rows.length) await tx.validationResult.createMany({ data: rows.map((row) => ({ ...row, validationStatusId: id })) });
        return id;
      });
      return context.prisma.validationStatus.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Quality metrics: one record per memory, scores from 0 to 1.

const SCORES = ["completeness", "accuracy", "relevance", "clarity"] as const;

const RecordQualityMetricsInput = builder.inputType("RecordQualityMetricsInput", {
  description:
    "Scores from 0 to 1. Absent fields keep their stored value; null clears one. When `overall` is absent and a score changes, " +
    "overall becomes the mean of the scores on record.",
  fields: (t) => ({
    overall: t.float(),
    completeness: t.float(),
    accuracy: t.float(),
    relevance: t.float(),
    clarity: t.float(),
    dimensions: t.field({ type: "JSON", description: "Further dimensions, by name." }),
  }),
});

/** Inside a transaction: one quality writer per memory at a time (and the memory still there). */
async function lockOwnMemory(tx: Prisma.TransactionClient, viewerId: string, memoryId: string, globalId: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM memories WHERE id = ${memoryId} AND user_id = ${viewerId} FOR NO KEY UPDATE`;
  if (rows.length === 0) throw notFound("Memory", globalId);
}

const mean = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null);

builder.mutationField("recordQualityMetrics", (t) =>
  t.prismaField({
    type: "QualityMetrics",
    description: "Creates or updates the quality metrics of one of the viewer's memories.",
    args: { memoryId: t.arg.id({ required: true }), input: t.arg({ type: RecordQualityMetricsInput, required: true }) },
    resolve: async (query, _root, { memoryId: globalId, input }, context) => {
      const overall = checkRange(input.overall, "input.overall", 0, 1);
      const scores = Object.fromEntries(SCORES.map((name) => [name, checkRange(input[name], `input.${name}`, 0, 1)])) as Record<
        (typeof SCORES)[number],
        number | null | undefined
      >;
      const memoryId = await requireOwned(context, "Memory", globalId, "memoryId");
      const scoresChanged = SCORES.some((name) => scores[name] !== undefined);

      const id = await retryingTransaction(context.prisma, async (tx) => {
        // Read-modify-write of the scores: one writer per memory at a time, so `overall` is the mean of what is stored.
        await lockOwnMemory(tx, context.viewer.id, memoryId, globalId);
        let derived: number | null | undefined;
        if (overall === undefined && scoresChanged) {
          const stored = await tx.qualityMetrics.findUnique({ where: { memoryId }, select: { completeness: true, accuracy: true, relevance: true, clarity: true } });
          const current = SCORES.map((name) => (scores[name] === undefined ? stored?.[name] : scores[name]));
          derived = mean(current.filter((value): value is number => value != null));
        }
        const data = { ...scores, overall: overall === undefined ? derived : overall, dimensions: jsonInput(input.dimensions) };
        const { id } = await tx.qualityMetrics.upsert({ where: { memoryId }, create: { memoryId, ...data }, update: data, select: { id: true } });
        return id;
      });
      return context.prisma.qualityMetrics.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Analysis runs: PENDING → RUNNING → COMPLETED or FAILED, forwards only.

const STAGE: Record<AnalysisStatus, number> = { PENDING: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2 };
const finished = (status: AnalysisStatus) => STAGE[status] === 2;

interface RunTimes {
  status: AnalysisStatus;
  startedAt: Date | null;
  completedAt: Date | null;
}

/**
 * The run's times after a change: startedAt is stamped when it starts running, completedAt when it
 * finishes, unless given. A PENDING run has not started and only a finished one has completedAt.
 */
function runTimes(run: RunTimes, given: { startedAt?: Date | null; completedAt?: Date | null }, now: Date): RunTimes {
  const startedAt = given.startedAt !== undefined ? given.startedAt : run.startedAt ?? (run.status === "RUNNING" ? now : null);
  const completedAt = given.completedAt !== undefined ? given.completedAt : run.completedAt ?? (finished(run.status) ? now : null);
  if (startedAt && run.status === "PENDING") throw badInput("input.startedAt needs status RUNNING, COMPLETED or FAILED", "input.startedAt");
  if (completedAt && !finished(run.status)) throw badInput("input.completedAt needs status COMPLETED or FAILED", "input.completedAt");
  if (startedAt && completedAt && completedAt < startedAt) throw badInput("input.completedAt must not be before startedAt", "input.completedAt");
  return { status: run.status, startedAt, completedAt };
}

const RecordAnalysisInput = builder.inputType("RecordAnalysisInput", {
  description: "A run of an analyzer over one of the viewer's conversations, memories, or both (at least one).",
  fields: (t) => ({
    conversationId: t.id(),
    memoryId: t.id(),
    analyzer: t.string({ required: true, description: "The analyzer's name, e.g. sentiment." }),
    version: t.string(),
    status: t.field({ type: AnalysisStatusEnum, defaultValue: "PENDING" }),
    config: t.field({ type: "JSON" }),
    startedAt: t.field({ type: "DateTime", description: "Now, when the run is recorded as started and this is absent." }),
    completedAt: t.field({ type: "DateTime", description: "Now, when the run is recorded as finished and this is absent." }),
    error: t.string(),
  }),
});

builder.mutationField("recordAnalysis", (t) =>
  t.prismaField({
    type: "AnalysisMetadata",
    description: "Records a run of an analyzer; move it along with updateAnalysis.",
    args: { input: t.arg({ type: RecordAnalysisInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      if (input.conversationId == null && input.memoryId == null) throw badInput("input.conversationId or input.memoryId is required", "input");
      const analyzer = checkText(input.analyzer, "input.analyzer", { maxLength: 200 })!;
      const version = checkText(input.version, "input.version", { maxLength: 100 });
      const error = checkText(input.error, "input.error", { maxLength: 10_000 });
      const given = { startedAt: input.startedAt ?? undefined, completedAt: input.completedAt ?? undefined };
      const times = runTimes({ status: input.status ?? "PENDING", startedAt: null, completedAt: null }, given, new Date());
      const [conversationId, memoryId] = await Promise.all([
        input.conversationId == null ? null : requireOwned(context, "Conversation", input.conversationId, "input.conversationId"),
        input.memoryId == null ? null : requireOwned(context, "Memory", input.memoryId, "input.memoryId"),
      ]);
      return context.prisma.analysisMetadata.create({
        ...query,
        data: { conversationId, memoryId, analyzer, version, ...times, config: jsonInput(input.config), error },
      });
    },
  }),
);

const UpdateAnalysisInput = builder.inputType("UpdateAnalysisInput", {
  description: "Fields to change; absent fields stay as they are, null clears one.",
  fields: (t) => ({
    status: t.field({ type: AnalysisStatusEnum, description: "Forwards only: PENDING → RUNNING → COMPLETED or FAILED." }),
    startedAt: t.field({ type: "DateTime", description: "Now, when the run starts and this was never set." }),
    completedAt: t.field({ type: "DateTime", description: "Now, when the run finishes and this was never set." }),
    error: t.string(),
    config: t.field({ type: "JSON" }),
  }),
});

builder.mutationField("updateAnalysis", (t) =>
  t.prismaField({
    type: "AnalysisMetadata",
    description: "Moves an analysis run along. A finished run keeps its status (record a new run to analyse again): CONFLICT otherwise.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateAnalysisInput, required: true }) },
    resolve: async (query, _root, { id: globalId, input }, context) => {
      const id = decodeId(globalId, "AnalysisMetadata");
      if (input.status === null) throw badInput("input.status cannot be cleared", "input.status");
      const error = checkText(input.error, "input.error", { maxLength: 10_000 });
      const run = await context.prisma.analysisMetadata.findFirst({
        where: { id, ...ownedBy.analysisMetadata(context.viewer.id) },
        select: { status: true, startedAt: true, completedAt: true },
      });
      if (!run) throw notFound("AnalysisMetadata", globalId);
      const status = input.status ?? run.status;
      if (status !== run.status && (finished(run.status) || STAGE[status] < STAGE[run.status])) {
        throw conflict(`An analysis run that is ${run.status} cannot become ${status}`);
      }
      const times = runTimes({ ...run, status }, input, new Date());
      // Guarded by the status read above, so a concurrent change of status is not overwritten.
      const { count } = await context.prisma.analysisMetadata.updateMany({
        where: { id, status: run.status },
        data: { ...times, error, config: jsonInput(input.config) },
      });
      if (count === 0) throw conflict("The analysis run changed meanwhile; read it and try again");
      return context.prisma.analysisMetadata.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
