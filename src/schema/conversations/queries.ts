import { builder } from "../../builder.ts";
import type { Context } from "../../context.ts";
import { decodeId } from "../ids.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { ConversationStatusEnum, MessageRoleEnum, ToolUseStatusEnum } from "../enums.ts";
import { DateTimeRange, MAX_PATTERN_LENGTH, MAX_TEXT_MATCHES, dateRange, orderWithTieBreak } from "../inputs.ts";
import { filterText, pattern } from "../constraints.ts";
import { messageIdsContaining, messageIdsMatching, toolUsageStats, type ToolUsageRow } from "./sql.ts";

const ConversationFilter = builder.inputType("ConversationFilter", {
  fields: (t) => ({
    status: t.field({ type: [ConversationStatusEnum], description: "Any of these statuses." }),
    projectPath: t.string(),
    sessionId: t.string(),
    externalId: t.string({ description: "The source system's id an import gave it." }),
    contentType: t.string(),
    active: t.boolean({ description: "true: not ended yet (no endedAt); false: ended." }),
    title: t.string({ description: `Case-insensitive text the title contains (at most ${MAX_PATTERN_LENGTH} characters).`, validate: pattern() }),
    startedAt: t.field({ type: DateTimeRange }),
    endedAt: t.field({ type: DateTimeRange }),
    createdAt: t.field({ type: DateTimeRange }),
    updatedAt: t.field({ type: DateTimeRange }),
  }),
});

const ConversationOrder = builder.prismaOrderBy("Conversation", {
  name: "ConversationOrder",
  description: "One field per entry; entries apply in order. Ties are broken by id.",
  fields: { startedAt: true, endedAt: true, createdAt: true, updatedAt: true, title: true, status: true },
});

const MessageFilter = builder.inputType("MessageFilter", {
  fields: (t) => ({
    conversationId: t.id({ description: "Only this conversation's messages." }),
    role: t.field({ type: [MessageRoleEnum], description: "Any of these roles." }),
    agentType: t.string(),
    sender: t.string(),
    timestamp: t.field({ type: DateTimeRange }),
    contains: t.string({
      description: `Case-insensitive substring of the content (at most ${MAX_PATTERN_LENGTH} characters, taken literally); at most ${MAX_TEXT_MATCHES.toLocaleString("en")} matching messages are considered.`,
      validate: pattern(),
    }),
    matches: t.string({
      description: "Full-text query (web-search syntax: words, \"phrases\", -exclusions, or), English stemming.",
      validate: filterText({ maxLength: 1000 }),
    }),
  }),
});

const MessageOrder = builder.prismaOrderBy("Message", {
  name: "MessageOrder",
  description: "One field per entry; entries apply in order. Ties are broken by id.",
  fields: { timestamp: true, position: true, createdAt: true, role: true },
});

type Filter<T> = T | null | undefined;

function conversationWhere(filter: Filter<typeof ConversationFilter.$inferInput>): Prisma.ConversationWhereInput {
  const where: Prisma.ConversationWhereInput = {};
  if (!filter) return where;
  if (filter.status?.length) where.status = { in: filter.status };
  if (filter.projectPath) where.projectPath = filter.projectPath;
  if (filter.sessionId) where.sessionId = filter.sessionId;
  if (filter.externalId) where.externalId = filter.externalId;
  if (filter.contentType) where.contentType = filter.contentType;
  if (filter.active === true) where.endedAt = null;
  if (filter.active === false) where.endedAt = { not: null };
  // Titles are at most 1,000 characters, so ILIKE's pattern × text stays small.
  if (filter.title) where.title = { contains: filter.title, mode: "insensitive" };
  const startedAt = dateRange(filter.startedAt, "filter.startedAt");
  if (startedAt) where.startedAt = startedAt;
  const endedAt = dateRange(filter.endedAt, "filter.endedAt");
  if (endedAt) where.AND = [{ endedAt }];
  const createdAt = dateRange(filter.createdAt, "filter.createdAt");
  if (createdAt) where.createdAt = createdAt;
  const updatedAt = dateRange(filter.updatedAt, "filter.updatedAt");
  if (updatedAt) where.updatedAt = updatedAt;
  return where;
}

builder.queryField("conversations", (t) =>
  t.prismaConnection({
    type: "Conversation",
    cursor: "id",
    description: "The viewer's conversations, newest first unless ordered otherwise.",
    args: {
      filter: t.arg({ type: ConversationFilter }),
      orderBy: t.arg({ type: [ConversationOrder] }),
    },
    resolve: (query, _root, args, context) =>
      context.db.conversation.findMany({
        ...query,
        where: conversationWhere(args.filter),
        orderBy: orderWithTieBreak(args.orderBy, { startedAt: "desc" }),
      }),
    totalCount: (_root, args, context) => context.db.conversation.count({ where: conversationWhere(args.filter) }),
  }),
);

builder.queryField("conversation", (t) =>
  t.prismaField({
    type: "Conversation",
    nullable: true,
    description: "One of the viewer's conversations; null when there is no such conversation of the viewer's.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, context) =>
      context.db.conversation.findFirst({
        ...query,
        relationLoadStrategy: "join",
        where: { id: decodeId(args.id, "Conversation") },
      }),
  }),
);

async function messageWhere(filter: Filter<typeof MessageFilter.$inferInput>, context: Context): Promise<Prisma.MessageWhereInput> {
  const where: Prisma.MessageWhereInput = {};
  if (!filter) return where;
  const and: Prisma.MessageWhereInput[] = [];
  if (filter.conversationId) where.conversationId = decodeId(filter.conversationId, "Conversation", "filter.conversationId");
  if (filter.role?.length) where.role = { in: filter.role };
  if (filter.agentType) where.agentType = filter.agentType;
  if (filter.sender) where.sender = filter.sender;
  const timestamp = dateRange(filter.timestamp, "filter.timestamp");
  if (timestamp) where.timestamp = timestamp;
  if (filter.contains) {
    and.push({ id: { in: await messageIdsContaining(context.prisma, context.viewer.id, filter.contains, where.conversationId as string | undefined, MAX_TEXT_MATCHES) } });
  }
  if (filter.matches) {
    const ids = await messageIdsMatching(context.prisma, context.viewer.id, filter.matches, MAX_TEXT_MATCHES);
    and.push({ id: { in: ids } });
  }
  if (and.length) where.AND = and;
  return where;
}

builder.queryField("messages", (t) =>
  t.prismaConnection({
    type: "Message",
    cursor: "id",
    description: "Messages across the viewer's conversations, oldest first unless ordered otherwise.",
    args: {
      filter: t.arg({ type: MessageFilter }),
      orderBy: t.arg({ type: [MessageOrder] }),
    },
    resolve: async (query, _root, args, context) =>
      context.db.message.findMany({
        ...query,
        where: await messageWhere(args.filter, context),
        orderBy: orderWithTieBreak(args.orderBy, { timestamp: "asc" }),
      }),
    totalCount: async (_root, args, context) => context.db.message.count({ where: await messageWhere(args.filter, context) }),
  }),
);

const ToolUsageStat = builder.objectRef<ToolUsageRow>("ToolUsageStat").implement({
  description: "Tool calls grouped by tool and outcome.",
  fields: (t) => ({
    toolName: t.exposeString("toolName"),
    status: t.expose("status", { type: ToolUseStatusEnum }),
    count: t.exposeInt("count"),
    avgDurationMs: t.exposeFloat("avgDurationMs", { nullable: true }),
    p95DurationMs: t.exposeFloat("p95DurationMs", { nullable: true }),
    totalDurationMs: t.exposeFloat("totalDurationMs", { nullable: true }),
  }),
});

const ToolUsageFilter = builder.inputType("ToolUsageFilter", {
  fields: (t) => ({
    conversationId: t.id(),
    toolName: t.string(),
    status: t.field({ type: ToolUseStatusEnum }),
    timestamp: t.field({ type: DateTimeRange }),
  }),
});

builder.queryField("toolUsageStats", (t) =>
  t.field({
    type: [ToolUsageStat],
    description: "How often each tool was called and how long it took, per status; most used first.",
    args: { filter: t.arg({ type: ToolUsageFilter }) },
    resolve: (_root, { filter }, context) => {
      const range = dateRange(filter?.timestamp, "filter.timestamp");
      return toolUsageStats(context.prisma, context.viewer.id, {
        conversationId: filter?.conversationId ? decodeId(filter.conversationId, "Conversation", "filter.conversationId") : undefined,
        toolName: filter?.toolName ?? undefined,
        status: filter?.status ?? undefined,
        from: range?.gte,
        to: range?.lte,
      });
    },
  }),
);

const ToolUseFilter = builder.inputType("ToolUseFilter", {
  fields: (t) => ({
    toolName: t.stringList({ description: "Any of these tools." }),
    status: t.field({ type: [ToolUseStatusEnum], description: "Any of these outcomes, e.g. [ERROR, TIMEOUT] to debug failures." }),
    timestamp: t.field({ type: DateTimeRange }),
    conversationId: t.id({ description: "Only this conversation's calls." }),
  }),
});

function toolUseWhere(filter: Filter<typeof ToolUseFilter.$inferInput>): Prisma.ToolUseWhereInput {
  const where: Prisma.ToolUseWhereInput = {};
  if (!filter) return where;
  if (filter.toolName?.length) where.toolName = { in: [...filter.toolName] };
  if (filter.status?.length) where.status = { in: [...filter.status] };
  const timestamp = dateRange(filter.timestamp, "filter.timestamp");
  if (timestamp) where.timestamp = timestamp;
  if (filter.conversationId) {
    where.message = { conversationId: decodeId(filter.conversationId, "Conversation", "filter.conversationId") };
  }
  return where;
}

builder.queryField("toolUses", (t) =>
  t.prismaConnection({
    type: "ToolUse",
    cursor: "id",
    description: "The viewer's tool calls one by one (toolUsageStats aggregates them), newest first.",
    args: { filter: t.arg({ type: ToolUseFilter }) },
    resolve: (query, _root, args, context) =>
      context.db.toolUse.findMany({ ...query, where: toolUseWhere(args.filter), orderBy: [{ timestamp: "desc" }, { id: "asc" }] }),
    totalCount: (_root, args, context) => context.db.toolUse.count({ where: toolUseWhere(args.filter) }),
  }),
);
