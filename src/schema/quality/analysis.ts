// Analysis runs over a conversation or a memory: PENDING → RUNNING → COMPLETED or FAILED, forwards only.
import { builder } from "../../builder.ts";
import { badInput, conflict, notFound } from "../../errors.ts";
import type { AnalysisStatus } from "../../generated/prisma/enums.ts";
import { decodeId, requireOwned } from "../ids.ts";
import { AnalysisStatusEnum } from "../enums.ts";
import { jsonInput } from "../inputs.ts";
import { text } from "../constraints.ts";

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
    analyzer: t.string({ required: true, description: "The analyzer's name, e.g. sentiment.", validate: text({ maxLength: 200 }) }),
    version: t.string({ validate: text({ maxLength: 100 }) }),
    status: t.field({ type: AnalysisStatusEnum, defaultValue: "PENDING" }),
    config: t.field({ type: "JSON" }),
    startedAt: t.field({ type: "DateTime", description: "Now, when the run is recorded as started and this is absent." }),
    completedAt: t.field({ type: "DateTime", description: "Now, when the run is recorded as finished and this is absent." }),
    error: t.string({ validate: text({ maxLength: 10_000 }) }),
  }),
});

builder.mutationField("recordAnalysis", (t) =>
  t.prismaField({
    type: "AnalysisMetadata",
    description: "Records a run of an analyzer; move it along with updateAnalysis.",
    args: { input: t.arg({ type: RecordAnalysisInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      if (input.conversationId == null && input.memoryId == null) throw badInput("input.conversationId or input.memoryId is required", "input");
      const { analyzer, version, error } = input;
      const given = { startedAt: input.startedAt ?? undefined, completedAt: input.completedAt ?? undefined };
      const times = runTimes({ status: input.status ?? "PENDING", startedAt: null, completedAt: null }, given, new Date());
      const [conversationId, memoryId] = await Promise.all([
        input.conversationId == null ? null : requireOwned(context, "Conversation", input.conversationId, "input.conversationId"),
        input.memoryId == null ? null : requireOwned(context, "Memory", input.memoryId, "input.memoryId"),
      ]);
      return context.db.analysisMetadata.create({
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
    error: t.string({ validate: text({ maxLength: 10_000 }) }),
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
      const error = input.error;
      const run = await context.db.analysisMetadata.findFirst({
        where: { id },
        select: { status: true, startedAt: true, completedAt: true },
      });
      if (!run) throw notFound("AnalysisMetadata", globalId);
      const status = input.status ?? run.status;
      if (status !== run.status && (finished(run.status) || STAGE[status] < STAGE[run.status])) {
        throw conflict(`An analysis run that is ${run.status} cannot become ${status}`);
      }
      const times = runTimes({ ...run, status }, input, new Date());
      // Guarded by the status read above, so a concurrent change of status is not overwritten.
      const { count } = await context.db.analysisMetadata.updateMany({
        where: { id, status: run.status },
        data: { ...times, error, config: jsonInput(input.config) },
      });
      if (count === 0) throw conflict("The analysis run changed meanwhile; read it and try again");
      return context.db.analysisMetadata.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
