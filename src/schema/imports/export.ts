// exportViewer: everything of the viewer's, for `npm run import -- threadline` to bring back, as
// JSON records a page at a time (`npm run export` writes them one a line). Sections in a fixed
// order (SECTIONS), each read by id, so a cursor is "section:last id" and a page never reads past
// what it returns. EXPORTED says where every model the viewer owns goes (a test holds it to the
// ownership rules, so a new model cannot be left out unnoticed).
import { builder } from "../../builder.ts";
import type { Context } from "../../context.ts";
import { badInput } from "../../errors.ts";
import { range } from "../constraints.ts";
import type { ownedBy } from "../../auth/ownership.ts";
import { EXPORT_RECORDS } from "../../import/record-types.ts";

const SECTIONS = EXPORT_RECORDS;

/** Every model the viewer owns: its own record, the record it travels inside, or why it is not exported. */
export const EXPORTED: Record<keyof typeof ownedBy, { record: (typeof SECTIONS)[number] } | { inside: (typeof SECTIONS)[number] } | { notExported: string }> = {
  user: { record: "user" },
  apiKey: { notExported: "credentials: a key works only on the server that issued it" },
  conversation: { record: "conversation" },
  message: { record: "message" },
  toolUse: { inside: "message" },
  link: { inside: "message" },
  asset: { inside: "message" },
  action: { record: "action" },
  preview: { record: "preview" },
  conversationChunk: { record: "chunk" },
  memory: { record: "memory" },
  memoryCluster: { record: "cluster" },
  clusterMembership: { inside: "cluster" },
  emotionalContext: { record: "emotionalContext" },
  relationshipDynamics: { record: "relationshipDynamics" },
  moodScore: { record: "moodScore" },
  moodDelta: { notExported: "computed again from the mood scores on import, as recordMoodScore does" },
  deltaPattern: { record: "deltaPattern" },
  deltaPatternMember: { inside: "deltaPattern" },
  turningPoint: { record: "turningPoint" },
  validationStatus: { record: "validationStatus" },
  validationResult: { inside: "validationStatus" },
  qualityMetrics: { record: "qualityMetrics" },
  analysisMetadata: { record: "analysis" },
  deduplicationRecord: { record: "deduplicationRecord" },
  epic: { record: "epic" },
};
type Section = (typeof SECTIONS)[number];

interface ExportPage {
  records: Record<string, unknown>[];
  endCursor: string | null;
  hasNextPage: boolean;
}

const omit = <T extends Record<string, unknown>>(row: T, ...keys: string[]) => Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key)));

async function readSection(context: Context, section: Section, after: string | undefined, take: number): Promise<Record<string, unknown>[]> {
  const page = { take, orderBy: { id: "asc" as const }, ...(after ? { cursor: { id: after }, skip: 1 } : {}) };
  switch (section) {
    case "user": {
      if (after) return [];
      const user = await context.db.user.findUniqueOrThrow({ where: { id: context.viewer.id }, select: { id: true, name: true, firstName: true, lastName: true, email: true, preferences: true } });
      return [user];
    }
    case "conversation":
      return (await context.db.conversation.findMany(page)).map((row) => omit(row, "userId", "updatedAt"));
    case "message":
      return (
        await context.db.message.findMany({
          ...page,
          omit: { contentHash: true, fingerprint: true, updatedAt: true, createdAt: true },
          include: {
            toolUses: { orderBy: { id: "asc" }, omit: { messageId: true, updatedAt: true, createdAt: true } },
            assets: { orderBy: { id: "asc" }, omit: { messageId: true } },
            links: { orderBy: { url: "asc" }, select: { url: true } },
          },
        })
      ).map((row) => ({
        ...row,
        toolUses: row.toolUses.map((use) => omit(use, "id")),
        assets: row.assets.map((asset) => omit(asset, "id", "createdAt")),
        links: row.links.map((link) => link.url),
      }));
    case "action":
      return (await context.db.action.findMany(page)).map((row) => omit(row, "updatedAt"));
    case "preview":
      return (await context.db.preview.findMany(page)).map((row) => omit(row, "updatedAt"));
    case "memory":
      return (
        await context.db.memory.findMany({ ...page, where: { deletedAt: null }, omit: { userId: true, updatedAt: true, embeddingModel: true, embeddingDimensions: true, deletedAt: true } })
      );
    case "emotionalContext":
      return rows(
        await context.db.emotionalContext.findMany({
          ...page,
          where: { OR: [{ memory: liveMemory }, { messageId: { not: null } }] },
        }),
      );
    case "relationshipDynamics":
      return rows(
        await context.db.relationshipDynamics.findMany({
          ...page,
          where: { OR: [{ memoryId: null }, { memory: liveMemory }] },
        }),
      );
    case "moodScore":
      return (await context.db.moodScore.findMany(page)).map((row) => omit(row, "createdAt"));
    case "turningPoint":
      return (await context.db.turningPoint.findMany(page)).map((row) => omit(row, "createdAt"));
    case "deltaPattern":
      return (
        await context.db.deltaPattern.findMany({
          ...page,
          omit: { updatedAt: true },
          include: { members: { orderBy: { deltaId: "asc" }, select: { delta: { select: { toScore: { select: { participant: true, measuredAt: true } } } } } } },
        })
      ).map(({ members, ...row }) => ({ ...row, deltasTo: members.map((m) => m.delta.toScore) }));
    case "validationStatus":
      return rows(
        await context.db.validationStatus.findMany({
          ...page,
          where: { memory: liveMemory },
          include: { results: { orderBy: [{ createdAt: "asc" }, { id: "asc" }], omit: { validationStatusId: true } } },
        }),
      ).map((row: any) => ({ ...row, results: row.results.map((r: Record<string, unknown>) => omit(r, "id")) }));
    case "qualityMetrics":
      return rows(await context.db.qualityMetrics.findMany({ ...page, where: { memory: liveMemory } }));
    case "analysis":
      return rows(
        await context.db.analysisMetadata.findMany({ ...page, where: { OR: [{ memoryId: null }, { memory: liveMemory }] } }),
      );
    case "deduplicationRecord":
      return rows(await context.db.deduplicationRecord.findMany({ ...page, where: { memory: liveMemory } }));
    case "cluster":
      return (
        await context.db.memoryCluster.findMany({
          ...page,
          omit: { userId: true, updatedAt: true },
          include: { memberships: { where: { memory: { deletedAt: null } }, orderBy: { id: "asc" }, select: { memoryId: true, score: true, metadata: true, addedAt: true } } },
        })
      ).map(({ memberships, ...row }) => ({ ...row, members: memberships }));
    case "chunk":
      return (
        await context.db.conversationChunk.findMany({ ...page, omit: { userId: true, embeddingModel: true, embeddingDimensions: true } })
      ).map((row) => omit(row, "updatedAt"));
    case "epic":
      return rows(await context.db.epic.findMany({ ...page, omit: { userId: true } }));
  }
}

/** Memory-attached records travel with memories that are exported: not soft-deleted ones. */
const liveMemory = { deletedAt: null };
const rows = <T extends Record<string, unknown>>(list: T[]) => list.map((row) => omit(row, "updatedAt"));

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
  description: `A page of the viewer's export: JSON records named by \`record\` (${SECTIONS.join(", ")}).`,
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
      "All your data, for `npm run import -- threadline` into another server, page by page: your profile, conversations, messages with their tool uses, " +
      "assets and links, actions, previews, memories (not deleted ones) and what was recorded about them (emotional contexts, relationship dynamics, " +
      "validation, quality, analyses, merges), mood scores, turning points, delta patterns, clusters with their members, chunks (without embeddings) " +
      "and the planning board. Not included: API keys, and mood deltas (computed again from the scores). Ids are the ones here; the importer maps them.",
    args: { after: t.arg.string(), first: t.arg.int({ defaultValue: 100, description: "At most 100 records per page.", validate: range(1, 100) }) },
    resolve: (_root, args, context) => exportPage(context, args.after, args.first ?? 100),
  }),
);
