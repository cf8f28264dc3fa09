// appendMessages: one transaction per batch, content-hash deduplication, link extraction, nested
// tool uses and assets. The number of SQL statements is the same for 1 message or 1,000.
import { builder } from "../../builder.ts";
import { badInput, notFound } from "../../errors.ts";
import type { Context } from "../../context.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { decodeId } from "../ids.ts";
import { MessageRoleEnum, ToolUseStatusEnum } from "../enums.ts";
import { checkRange, checkText, jsonInput } from "../inputs.ts";
import { contentHash, extractLinks } from "./content.ts";
import { enqueueMessageEmbedding } from "../../jobs/queue.ts";

export const MAX_MESSAGES_PER_APPEND = 1000;
export const MAX_CHILDREN_PER_MESSAGE = 100;
const MAX_CONTENT_LENGTH = 1_000_000;

export const ToolUseInput = builder.inputType("ToolUseInput", {
  fields: (t) => ({
    toolName: t.string({ required: true }),
    parameters: t.field({ type: "JSON" }),
    response: t.field({ type: "JSON" }),
    durationMs: t.int(),
    status: t.field({ type: ToolUseStatusEnum, defaultValue: "PENDING" }),
    timestamp: t.field({ type: "DateTime" }),
    metadata: t.field({ type: "JSON" }),
  }),
});

export const AssetInput = builder.inputType("AssetInput", {
  fields: (t) => ({
    type: t.string({ required: true, description: "image, document, audio, video, file, ..." }),
    filename: t.string(),
    mimeType: t.string(),
    sizeBytes: t.int(),
    url: t.string(),
    metadata: t.field({ type: "JSON" }),
  }),
});

export const MessageInput = builder.inputType("MessageInput", {
  fields: (t) => ({
    role: t.field({ type: MessageRoleEnum, required: true }),
    content: t.string({ required: true }),
    sender: t.string({ description: "Author's display name (chat exports)." }),
    agentType: t.string(),
    agentName: t.string(),
    confidence: t.float({ description: "0 to 1." }),
    citedSources: t.stringList(),
    signalReferences: t.stringList(),
    toolCalls: t.field({ type: "JSON" }),
    timestamp: t.field({ type: "DateTime", description: "Defaults to now." }),
    metadata: t.field({ type: "JSON" }),
    toolUses: t.field({ type: [ToolUseInput] }),
    assets: t.field({ type: [AssetInput] }),
  }),
});

export type MessageInputShape = typeof MessageInput.$inferInput;
type ToolUseInputShape = typeof ToolUseInput.$inferInput;

export function toolUseData(input: ToolUseInputShape, field: string) {
  return {
    toolName: checkText(input.toolName, `${field}.toolName`, { maxLength: 200 })!,
    parameters: jsonInput(input.parameters),
    response: jsonInput(input.response),
    durationMs: checkRange(input.durationMs, `${field}.durationMs`, 0, 2_147_483_647),
    status: input.status ?? "PENDING",
    timestamp: input.timestamp ?? undefined,
    metadata: jsonInput(input.metadata),
  };
}

function checkChildren<T>(list: readonly T[] | null | undefined, field: string): readonly T[] {
  if (!list) return [];
  if (list.length > MAX_CHILDREN_PER_MESSAGE) throw badInput(`${field} may hold at most ${MAX_CHILDREN_PER_MESSAGE} items`, field);
  return list;
}

export interface AppendResult {
  conversationId: string;
  messageIds: string[];
  duplicates: number;
}

/**
 * Validates the whole batch before anything is written: a bad message rejects the batch.
 * `fieldOf` names a message in errors (importChat sorts its messages, but reports the caller's index).
 */
export function prepareMessages(
  messages: readonly MessageInputShape[],
  { max = MAX_MESSAGES_PER_APPEND, fieldOf = (index: number) => `messages[${index}]` } = {},
) {
  if (messages.length > max) {
    throw badInput(`at most ${max} messages per call, got ${messages.length}`, "messages");
  }
  return messages.map((message, index) => {
    const field = fieldOf(index);
    const content = checkText(message.content, `${field}.content`, { maxLength: MAX_CONTENT_LENGTH })!;
    return {
      hash: contentHash(content),
      links: extractLinks(content),
      toolUses: checkChildren(message.toolUses, `${field}.toolUses`).map((use, i) => toolUseData(use, `${field}.toolUses[${i}]`)),
      assets: checkChildren(message.assets, `${field}.assets`).map((asset, i) => ({
        type: checkText(asset.type, `${field}.assets[${i}].type`, { maxLength: 100 })!,
        filename: asset.filename,
        mimeType: asset.mimeType,
        sizeBytes: checkRange(asset.sizeBytes, `${field}.assets[${i}].sizeBytes`, 0, 2_147_483_647),
        url: asset.url,
        metadata: jsonInput(asset.metadata),
      })),
      row: {
        role: message.role,
        content,
        sender: message.sender,
        agentType: message.agentType,
        agentName: checkText(message.agentName, `${field}.agentName`, { maxLength: 100 }),
        confidence: checkRange(message.confidence, `${field}.confidence`, 0, 1),
        citedSources: message.citedSources ?? [],
        signalReferences: message.signalReferences ?? [],
        toolCalls: jsonInput(message.toolCalls),
        timestamp: message.timestamp ?? undefined,
        metadata: jsonInput(message.metadata),
      },
    };
  });
}

export type PreparedMessage = ReturnType<typeof prepareMessages>[number];

/** A batch of thousands of messages needs longer than Prisma's default 5 s transaction timeout. */
export const BATCH_TRANSACTION = { timeout: 60_000, maxWait: 30_000 };

/**
 * Inside the caller's transaction: locks the viewer's conversation, skips messages whose content hash
 * it already holds (or that repeat an earlier one in the batch), stores the rest after its last message.
 */
export async function insertMessages(
  tx: Prisma.TransactionClient,
  viewerId: string,
  conversationId: string,
  prepared: readonly PreparedMessage[],
  now = new Date(),
): Promise<Omit<AppendResult, "conversationId">> {
  // Locking the conversation row serialises appends to it, so positions never collide.
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM conversations WHERE id = ${conversationId} AND user_id = ${viewerId} FOR UPDATE`;
  if (locked.length === 0) throw notFound("Conversation");
  const existing = await tx.message.findMany({
    where: { conversationId, contentHash: { in: prepared.map((p) => p.hash) } },
    select: { contentHash: true },
  });
  const seen = new Set(existing.map((m) => m.contentHash));
  const fresh = prepared.filter((p) => (seen.has(p.hash) ? false : (seen.add(p.hash), true)));
  const duplicates = prepared.length - fresh.length;
  if (fresh.length === 0) return { messageIds: [], duplicates };

  const { _max } = await tx.message.aggregate({ where: { conversationId }, _max: { position: true } });
  const first = (_max.position ?? 0) + 1;
  const rows: Prisma.MessageCreateManyInput[] = fresh.map((p, i) => ({
    ...p.row,
    timestamp: p.row.timestamp ?? now,
    conversationId,
    contentHash: p.hash,
    position: first + i,
  }));
  const created = await tx.message.createManyAndReturn({ data: rows, select: { id: true, position: true } });
  const idAt = new Map(created.map((m) => [m.position, m.id]));
  const messageIds = fresh.map((_, i) => idAt.get(first + i)!);

  const toolUses = fresh.flatMap((p, i) => p.toolUses.map((use) => ({ ...use, messageId: messageIds[i] })));
  const links = fresh.flatMap((p, i) => p.links.map((link) => ({ ...link, messageId: messageIds[i] })));
  const assets = fresh.flatMap((p, i) => p.assets.map((asset) => ({ ...asset, messageId: messageIds[i] })));
  if (toolUses.length) await tx.toolUse.createMany({ data: toolUses });
  if (links.length) await tx.link.createMany({ data: links, skipDuplicates: true });
  if (assets.length) await tx.asset.createMany({ data: assets });
  await enqueueMessageEmbedding(tx, viewerId, conversationId, messageIds); // chunked and embedded in the background
  await tx.conversation.update({ where: { id: conversationId }, data: { updatedAt: now } });
  return { messageIds, duplicates };
}

/** One messageAdded event for the new messages of a write (subscribers get them one by one); call after commit. */
export function publishMessagesAdded(context: Context, conversationId: string, messageIds: readonly string[]) {
  if (messageIds.length === 0) return;
  context.pubsub.publish("messageAdded", context.viewer.id, { conversationId, messageIds: [...messageIds] });
}

/**
 * Appends messages to one of the viewer's conversations in one transaction. A message whose content
 * hash the conversation already holds (or that repeats an earlier one in the batch) is skipped and
 * counted in `duplicates`. Publishes messageAdded for each new message after commit.
 */
export async function appendMessages(context: Context, conversationId: string, messages: readonly MessageInputShape[]): Promise<AppendResult> {
  const prepared = prepareMessages(messages);
  const result = await context.prisma.$transaction((tx) => insertMessages(tx, context.viewer.id, conversationId, prepared), BATCH_TRANSACTION);
  publishMessagesAdded(context, conversationId, result.messageIds);
  return { conversationId, ...result };
}

export const AppendMessagesPayload = builder.objectRef<AppendResult>("AppendMessagesPayload").implement({
  fields: (t) => ({
    conversation: t.prismaField({
      type: "Conversation",
      resolve: (query, result, _args, context) =>
        context.prisma.conversation.findUniqueOrThrow({ ...query, where: { id: result.conversationId, userId: context.viewer.id } }),
    }),
    messages: t.prismaField({
      type: ["Message"],
      description: "The messages stored by this call, in order (duplicates are not repeated here).",
      resolve: (query, result, _args, context) =>
        context.prisma.message.findMany({ ...query, where: { id: { in: result.messageIds } }, orderBy: { position: "asc" } }),
    }),
    inserted: t.int({ resolve: (result) => result.messageIds.length }),
    duplicates: t.exposeInt("duplicates", { description: "Messages skipped because the conversation already holds their content." }),
  }),
});

builder.mutationField("appendMessages", (t) =>
  t.field({
    type: AppendMessagesPayload,
    description: "Appends messages in one transaction, skipping content the conversation already holds.",
    args: {
      conversationId: t.arg.id({ required: true }),
      messages: t.arg({ type: [MessageInput], required: true }),
    },
    resolve: (_root, args, context) =>
      appendMessages(context, decodeId(args.conversationId, "Conversation", "conversationId"), args.messages),
  }),
);
