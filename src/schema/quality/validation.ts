// Validation of a memory: one status per memory, with an append-only list of rule results.
import { builder } from "../../builder.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { badInput } from "../../errors.ts";
import type { ValidationState } from "../../generated/prisma/enums.ts";
import { requireOwned } from "../ids.ts";
import { ValidationSeverityEnum, ValidationStateEnum } from "../enums.ts";
import { jsonInput } from "../inputs.ts";
import { rule, text } from "../constraints.ts";
import { lockOwnMemory } from "./sql.ts";

const MAX_RESULTS = 500;

const RESOLVED: ReadonlySet<ValidationState> = new Set(["VALID", "INVALID"]);

const ValidationResultInput = builder.inputType("ValidationResultInput", {
  fields: (t) => ({
    rule: t.string({ required: true, description: "The rule that was checked, e.g. content_not_empty.", validate: text({ maxLength: 200 }) }),
    passed: t.boolean({ required: true }),
    severity: t.field({ type: ValidationSeverityEnum, description: "INFO unless given." }),
    message: t.string({ validate: text({ maxLength: 10_000, allowEmpty: true }) }),
  }),
});

const RecordValidationInput = builder.inputType("RecordValidationInput", {
  fields: (t) => ({
    status: t.field({ type: ValidationStateEnum, required: true }),
    errors: t.field({ type: "JSON", description: "Absent keeps the stored errors; null clears them." }),
    resolvedBy: t.string({ description: "Who or what reached the verdict; only with VALID or INVALID.", validate: text({ maxLength: 200 }) }),
    results: t.field({
      type: [ValidationResultInput],
      description: `Appended to the memory's results (at most ${MAX_RESULTS} per call).`,
      validate: rule<readonly unknown[]>((results) => (results.length > MAX_RESULTS ? `may hold at most ${MAX_RESULTS} items` : undefined)),
    }),
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
      const resolvedBy = input.resolvedBy;
      if (resolvedBy != null && !RESOLVED.has(input.status)) throw badInput("input.resolvedBy is only recorded with status VALID or INVALID", "input.resolvedBy");
      const results = input.results ?? [];
      const rows = results.map((result) => ({ rule: result.rule, passed: result.passed, severity: result.severity ?? undefined, message: result.message }));
      const memoryId = await requireOwned(context, "Memory", globalId, "memoryId");

      const id = await retryingTransaction(context.db, async (tx) => {
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
      return context.db.validationStatus.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
