// Writing the planning board (a product roadmap of epics): epics are created at the end of the viewer's board, changed,
// moved and deleted. Each user's board is numbered 1..n by `order`, without gaps, so a position is
// an order; every change to the numbering locks the board and renumbers it in one transaction.
import { builder } from "../../builder.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import type { Context } from "../../context.ts";
import { badInput, notFound } from "../../errors.ts";
import { requireOwned } from "../ids.ts";
import { EpicPriorityEnum, EpicStatusEnum } from "../enums.ts";
import { unlessNull, type InputFieldBuilder } from "../inputs.ts";
import { text } from "../constraints.ts";
import { DeletePayload } from "../conversations/mutations.ts";
import { boardIds, lockBoard, renumber } from "./sql.ts";

const epicFields = (t: InputFieldBuilder, creating: boolean) => ({
  title: t.string({ required: creating, validate: text({ maxLength: 500 }) }),
  description: t.string({ validate: text({ allowEmpty: true }) }),
  status: t.field({ type: EpicStatusEnum, description: creating ? "PLANNED unless given." : undefined }),
  priority: t.field({ type: EpicPriorityEnum, description: creating ? "MEDIUM unless given." : undefined }),
  quarter: t.string({ description: "e.g. Q1 2026", validate: text({ maxLength: 50 }) }),
  outcome: t.string({ validate: text({ allowEmpty: true }) }),
  icon: t.string({ validate: text({ maxLength: 100 }) }),
  color: t.string({ description: "e.g. #2563eb", validate: text({ maxLength: 50 }) }),
});

const CreateEpicInput = builder.inputType("CreateEpicInput", { fields: (t) => epicFields(t, true) });
const UpdateEpicInput = builder.inputType("UpdateEpicInput", {
  description: "Fields to change; absent fields stay as they are, null clears a field that may be empty.",
  fields: (t) => epicFields(t, false),
});
type EpicInput = typeof UpdateEpicInput.$inferInput;

function epicData(input: EpicInput) {
  for (const field of ["title", "status", "priority"] as const) {
    if (input[field] === null) throw badInput(`input.${field} cannot be cleared`, `input.${field}`);
  }
  // The texts were checked against their fields' constraints before the resolver ran.
  return {
    title: unlessNull(input.title),
    description: input.description,
    status: unlessNull(input.status),
    priority: unlessNull(input.priority),
    quarter: input.quarter,
    outcome: input.outcome,
    icon: input.icon,
    color: input.color,
  };
}

builder.mutationField("createEpic", (t) =>
  t.prismaField({
    type: "Epic",
    description: "Adds an epic at the end of the viewer's board.",
    args: { input: t.arg({ type: CreateEpicInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const data = epicData(input);
      const userId = context.viewer.id;
      return retryingTransaction(context.db, async (tx) => {
        await lockBoard(tx, userId);
        const { _max } = await tx.epic.aggregate({ _max: { order: true } });
        return tx.epic.create({ ...query, data: { ...data, title: data.title!, userId, order: (_max.order ?? 0) + 1 } });
      });
    },
  }),
);

builder.mutationField("updateEpic", (t) =>
  t.prismaField({
    type: "Epic",
    description: "Changes an epic's fields; its place on the board changes only through moveEpic.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateEpicInput, required: true }) },
    resolve: async (query, _root, { id, input }, context) => {
      const data = epicData(input);
      const epicId = await requireOwned(context, "Epic", id);
      return context.db.epic.update({ ...query, where: { id: epicId }, data });
    },
  }),
);

const MoveEpicPayload = builder.objectRef<{ epicId: string }>("MoveEpicPayload").implement({
  fields: (t) => ({
    epic: t.prismaField({
      type: "Epic",
      description: "The epic that moved.",
      resolve: (query, payload, _args, context) => context.db.epic.findUniqueOrThrow({ ...query, where: { id: payload.epicId } }),
    }),
    board: t.prismaField({
      type: ["Epic"],
      description: "The viewer's whole board in its new order (other epics' `order` changed too).",
      resolve: (query, _payload, _args, context) =>
        context.db.epic.findMany({ ...query, orderBy: [{ order: "asc" }, { id: "asc" }] }),
    }),
  }),
});

type Target = { position: number } | { before: string } | { after: string };

/** Which of position, before and after was given (exactly one), with before/after as the viewer's epic ids. */
async function moveTarget(context: Context, epicId: string, args: { position?: number | null; before?: string | null; after?: string | null }): Promise<Target> {
  const given = (["position", "before", "after"] as const).filter((name) => args[name] != null);
  if (given.length !== 1) throw badInput("Give exactly one of position, before and after", given[1] ?? "position");
  if (args.position != null) return { position: args.position };
  const field = args.before != null ? "before" : "after";
  const neighbourId = await requireOwned(context, "Epic", (args.before ?? args.after)!, field);
  if (neighbourId === epicId) throw badInput(`${field} must be another epic than the one moved`, field);
  return field === "before" ? { before: neighbourId } : { after: neighbourId };
}

/** The moved epic's 0-based index on the board without it. */
function targetIndex(others: string[], target: Target) {
  if ("position" in target) {
    const size = others.length + 1;
    if (target.position < 1 || target.position > size) throw badInput(`position must be between 1 and ${size}, got ${target.position}`, "position");
    return target.position - 1;
  }
  const index = others.indexOf("before" in target ? target.before : target.after);
  if (index === -1) throw notFound("Epic"); // deleted since it was checked
  return "before" in target ? index : index + 1;
}

builder.mutationField("moveEpic", (t) =>
  t.field({
    type: MoveEpicPayload,
    description:
      "Moves an epic to a 1-based position on the viewer's board, or just before or after another of the viewer's epics. " +
      "The board is renumbered 1..n in one transaction.",
    args: {
      id: t.arg.id({ required: true }),
      position: t.arg.int({ description: "1 is the top of the board; the board's size is the bottom." }),
      before: t.arg.id({ description: "The epic to place it just before." }),
      after: t.arg.id({ description: "The epic to place it just after." }),
    },
    resolve: async (_root, { id, ...args }, context) => {
      const epicId = await requireOwned(context, "Epic", id);
      const userId = context.viewer.id;
      const target = await moveTarget(context, epicId, args);
      await retryingTransaction(context.db, async (tx) => {
        await lockBoard(tx, userId);
        const board = await boardIds(tx);
        if (!board.includes(epicId)) throw notFound("Epic", id); // deleted since it was checked
        const others = board.filter((other) => other !== epicId);
        const index = targetIndex(others, target);
        others.splice(index, 0, epicId);
        await renumber(tx, userId, others);
        await tx.epic.update({ where: { id: epicId }, data: { updatedAt: new Date() }, select: { id: true } });
      });
      return { epicId };
    },
  }),
);

builder.mutationField("deleteEpic", (t) =>
  t.field({
    type: DeletePayload,
    description: "Deletes an epic; the epics below it move up one place.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const epicId = await requireOwned(context, "Epic", id);
      const userId = context.viewer.id;
      await retryingTransaction(context.db, async (tx) => {
        await lockBoard(tx, userId);
        await tx.epic.delete({ where: { id: epicId }, select: { id: true } });
        await renumber(tx, userId, await boardIds(tx));
      });
      return { deletedId: id };
    },
  }),
);
