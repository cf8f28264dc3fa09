// Conversations and everything hanging off them: messages with their tool uses, links and assets;
// a build context's actions and previews; the embedded chunks semantic search reads.
import { builder } from "../../builder.ts";
import { ActionStatusEnum, ConversationStatusEnum, MessageRoleEnum, PreviewStatusEnum, ToolUseStatusEnum } from "../enums.ts";
import type { Conversation } from "../../generated/prisma/client.ts";
import { lastMessageIds } from "./sql.ts";
import { listFirst, listTake } from "../lists.ts";
import { seekRange } from "../cursors.ts";
import { storedEmbeddings } from "../../search/stored.ts";

const MessageSequenceEnum = builder.enumType("MessageSequence", {
  description: "The order of a conversation's messages.",
  values: {
    POSITION: { description: "Conversation order (1, 2, 3, …)." },
    TIMESTAMP: { description: "When each was written; messages with the same timestamp in conversation order." },
  } as const,
});

type ContentColumns = Pick<Conversation, "contentType" | "contentTitle" | "contentBody" | "contentUrl" | "contentAuthor" | "contentPublishedAt" | "contentMetadata">;

const ContentSource = builder.objectRef<ContentColumns>("ContentSource").implement({
  description: "What an agent debate discusses: an article, a post, a document.",
  fields: (t) => ({
    type: t.string({ nullable: true, resolve: (c) => c.contentType }),
    title: t.string({ nullable: true, resolve: (c) => c.contentTitle }),
    body: t.string({ nullable: true, resolve: (c) => c.contentBody }),
    url: t.string({ nullable: true, resolve: (c) => c.contentUrl }),
    author: t.string({ nullable: true, resolve: (c) => c.contentAuthor }),
    publishedAt: t.field({ type: "DateTime", nullable: true, resolve: (c) => c.contentPublishedAt }),
    metadata: t.field({ type: "JSON", nullable: true, resolve: (c) => c.contentMetadata }),
  }),
});

export const ConversationRef = builder.prismaNode("Conversation", {
  description: "A conversation: a coding session (001), an agent debate (002), a build context (003) or a memory session (004).",
  id: { field: "id" },
  nullable: true,
  // Select mode: a query reads the columns its operation asks for (and the owner, for the scope).
  select: { id: true, userId: true },
  authScopes: (conversation) => ({ owner: conversation.userId }),
  fields: (t) => ({
    externalId: t.exposeString("externalId", { nullable: true, description: "The source system's id for the conversation; unique among the user's." }),
    sessionId: t.exposeString("sessionId", { nullable: true }),
    projectPath: t.exposeString("projectPath", { nullable: true }),
    title: t.exposeString("title", { nullable: true }),
    description: t.exposeString("description", { nullable: true }),
    status: t.expose("status", { type: ConversationStatusEnum }),
    active: t.boolean({ description: "True while the conversation has not ended.", select: { endedAt: true }, resolve: (c) => c.endedAt === null }),
    contentSource: t.field({
      type: ContentSource,
      nullable: true,
      select: {
        contentType: true,
        contentTitle: true,
        contentBody: true,
        contentUrl: true,
        contentAuthor: true,
        contentPublishedAt: true,
        contentMetadata: true,
      },
      resolve: (c) => (c.contentType ?? c.contentTitle ?? c.contentBody ?? c.contentUrl ? c : null),
    }),
    consensusReached: t.exposeBoolean("consensusReached"),
    finalRecommendation: t.exposeString("finalRecommendation", { nullable: true }),
    confidenceScore: t.exposeFloat("confidenceScore", { nullable: true }),
    flow: t.expose("flow", { type: "JSON", nullable: true }),
    config: t.expose("config", { type: "JSON", nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    startedAt: t.expose("startedAt", { type: "DateTime" }),
    endedAt: t.expose("endedAt", { type: "DateTime", nullable: true }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    user: t.relation("user"),
    messageCount: t.relationCount("messages"),
    lastMessage: t.loadable({
      type: MessageRef,
      nullable: true,
      description: "The newest message; batched across every conversation in the response.",
      load: async (conversationIds: string[], context) => {
        const latest = await lastMessageIds(context.prisma, conversationIds);
        const messages = await context.prisma.message.findMany({ where: { id: { in: [...latest.values()] } } });
        const byId = new Map(messages.map((m) => [m.id, m]));
        return conversationIds.map((id) => byId.get(latest.get(id) ?? "") ?? null);
      },
      resolve: (conversation) => conversation.id,
    }),
    messages: t.relatedConnection("messages", {
      description: "The messages in conversation order (position), or in the order they were written (timestamp, ties by position).",
      cursor: "conversationId_position",
      totalCount: true,
      args: {
        role: t.arg({ type: MessageRoleEnum, required: false }),
        order: t.arg({ type: MessageSequenceEnum, defaultValue: "POSITION" }),
      },
      query: (args) =>
        args.order === "TIMESTAMP"
          ? { where: args.role ? { role: args.role } : {}, orderBy: [{ timestamp: "asc" as const }, { position: "asc" as const }, { id: "asc" as const }] }
          : { where: { ...(args.role ? { role: args.role } : {}), ...seekRange("position", args) }, orderBy: [{ position: "asc" as const }, { id: "asc" as const }] },
    }),
    actions: t.relatedConnection("actions", {
      cursor: "id",
      totalCount: true,
      args: { status: t.arg({ type: ActionStatusEnum, required: false }) },
      query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
    previews: t.relatedConnection("previews", {
      cursor: "id",
      totalCount: true,
      query: { orderBy: [{ createdAt: "desc" }, { id: "asc" }] },
    }),
    chunks: t.relatedConnection("chunks", { cursor: "id", totalCount: true, query: { orderBy: [{ chunkIndex: "asc" }, { id: "asc" }] } }),
    memories: t.relatedConnection("memories", {
      cursor: "id",
      totalCount: true,
      query: { where: { deletedAt: null }, orderBy: [{ createdAt: "desc" }, { id: "asc" }] },
    }),
    moodScores: t.relatedConnection("moodScores", { cursor: "id", totalCount: true, query: { orderBy: [{ measuredAt: "asc" }, { id: "asc" }] } }),
    moodDeltas: t.relation("moodDeltas", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
    deltaPatterns: t.relation("deltaPatterns", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
    turningPoints: t.relation("turningPoints", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ occurredAt: "asc" }, { id: "asc" }] }),
    }),
    relationshipDynamics: t.relation("relationshipDynamics", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
    analyses: t.relation("analyses", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
  }),
});

export const MessageRef = builder.prismaNode("Message", {
  id: { field: "id" },
  nullable: true,
  select: { id: true },
  fields: (t) => ({
    conversation: t.relation("conversation"),
    role: t.expose("role", { type: MessageRoleEnum }),
    sender: t.exposeString("sender", { nullable: true, description: "The author's display name, as a chat export (WhatsApp, say) names them." }),
    agentType: t.exposeString("agentType", { nullable: true }),
    agentName: t.exposeString("agentName", { nullable: true }),
    content: t.exposeString("content"),
    contentHash: t.exposeString("contentHash", { description: "sha256 of the normalised content (the same words said twice share it)." }),
    externalId: t.exposeString("externalId", { nullable: true, description: "The source system's id for the message; unique within the conversation." }),
    position: t.exposeInt("position", { description: "1-based order within the conversation." }),
    confidence: t.exposeFloat("confidence", { nullable: true }),
    citedSources: t.exposeStringList("citedSources"),
    signalReferences: t.exposeStringList("signalReferences"),
    toolCalls: t.expose("toolCalls", { type: "JSON", nullable: true }),
    timestamp: t.expose("timestamp", { type: "DateTime" }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    toolUseCount: t.relationCount("toolUses", { description: "How many tool uses the message has (`toolUses` returns a page of them)." }),
    linkCount: t.relationCount("links", { description: "How many links the message has (`links` returns a page of them)." }),
    assetCount: t.relationCount("assets", { description: "How many assets the message has (`assets` returns a page of them)." }),
    toolUses: t.relation("toolUses", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ timestamp: "asc" }, { id: "asc" }] }),
    }),
    links: t.relation("links", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
    assets: t.relation("assets", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
    emotionalContext: t.relation("emotionalContext", { nullable: true }),
    moodScores: t.relation("moodScores", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ measuredAt: "asc" }, { id: "asc" }] }),
    }),
    turningPoints: t.relation("turningPoints", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ occurredAt: "asc" }, { id: "asc" }] }),
    }),
  }),
});

export const ToolUseRef = builder.prismaNode("ToolUse", {
  id: { field: "id" },
  nullable: true,
  select: { id: true },
  fields: (t) => ({
    message: t.relation("message"),
    externalId: t.exposeString("externalId", { nullable: true, description: "The source system's id for the call." }),
    toolName: t.exposeString("toolName"),
    parameters: t.expose("parameters", { type: "JSON", nullable: true }),
    response: t.expose("response", { type: "JSON", nullable: true }),
    durationMs: t.exposeInt("durationMs", { nullable: true }),
    status: t.expose("status", { type: ToolUseStatusEnum }),
    timestamp: t.expose("timestamp", { type: "DateTime" }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.prismaNode("Link", {
  id: { field: "id" },
  nullable: true,
  select: { id: true },
  fields: (t) => ({
    message: t.relation("message"),
    url: t.exposeString("url"),
    domain: t.exposeString("domain"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.prismaNode("Asset", {
  id: { field: "id" },
  nullable: true,
  select: { id: true },
  fields: (t) => ({
    message: t.relation("message"),
    type: t.exposeString("type"),
    filename: t.exposeString("filename", { nullable: true }),
    mimeType: t.exposeString("mimeType", { nullable: true }),
    sizeBytes: t.exposeInt("sizeBytes", { nullable: true }),
    url: t.exposeString("url", { nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

export const ActionRef = builder.prismaNode("Action", {
  description: "A step of a build workflow run in a conversation (clone_template, configure_tooling, modify_files, deploy, …), with its payload, status and result.",
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation("conversation"),
    externalId: t.exposeString("externalId", { nullable: true }),
    type: t.exposeString("type"),
    payload: t.expose("payload", { type: "JSON" }),
    status: t.expose("status", { type: ActionStatusEnum }),
    result: t.expose("result", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

export const PreviewRef = builder.prismaNode("Preview", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation("conversation"),
    externalId: t.exposeString("externalId", { nullable: true }),
    url: t.exposeString("url", { nullable: true }),
    deploymentId: t.exposeString("deploymentId", { nullable: true }),
    status: t.expose("status", { type: PreviewStatusEnum }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

export const ConversationChunkRef = builder.prismaNode("ConversationChunk", {
  description: "A piece of a conversation's text with its embedding: cut from a message by the server in the background, or uploaded by a client with its own vectors. Search finds conversations and messages through their chunks.",
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation("conversation"),
    message: t.relation("message", { nullable: true, description: "The message this chunk was cut from, if it comes from one message." }),
    chunkIndex: t.exposeInt("chunkIndex"),
    chunkText: t.exposeString("chunkText"),
    embeddingModel: t.exposeString("embeddingModel", { nullable: true }),
    embeddingDimensions: t.exposeInt("embeddingDimensions", { nullable: true }),
    embedding: t.loadableList({
      type: "Float",
      nullable: true,
      description: "The stored vector. Costly (up to 2,000 numbers per chunk): ask for it only when you need the numbers.",
      load: (ids: string[], context) => storedEmbeddings(context.prisma, "CHUNK", context.viewer.id, ids),
      resolve: (chunk) => chunk.id,
    }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});
