// exportViewer: everything of the viewer's that `npm run import -- threadline` can bring back, as
// JSON records a page at a time (`npm run export` writes them one a line). Sections in a fixed
// order — user, conversations, messages (with tool uses and assets), actions, previews, memories —
// each read by id, so a cursor is "section:last id" and a page never reads past what it returns.
import { builder } from "../../builder.ts";
import type { Context } from "../../context.ts";
import { badInput } from "../../errors.ts";
import { checkRange } from "../inputs.ts";

const SECTIONS = ["user", "conversation", "message", "action", "preview", "memory"] as const;
type Section = (typeof SECTIONS)[number];

interface ExportPage {
  records: Record<string, unknown>[];
  endCursor: string | null;
  hasNextPage: boolean;
}

const omit = <T extends Record<string, unknown>>(row: T, ...keys: string[]) => Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key)));

async function readSection(context: Context, section: Section, after: string | undefined, take: number): Promise<Record<string, unknown>[]> {
  const userId = context.viewer.id;
  const page = { take, orderBy: { id: "asc" as const }, ...(after ? { cursor: { id: after }, skip: 1 } : {}) };
  switch (section) {
    case "user": {
      if (after) return [];
      const user = await context.prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, name: true, firstName: true, lastName: true, email: true, preferences: true } });
      return [user];
    }
    case "conversation":
      return (await context.prisma.conversation.findMany({ ...page, where: { userId } })).map((row) => omit(row, "userId", "updatedAt"));
    case "message":
      return (
        await context.prisma.message.findMany({
          ...page,
          where: { conversation: { userId } },
          omit: { contentHash: true, fingerprint: true, updatedAt: true, createdAt: true },
          include: { toolUses: { orderBy: { id: "asc" }, omit: { messageId: true, updatedAt: true, createdAt: true } }, assets: { orderBy: { id: "asc" }, omit: { messageId: true } } },
        })
      ).map((row) => ({ ...row, toolUses: row.toolUses.map((use) => omit(use, "id")), assets: row.assets.map((asset) => omit(asset, "id", "createdAt")) }));
    case "action":
      return (await context.prisma.action.findMany({ ...page, where: { conversation: { userId } } })).map((row) => omit(row, "updatedAt"));
    case "preview":
      return (await context.prisma.preview.findMany({ ...page, where: { conversation: { userId } } })).map((row) => omit(row, "updatedAt"));
    case "memory":
      return (
        await context.prisma.memory.findMany({ ...page, where: { userId, deletedAt: null }, omit: { userId: true, updatedAt: true, embeddingModel: true, embeddingDimensions: true, deletedAt: true } })
      ).map((row) => omit(row, "sourceMessageIds"));
  }
}

async function exportPage(context: Context, after: string | null | undefined, first: number): Promise<ExportPage> {
  let [section, last] = after ? (after.split(":", 2) as [Section, string]) : (["user", ""] as [Section, string]);
  if (!SECTIONS.includes(section)) throw badInput("after is not a cursor of exportViewer", "after");
  const records: Record<string, unknown>[] = [];
  while (records.length < first) {
    const rows = await readSection(context, section, last || undefined, first - records.length);
    records.push(...rows.map((row) => ({ record: section, ...row })));
    if (rows.length) last = String(rows[rows.length - 1].id);
    if (records.length < first) {
      const next = SECTIONS[SECTIONS.indexOf(section) + 1];
      if (!next) return { records, endCursor: null, hasNextPage: false };
      [section, last] = [next, ""];
    }
  }
  return { records, endCursor: `${section}:${last}`, hasNextPage: true };
}

const ExportPageRef = builder.objectRef<ExportPage>("ExportPage").implement({
  description: "A page of the viewer's export: JSON records named by `record` (user, conversation, message, action, preview, memory).",
  fields: (t) => ({
    records: t.field({ type: ["JSON"], resolve: (page) => page.records }),
    endCursor: t.string({ nullable: true, description: "Pass as `after` for the next page; null at the end.", resolve: (page) => page.endCursor }),
    hasNextPage: t.exposeBoolean("hasNextPage"),
  }),
});

builder.queryField("exportViewer", (t) =>
  t.field({
    type: ExportPageRef,
    description:
      "Your data, for `npm run import -- threadline` into another server: your profile, conversations, messages with tool uses and assets, " +
      "actions, previews and memories (not deleted ones), page by page. Ids are the ones here; the importer maps them.",
    args: { after: t.arg.string(), first: t.arg.int({ defaultValue: 100, description: "At most 100 records per page." }) },
    resolve: (_root, args, context) => exportPage(context, args.after, checkRange(args.first ?? 100, "first", 1, 100)!),
  }),
);
