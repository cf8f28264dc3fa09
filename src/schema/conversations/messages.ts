// appendMessages: one transaction per batch, deduplication of the same message (by externalId, or by
// role, sender, timestamp and content), link extraction, nested tool uses and assets. The number of
// SQL statements is the same for 1 message or 1,000.
import { builder } from "../../builder.ts";
import { badInput, conflict, notFound } from "../../errors.ts";
import type { Context } from "../../context.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { decodeId } from "../ids.ts";
import { MessageRoleEnum, ToolUseStatusEnum } from "../enums.ts";
import { jsonInput } from "../inputs.ts";
import { list, range, text } from "../constraints.ts";
import { MAX_LINK_BYTES, contentHash, extractLinks, messageFingerprint } from "./content.ts";
import { enqueueMessageEmbedding } from "../../jobs/queue.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { ALL_USERS } from "../../events/pubsub.ts";
import { ownedQuery, owner, type ViewerTransaction } from "../../auth/viewer-client.ts";

export const MAX_MESSAGES_PER_APPEND = 1000;
export const MAX_CHILDREN_PER_MESSAGE = 100;
export const MAX_CONTENT_LENGTH = 1_000_000;
const MAX_INT = 2_147_483_647;
const children = list(MAX_CHILDREN_PER_MESSAGE);

export const ToolUseInput = builder.inputType("ToolUseInput", {
  fields: (t) => ({
    externalId: t.string({
      description: "The source system's id for the call (e.g. Claude Code's tool_use id); unique within its message.",
      validate: text({ maxLength: 500 }),
    }),
    toolName: t.string({ required: true, validate: text({ maxLength: 200 }) }),
    parameters: t.field({ type: "JSON" }),
    response: t.field({ type: "JSON" }),
    durationMs: t.int({ validate: range(0, MAX_INT) }),
    status: t.field({ type: ToolUseStatusEnum, defaultValue: "PENDING" }),
    timestamp: t.field({ type: "DateTime" }),
    metadata: t.field({ type: "JSON" }),
  }),
});

export const AssetInput = builder.inputType("AssetInput", {
  fields: (t) => ({
    type: t.string({ required: true, description: "image, document, audio, video, file, ...", validate: text({ maxLength: 100 }) }),
    filename: t.string(),
    mimeType: t.string(),
    sizeBytes: t.int({ validate: range(0, MAX_INT) }),
    url: t.string(),
    metadata: t.field({ type: "JSON" }),
  }),
});

export const MessageInput = builder.inputType("MessageInput", {
  description:
    "A message is stored once: one with an `externalId` the conversation already holds, or without one the same role, sender, " +
    "timestamp and content as a message it holds (or as an earlier one of the same call), is skipped and counted in `duplicates`. " +
    "A message without `externalId` and without `timestamp` is stamped when it arrives and is never a duplicate.",
  fields: (t) => ({
    externalId: t.string({
      description: "The source system's id for the message (Claude Code's uuid, ChatGPT's message id, an export line's place); unique within the conversation.",
      validate: text({ maxLength: 500 }),
    }),
    role: t.field({ type: MessageRoleEnum, required: true }),
    content: t.string({
      required: true,
      description: "May be empty only for a message with tool uses, tool calls, assets or links (an assistant turn that only calls tools, a photo sent without text).",
      // Whether it may be empty depends on the other fields: prepareMessages.
      validate: text({ maxLength: MAX_CONTENT_LENGTH, allowEmpty: true }),
    }),
    position: t.int({
      description: "1-based place in the conversation (an import's original order). Left out: after the last message. A place already taken is a CONFLICT.",
      validate: range(1, MAX_INT),
    }),
    sender: t.string({ description: "Author's display name (chat exports).", validate: text({ maxLength: 500, allowEmpty: true }) }),
    agentType: t.string(),
    agentName: t.string({ validate: text({ maxLength: 100 }) }),
    confidence: t.float({ description: "0 to 1.", validate: range(0, 1) }),
    citedSources: t.stringList(),
    signalReferences: t.stringList(),
    toolCalls: t.field({ type: "JSON" }),
    timestamp: t.field({ type: "DateTime", description: "Defaults to now." }),
    metadata: t.field({ type: "JSON" }),
    toolUses: t.field({ type: [ToolUseInput], validate: children }),
    assets: t.field({ type: [AssetInput], validate: children }),
    links: t.stringList({
      description: "http(s) URLs to record as the message's links besides those found in its content (a source system's own link records).",
      validate: children,
    }),
  }),
});

export type MessageInputShape = typeof MessageInput.$inferInput;
type ToolUseInputShape = typeof ToolUseInput.$inferInput;

/** A tool use's row. Its sizes and ranges are ToolUseInput's constraints, checked before the resolver (or by checkInput for a file's). */
export function toolUseData(input: ToolUseInputShape) {
  return {
    externalId: input.externalId,
    toolName: input.toolName,
    parameters: jsonInput(input.parameters),
    response: jsonInput(input.response),
    durationMs: input.durationMs,
    status: input.status ?? "PENDING",
    timestamp: input.timestamp ?? undefined,
    metadata: jsonInput(input.metadata),
  };
}

/** The links found in the content, plus the ones given (each an http(s) URL, else BAD_USER_INPUT), once each. */
function withGivenLinks(found: { url: string; domain: string }[], given: readonly string[], field: string) {
  const seen = new Set(found.map((link) => link.url));
  for (const [i, raw] of given.entries()) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw badInput(`${field}[${i}] is not a URL`, `${field}[${i}]`);
    }
    if (!/^https?:$/.test(url.protocol) || Buffer.byteLength(url.href) > MAX_LINK_BYTES) throw badInput(`${field}[${i}] must be an http(s) URL of at most ${MAX_LINK_BYTES} bytes`, `${field}[${i}]`);
    if (!seen.has(url.href)) found.push({ url: url.href, domain: url.hostname.toLowerCase() });
    seen.add(url.href);
  }
  return found;
}

export interface AppendResult {
  conversationId: string;
  messageIds: string[];
  duplicates: number;
}

/**
 * Checks the whole batch before anything is written: a bad message rejects the batch. Each field's own
 * constraints (sizes, ranges, list lengths) were checked on MessageInput already (by the validation
 * plugin, or checkInput for a file's messages); here the rules that are not about one field's value:
 * the batch's size (its limit is the caller's), content that may be empty only with tool calls or
 * other parts, a link that must parse as an http(s) URL (kept as parsed), a position given twice.
 * `fieldOf` names a message in errors (importChat sorts its messages, but reports the caller's index).
 */
export function prepareMessages(
  messages: readonly MessageInputShape[],
  { max = MAX_MESSAGES_PER_APPEND, fieldOf = (index: number) => `messages[${index}]` } = {},
) {
  if (messages.length > max) {
    throw badInput(`at most ${max} messages per call, got ${messages.length}`, "messages");
  }
  const prepared = messages.map((message, index) => {
    const field = fieldOf(index);
    const callsTools = (message.toolUses?.length ?? 0) > 0 || (message.toolCalls !== null && message.toolCalls !== undefined);
    const carriesOther = (message.assets?.length ?? 0) > 0 || (message.links?.length ?? 0) > 0;
    const { content, sender, externalId } = message;
    if (!callsTools && !carriesOther && content.trim() === "") throw badInput(`${field}.content must not be empty`, `${field}.content`);
    const timestamp = message.timestamp ?? undefined;
    return {
      field,
      hash: contentHash(content),
      // Without an externalId or a timestamp there is nothing to recognise the message by: it is new.
      fingerprint: !externalId && timestamp ? messageFingerprint(message.role, sender, timestamp, content) : null,
      position: message.position ?? undefined,
      links: withGivenLinks(extractLinks(content), message.links ?? [], `${field}.links`),
      toolUses: (message.toolUses ?? []).map((use) => toolUseData(use)),
      assets: (message.assets ?? []).map((asset) => ({
        type: asset.type,
        filename: asset.filename,
        mimeType: asset.mimeType,
        sizeBytes: asset.sizeBytes,
        url: asset.url,
        metadata: jsonInput(asset.metadata),
      })),
      row: {
        externalId,
        role: message.role,
        content,
        sender,
        agentType: message.agentType,
        agentName: message.agentName,
        confidence: message.confidence,
        citedSources: message.citedSources ?? [],
        signalReferences: message.signalReferences ?? [],
        toolCalls: jsonInput(message.toolCalls),
        timestamp,
        metadata: jsonInput(message.metadata),
      },
    };
  });
  const positions = new Set<number>();
  for (const p of prepared) {
    if (p.position === undefined) continue;
    if (positions.has(p.position)) throw badInput(`${p.field}.position ${p.position} is given twice`, `${p.field}.position`);
    positions.add(p.position);
  }
  return prepared;
}

/** What makes a message the same message: its externalId, else its fingerprint; null when nothing does. */
const identityOf = (p: { row: { externalId?: string | null }; fingerprint: string | null }) =>
  p.row.externalId ? `x:${p.row.externalId}` : p.fingerprint ? `f:${p.fingerprint}` : null;

export type PreparedMessage = ReturnType<typeof prepareMessages>[number];

/**
 * Inside the caller's transaction: locks the viewer's conversation, skips messages it already holds
 * (same externalId, or same fingerprint) or that repeat an earlier one in the batch, and stores the
 * rest at their given positions or after its last message.
 */
export async function insertMessages(
  tx: ViewerTransaction,
  viewerId: string,
  conversationId: string,
  prepared: readonly PreparedMessage[],
  now = new Date(),
): Promise<Omit<AppendResult, "conversationId">> {
  // Locking the conversation row serialises appends to it, so positions never collide.
  const locked = await ownedQuery(tx, viewerId)<{ id: string }>`
    SELECT id FROM conversations WHERE id = ${conversationId} AND ${owner()} FOR UPDATE`;
  if (locked.length === 0) throw notFound("Conversation");
  const externalIds = prepared.flatMap((p) => (p.row.externalId ? [p.row.externalId] : []));
  const fingerprints = prepared.flatMap((p) => (!p.row.externalId && p.fingerprint ? [p.fingerprint] : []));
  const existing =
    externalIds.length + fingerprints.length === 0
      ? []
      : await tx.message.findMany({
          where: { conversationId, OR: [{ externalId: { in: externalIds } }, { fingerprint: { in: fingerprints } }] },
          select: { externalId: true, fingerprint: true },
        });
  const seen = new Set(existing.map((m) => (m.externalId ? `x:${m.externalId}` : `f:${m.fingerprint}`)));
  const fresh = prepared.filter((p) => {
    const identity = identityOf(p);
    if (identity === null) return true;
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
  const duplicates = prepared.length - fresh.length;
  if (fresh.length === 0) return { messageIds: [], duplicates };

  const given = fresh.flatMap((p) => (p.position === undefined ? [] : [p.position]));
  if (given.length) {
    const taken = await tx.message.findFirst({ where: { conversationId, position: { in: given } }, select: { position: true } });
    if (taken) throw conflict(`position ${taken.position} is already taken in this conversation`);
  }
  const { _max } = await tx.message.aggregate({ where: { conversationId }, _max: { position: true } });
  let next = Math.max(_max.position ?? 0, ...given) + 1;
  const positions = fresh.map((p) => p.position ?? next++);
  const rows: Prisma.MessageCreateManyInput[] = fresh.map((p, i) => ({
    ...p.row,
    timestamp: p.row.timestamp ?? now,
    conversationId,
    contentHash: p.hash,
    fingerprint: identityOf(p)?.startsWith("f:") ? p.fingerprint : null,
    position: positions[i],
  }));
  const created = await tx.message.createManyAndReturn({ data: rows, select: { id: true, position: true } });
  const idAt = new Map(created.map((m) => [m.position, m.id]));
  const messageIds = positions.map((position) => idAt.get(position)!);

  // A tool call without its own time happened when its message did (an import keeps history).
  const toolUses = fresh.flatMap((p, i) => p.toolUses.map((use) => ({ ...use, timestamp: use.timestamp ?? rows[i].timestamp, messageId: messageIds[i] })));
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
  context.pubsub.publish("jobsQueued", ALL_USERS, { kind: "embed_messages" }); // their embedding job: wake the workers
}

/**
 * Appends messages to one of the viewer's conversations in one transaction. A message the
 * conversation already holds (or that repeats an earlier one in the batch) is skipped and counted in
 * `duplicates`. Publishes messageAdded for each new message after commit.
 */
export async function appendMessages(context: Context, conversationId: string, messages: readonly MessageInputShape[]): Promise<AppendResult> {
  const prepared = prepareMessages(messages);
  const result = await retryingTransaction(context.db, (tx) => insertMessages(tx, context.viewer.id, conversationId, prepared));
  publishMessagesAdded(context, conversationId, result.messageIds);
  return { conversationId, ...result };
}

export const AppendMessagesPayload = builder.objectRef<AppendResult>("AppendMessagesPayload").implement({
  fields: (t) => ({
    conversation: t.prismaField({
      type: "Conversation",
      resolve: (query, result, _args, context) =>
        context.db.conversation.findUniqueOrThrow({ ...query, where: { id: result.conversationId } }),
    }),
    messages: t.prismaField({
      type: ["Message"],
      description: "The messages stored by this call, in order (duplicates are not repeated here).",
      resolve: (query, result, _args, context) =>
        context.db.message.findMany({ ...query, where: { id: { in: result.messageIds } }, orderBy: { position: "asc" } }),
    }),
    inserted: t.int({ resolve: (result) => result.messageIds.length }),
    duplicates: t.exposeInt("duplicates", { description: "Messages skipped because the conversation already holds them (same externalId, or same role, sender, timestamp and content)." }),
  }),
});

builder.mutationField("appendMessages", (t) =>
  t.field({
    type: AppendMessagesPayload,
    description: "Appends messages in one transaction, skipping messages the conversation already holds (see MessageInput).",
    args: {
      conversationId: t.arg.id({ required: true }),
      messages: t.arg({ type: [MessageInput], required: true }),
    },
    resolve: (_root, args, context) =>
      appendMessages(context, decodeId(args.conversationId, "Conversation", "conversationId"), args.messages),
  }),
);
