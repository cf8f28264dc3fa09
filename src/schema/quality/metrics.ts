// Quality metrics of a memory: one record per memory, scores from 0 to 1.
import { builder } from "../../builder.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { requireOwned } from "../ids.ts";
import { jsonInput } from "../inputs.ts";
import { range } from "../constraints.ts";
import { lockOwnMemory } from "./sql.ts";

const SCORES = ["completeness", "accuracy", "relevance", "clarity"] as const;

const RecordQualityMetricsInput = builder.inputType("RecordQualityMetricsInput", {
  description:
    "Scores from 0 to 1. Absent fields keep their stored value; null clears one. When `overall` is absent and a score changes, " +
    "overall becomes the mean of the scores on record.",
  fields: (t) => ({
    overall: t.float({ validate: range(0, 1) }),
    completeness: t.float({ validate: range(0, 1) }),
    accuracy: t.float({ validate: range(0, 1) }),
    relevance: t.float({ validate: range(0, 1) }),
    clarity: t.float({ validate: range(0, 1) }),
    dimensions: t.field({ type: "JSON", description: "Further dimensions, by name." }),
  }),
});
const mean = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null);

builder.mutationField("recordQualityMetrics", (t) =>
  t.prismaField({
    type: "QualityMetrics",
    description: "Creates or updates the quality metrics of one of the viewer's memories.",
    args: { memoryId: t.arg.id({ required: true }), input: t.arg({ type: RecordQualityMetricsInput, required: true }) },
    resolve: async (query, _root, { memoryId: globalId, input }, context) => {
      const overall = input.overall;
      const scores = Object.fromEntries(SCORES.map((name) => [name, input[name]])) as Record<
        (typeof SCORES)[number],
        number | null | undefined
      >;
      const memoryId = await requireOwned(context, "Memory", globalId, "memoryId");
      const scoresChanged = SCORES.some((name) => scores[name] !== undefined);

      const id = await retryingTransaction(context.db, async (tx) => {
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
      return context.db.qualityMetrics.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
