// importChat: a chat export (WhatsApp and the like) into a new or existing conversation.
// The messages go in time order through the same path as appendMessages (deduplication of the same
// message, links, assets), and a new conversation is created in the same transaction: a failed import leaves
// nothing behind.
import { builder } from "../../builder.ts";
import type { Context } from "../../context.ts";
import { badInput } from "../../errors.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { MessageRole } from "../../generated/prisma/enums.ts";
import { MessageRoleEnum } from "../enums.ts";
import { decodeId } from "../ids.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { jsonObject, list, range, text } from "../constraints.ts";
import {
  MAX_CHILDREN_PER_MESSAGE,
  MAX_CONTENT_LENGTH,
  type AppendResult,
  type MessageInputShape,
  insertMessages,
  prepareMessages,
  publishMessagesAdded,
} from "./messages.ts";

/** Larger than appendMessages' 1,000 so a long chat goes in whole, in one transaction (Prisma splits the INSERTs at PostgreSQL's bind-parameter limit). */
export const MAX_MESSAGES_PER_IMPORT = 5000;

const ImportedConversationInput = builder.inputType("ImportedConversationInput", {
  description: "The conversation importChat creates for an export.",
  fields: (t) => ({
    title: t.string({ description: 'e.g. "WhatsApp chat with Maya".', validate: text({ maxLength: 1000, allowEmpty: true }) }),
    description: t.string({ validate: text({ allowEmpty: true }) }),
    sessionId: t.string(),
    projectPath: t.string(),
    startedAt: t.field({ type: "DateTime", description: "Defaults to the earliest message's timestamp." }),
    metadata: t.field({ type: "JSON", description: "A JSON object; the import's `source` is added to it.", validate: jsonObject() }),
  }),
});

const ChatAttachmentInput = builder.inputType("ChatAttachmentInput", {
  description: "A file sent with a chat message; stored as an Asset of the message.",
  fields: (t) => ({
    type: t.string({
      description: "image, audio, video, document or file. Left out, it is inferred from mimeType, else from the filename's extension, else file.",
      validate: text({ maxLength: 100 }),
    }),
    filename: t.string({ description: 'As the export names it, e.g. "IMG-20250614-WA0007.jpg".', validate: text({ maxLength: 1000 }) }),
    mimeType: t.string({ validate: text({ maxLength: 255 }) }),
    sizeBytes: t.int({ validate: range(0, 2_147_483_647) }),
    url: t.string({ validate: text({ maxLength: 10_000 }) }),
    metadata: t.field({ type: "JSON" }),
  }),
});

const ChatMessageInput = builder.inputType("ChatMessageInput", {
  description: "One line of a chat export.",
  fields: (t) => ({
    externalId: t.string({
      description:
        "The line's id in the export (its place, e.g. \"line:120\"). Give it when the export's times are coarse (WhatsApp's are to the minute): " +
        "two identical lines by the same sender in the same minute are then both kept.",
      validate: text({ maxLength: 500 }),
    }),
    sender: t.string({
      description:
        "Who wrote it, as the export names them; stored as the message's `sender`. Leave it out for the chat's own notices " +
        '("Maya added Jonah", "Messages are end-to-end encrypted"): those are stored with role SYSTEM.',
      validate: text({ maxLength: 200 }),
    }),
    timestamp: t.field({ type: "DateTime", required: true }),
    content: t.string({
      required: true,
      description: 'The text. May be empty only when the message has attachments: it is then stored as "<attached: FILENAME>", one line per attachment.',
      // Whether it may be empty depends on the attachments: prepareMessages.
      validate: text({ maxLength: MAX_CONTENT_LENGTH, allowEmpty: true }),
    }),
    role: t.field({ type: MessageRoleEnum, description: "Overrides the role derived from the sender (see ImportChatInput.assistantSenders)." }),
    metadata: t.field({ type: "JSON", description: "A JSON object; the import's `source` is added to it.", validate: jsonObject() }),
    attachments: t.field({ type: [ChatAttachmentInput], description: `At most ${MAX_CHILDREN_PER_MESSAGE}.`, validate: list(MAX_CHILDREN_PER_MESSAGE) }),
  }),
});

const ImportChatInput = builder.inputType("ImportChatInput", {
  description:
    "A chat export. Give exactly one of `conversationId` (append to that conversation) or `conversation` (create one). " +
    "Messages are stored in timestamp order (ties keep the export's order), after any the conversation already holds; " +
    "a message the conversation already holds (same externalId, or same sender, role, timestamp and content), or that repeats an earlier " +
    "message of the export, is skipped and counted in `duplicates`, so re-importing an export, or a longer export of the same chat, adds only what is new.",
  fields: (t) => ({
    conversationId: t.id({ description: "An existing conversation of the viewer's to import into." }),
    conversation: t.field({ type: ImportedConversationInput, description: "Create a new conversation for the export, in the same transaction." }),
    source: t.string({
      description: "Where the export came from: whatsapp, telegram, signal, slack, ... Stored as `source` in each imported message's metadata, and in a new conversation's.",
      validate: text({ maxLength: 100 }),
    }),
    assistantSenders: t.stringList({
      description:
        "Senders who are an AI (a bot in the group, the assistant of an exported AI chat): their messages get role ASSISTANT. " +
        "Matched ignoring case and surrounding spaces. Every other sender is a person: role USER.",
    }),
    messages: t.field({ type: [ChatMessageInput], required: true, description: `In any order; at most ${MAX_MESSAGES_PER_IMPORT.toLocaleString("en")} per import.` }),
  }),
});

type ImportChatInputShape = typeof ImportChatInput.$inferInput;
type ChatMessageInputShape = typeof ChatMessageInput.$inferInput;
type ChatAttachmentInputShape = typeof ChatAttachmentInput.$inferInput;

/** A JSON object argument (its field's constraint) with the import's source added. */
function withSource(value: unknown, source: string | null | undefined): Prisma.InputJsonObject | undefined {
  if (!value && !source) return undefined;
  return { ...(value as Prisma.InputJsonObject | null | undefined), ...(source ? { source } : {}) };
}

const TYPE_BY_EXTENSION: Record<string, string> = Object.fromEntries(
  Object.entries({
    image: "jpg jpeg png gif webp heic heif bmp svg tif tiff",
    audio: "opus ogg mp3 m4a aac wav flac amr",
    video: "mp4 mov webm 3gp avi mkv m4v",
    document: "pdf txt csv doc docx xls xlsx ppt pptx odt ods odp rtf md",
  }).flatMap(([type, extensions]) => extensions.split(" ").map((extension) => [extension, type])),
);

function attachmentType({ mimeType, filename }: { mimeType?: string | null; filename?: string | null }): string {
  const mime = mimeType?.trim().toLowerCase() ?? "";
  const major = mime.split("/")[0];
  if (major === "image" || major === "audio" || major === "video") return major;
  if (mime.startsWith("text/") || /pdf|msword|officedocument|ms-excel|ms-powerpoint|opendocument/.test(mime)) return "document";
  const extension = filename?.match(/\.([a-z0-9]+)$/i)?.[1]?.toLowerCase();
  return (extension && TYPE_BY_EXTENSION[extension]) || "file";
}

function attachmentInput(attachment: ChatAttachmentInputShape) {
  return {
    type: attachment.type?.trim() ?? attachmentType(attachment),
    filename: attachment.filename,
    mimeType: attachment.mimeType,
    sizeBytes: attachment.sizeBytes,
    url: attachment.url,
    metadata: attachment.metadata,
  };
}

const senderKey = (sender: string) => sender.trim().toLowerCase();

/** A chat line as appendMessages takes it (its fields' constraints were checked on ChatMessageInput). */
function messageInput(message: ChatMessageInputShape, assistants: Set<string>, source: string | null | undefined): MessageInputShape {
  const sender = message.sender?.trim();
  const assets = (message.attachments ?? []).map(attachmentInput);
  let content = message.content;
  if (content.trim() === "" && assets.length > 0) {
    // What WhatsApp itself writes for a photo sent without a caption; distinct files stay distinct messages.
    content = assets.map((asset) => `<attached: ${asset.filename ?? asset.url ?? asset.type}>`).join("\n");
  }
  const role: MessageRole = message.role ?? (!sender ? "SYSTEM" : assistants.has(senderKey(sender)) ? "ASSISTANT" : "USER");
  return { externalId: message.externalId, role, sender, content, timestamp: message.timestamp, metadata: withSource(message.metadata, source), assets };
}

function newConversationData(input: NonNullable<ImportChatInputShape["conversation"]>, source: string | null | undefined, firstTimestamp: Date | undefined) {
  return {
    title: input.title,
    description: input.description,
    sessionId: input.sessionId,
    projectPath: input.projectPath,
    startedAt: input.startedAt ?? firstTimestamp,
    metadata: withSource(input.metadata, source),
  };
}

/** Validates everything, then imports in one transaction; publishes messageAdded after commit. */
async function importChat(context: Context, input: ImportChatInputShape): Promise<AppendResult> {
  const hasExisting = input.conversationId != null;
  const hasNew = input.conversation != null;
  if (hasExisting && hasNew) {
    throw badInput("Give either input.conversationId (an existing conversation) or input.conversation (a new one), not both", "input.conversationId");
  }
  if (!hasExisting && !hasNew) {
    throw badInput("Give input.conversationId to import into an existing conversation, or input.conversation to create one", "input.conversation");
  }
  const existingId = hasExisting ? decodeId(input.conversationId!, "Conversation", "input.conversationId") : undefined;
  if (input.messages.length > MAX_MESSAGES_PER_IMPORT) {
    throw badInput(`at most ${MAX_MESSAGES_PER_IMPORT} messages per import, got ${input.messages.length}; split the export`, "input.messages");
  }
  const source = input.source?.trim();
  const assistants = new Set((input.assistantSenders ?? []).map(senderKey));

  const lines = input.messages.map((message, index) => ({ index, message: messageInput(message, assistants, source) }));
  // Array.prototype.sort is stable: messages with the same timestamp keep the export's order.
  lines.sort((a, b) => a.message.timestamp!.getTime() - b.message.timestamp!.getTime());
  const prepared = prepareMessages(
    lines.map((line) => line.message),
    { max: MAX_MESSAGES_PER_IMPORT, fieldOf: (i) => `input.messages[${lines[i].index}]` },
  );
  const created = hasNew ? newConversationData(input.conversation!, source, lines[0]?.message.timestamp ?? undefined) : undefined;

  const result = await retryingTransaction(context.db, async (tx) => {
    const conversationId =
      existingId ?? (await tx.conversation.create({ data: { ...created, userId: context.viewer.id }, select: { id: true } })).id;
    return { conversationId, ...(await insertMessages(tx, context.viewer.id, conversationId, prepared)) };
  });
  publishMessagesAdded(context, result.conversationId, result.messageIds);
  return result;
}

const ImportChatPayload = builder.objectRef<AppendResult>("ImportChatPayload").implement({
  fields: (t) => ({
    conversation: t.prismaField({
      type: "Conversation",
      description: "The conversation imported into (new or existing).",
      resolve: (query, result, _args, context) =>
        context.db.conversation.findUniqueOrThrow({ ...query, where: { id: result.conversationId } }),
    }),
    messages: t.prismaField({
      type: ["Message"],
      description: "The messages this import stored, in conversation order (duplicates are not repeated here).",
      resolve: (query, result, _args, context) =>
        context.db.message.findMany({ ...query, where: { id: { in: result.messageIds } }, orderBy: { position: "asc" } }),
    }),
    inserted: t.int({ resolve: (result) => result.messageIds.length }),
    duplicates: t.exposeInt("duplicates", {
      description: "Messages skipped because the conversation already held them, or the export repeated them.",
    }),
  }),
});

builder.mutationField("importChat", (t) =>
  t.field({
    type: ImportChatPayload,
    description:
      "Imports a chat export (sender, timestamp, content, attachments) into a new or existing conversation in one transaction, " +
      "in time order, skipping messages the conversation already holds; links are extracted and attachments stored as assets.",
    args: { input: t.arg({ type: ImportChatInput, required: true }) },
    resolve: (_root, { input }, context) => importChat(context, input),
  }),
);
