// Imports from other systems. importConversation: one conversation, found or created by its source
// id, with a batch of its messages (the CLI sends a long one batch by batch). importConversations:
// a whole export file, parsed on the server by the same parsers as the CLI, in one transaction (an
// SQLite file, sent base64-encoded, with its memory records too, through importMemoryRecords' code).
// Both go through insertMessages, so re-sending adds nothing (messages are matched by externalId).
import { GraphQLError, coerceInputValue, type GraphQLInputObjectType, type GraphQLResolveInfo } from "graphql";
import { builder } from "../../builder.ts";
import type { Context } from "../../context.ts";
import { apiError, badInput } from "../../errors.ts";
import type { ViewerTransaction } from "../../auth/viewer-client.ts";
import { ImportFormatError, type ImportedConversation, type ParseResult } from "../../import/model.ts";
import { TEXT_FORMATS, parseText } from "../../import/formats/index.ts";
import { checkInput, text } from "../constraints.ts";
import { lockKeys, retryingTransaction } from "../../db/transaction.ts";
import { readSqlite, type SqliteImport } from "../../import/sqlite.ts";
import {
  MemoryRecordsImportPayload,
  embedNewMemories,
  importRecordsIn,
  noRecords,
  prepareRecords,
  recordLockKeys,
  type Prepared,
  type RecordsInput,
  type RecordsResult,
} from "./memory-records.ts";
import { conversationData, conversationFields } from "../conversations/mutations.ts";
import {
  MAX_MESSAGES_PER_APPEND,
  MessageInput,
  insertMessages,
  prepareMessages,
  publishMessagesAdded,
  type MessageInputShape,
} from "../conversations/messages.ts";

const MAX_MESSAGES_PER_FILE = 20_000;
/** An uploaded SQLite file's size, decoded (its base64 text is 4/3 of it, and the request within MAX_REQUEST_BYTES). */
export const MAX_SQLITE_UPLOAD_BYTES = 16_000_000;
/** An uploaded SQLite file's memories and clusters (each memory is embedded, and carries its records). */
const MAX_MEMORIES_PER_FILE = 5_000;
const MAX_CLUSTERS_PER_FILE = 1_000;

const ConversationImportInput = builder.inputType("ConversationImportInput", {
  description: "A conversation from another system, identified by its id there. Its fields apply when it is created; a later batch only adds messages.",
  fields: (t) => ({
    ...conversationFields(t),
    externalId: t.string({
      required: true,
      description: 'The source system\'s id, e.g. "claude-code:<session id>"; unique among your conversations.',
      validate: text({ maxLength: 500 }),
    }),
    messages: t.field({ type: [MessageInput], required: true, description: `At most ${MAX_MESSAGES_PER_APPEND} per call.` }),
  }),
});

interface ImportedResult {
  conversationIds: string[];
  created: number;
  inserted: number;
  duplicates: number;
  toolUses: number;
  skipped: { reason: string; count: number }[];
  /** An SQLite file's memory records (null for the other formats). */
  records?: RecordsResult;
}

const ImportSkip = builder.objectRef<{ reason: string; count: number }>("ImportSkip").implement({
  description: "Records of the source left out, and why.",
  fields: (t) => ({ reason: t.exposeString("reason"), count: t.exposeInt("count") }),
});

const ImportPayload = builder.objectRef<ImportedResult>("ImportPayload").implement({
  fields: (t) => ({
    conversations: t.prismaField({
      type: ["Conversation"],
      description: "The conversations imported into, new or existing, in the source's order.",
      resolve: async (query, result, _args, context) => {
        const rows = await context.db.conversation.findMany({ ...query, where: { id: { in: result.conversationIds } } });
        const byId = new Map(rows.map((row) => [row.id, row]));
        return result.conversationIds.flatMap((id) => byId.get(id) ?? []);
      },
    }),
    created: t.exposeInt("created", { description: "Conversations created by this call." }),
    inserted: t.exposeInt("inserted", { description: "Messages stored." }),
    duplicates: t.exposeInt("duplicates", { description: "Messages skipped because they were already stored (an import sent again)." }),
    toolUses: t.exposeInt("toolUses", { description: "Tool uses stored with the new messages." }),
    skipped: t.field({ type: [ImportSkip], resolve: (result) => result.skipped }),
    records: t.field({
      type: MemoryRecordsImportPayload,
      nullable: true,
      description: "SQLITE: the file's memories and what was recorded about them, clusters, mood scores and turning points (stored, already there). Null for the other formats.",
      resolve: (result) => result.records ?? null,
    }),
  }),
});

type ConversationImport = typeof ConversationImportInput.$inferInput;

function conversationRow(input: Omit<ConversationImport, "messages">) {
  const metadata = input.metadata;
  if (metadata !== null && metadata !== undefined && (typeof metadata !== "object" || Array.isArray(metadata))) {
    throw badInput("metadata must be a JSON object", "input.metadata");
  }
  const data = conversationData(input);
  // An imported conversation that has ended is complete unless the source says otherwise.
  const ended = input.endedAt && !input.status ? { status: "COMPLETED" as const, completedAt: input.completedAt ?? input.endedAt } : {};
  return { ...data, ...ended, externalId: input.externalId };
}

/**
 * Inside a transaction, before importInto: waits for any other import of these source ids by this
 * viewer to commit, so that of two imports of one conversation sent at once, the second finds the
 * conversation and the messages the first stored (rather than failing on the unique source id).
 * Transaction-scoped advisory locks, taken in one order (sorted) by one statement.
 */
async function lockSourceIds(tx: ViewerTransaction, viewerId: string, externalIds: string[]) {
  await lockKeys(tx, sourceLockKeys(viewerId, externalIds));
}

const sourceLockKeys = (viewerId: string, externalIds: readonly string[]) => externalIds.map((id) => `import:${viewerId}:${id}`);

/** Inside a transaction: the viewer's conversation with this source id (created when new), and the new messages. */
async function importInto(tx: ViewerTransaction, viewerId: string, input: ConversationImport, prepared: ReturnType<typeof prepareMessages>) {
  const row = conversationRow(input);
  const existing = await tx.conversation.findFirst({ where: { externalId: row.externalId }, select: { id: true } });
  const id = existing?.id ?? (await tx.conversation.create({ data: { ...row, userId: viewerId }, select: { id: true } })).id;
  const result = await insertMessages(tx, viewerId, id, prepared);
  const toolUses = result.messageIds.length ? await tx.toolUse.count({ where: { messageId: { in: result.messageIds } } }) : 0;
  return { id, created: !existing, toolUses, ...result };
}

/** After the commit: subscribers hear of the new messages, and the client gets what one conversation's import did. */
function importedConversation(context: Context, imported: Awaited<ReturnType<typeof importInto>>, skipped: ImportedResult["skipped"] = []): ImportedResult {
  publishMessagesAdded(context, imported.id, imported.messageIds);
  return {
    conversationIds: [imported.id],
    created: imported.created ? 1 : 0,
    inserted: imported.messageIds.length,
    duplicates: imported.duplicates,
    toolUses: imported.toolUses,
    skipped,
  };
}

async function importConversationBatch(context: Context, input: ConversationImport): Promise<ImportedResult> {
  const prepared = prepareMessages(input.messages, { fieldOf: (i) => `input.messages[${i}]` });
  const externalId = conversationRow(input).externalId;
  const result = await retryingTransaction(
    context.db,
    async (tx) => {
      await lockSourceIds(tx, context.viewer.id, [externalId]);
      return importInto(tx, context.viewer.id, input, prepared);
    },
  );
  return importedConversation(context, result);
}

builder.mutationField("importConversation", (t) =>
  t.field({
    type: ImportPayload,
    description:
      "Imports a conversation from another system: finds yours with this externalId or creates it, and adds the messages it does not hold yet " +
      "(matched by their externalId), in one transaction. Send a long conversation in batches; sending a batch again adds nothing.",
    args: { input: t.arg({ type: ConversationImportInput, required: true }) },
    resolve: (_root, { input }, context) => importConversationBatch(context, input),
  }),
);

const ImportFormatEnum = builder.enumType("ImportFormat", {
  description: "Export files importConversations reads.",
  values: {
    CLAUDE_CODE: { value: "claude-code", description: "A Claude Code session log (~/.claude/projects/<project>/<session>.jsonl)." },
    CHATGPT: { value: "chatgpt", description: "conversations.json of a ChatGPT data export (the current branch of each conversation)." },
    CLAUDE: { value: "claude", description: "conversations.json of a Claude.ai data export." },
    WHATSAPP: { value: "whatsapp", description: "A WhatsApp chat export (.txt)." },
    SQLITE: {
      value: "sqlite",
      description:
        "An emotional-memory system's SQLite database file (.db), base64-encoded (it is binary): its chat, memories with their emotional context, " +
        "validation, quality and analyses, mood scores, turning points and clusters.",
    },
  } as const,
});

/**
 * A conversation read from a file, checked against the constraints declared on ConversationImportInput
 * and MessageInput, as the same conversation sent to importConversation is: the conversation's fields
 * named as that argument's (`input.title`), its messages by the conversation (`<externalId>.messages[3].content`).
 */
function checkFileConversation(info: GraphQLResolveInfo, conversation: ImportedConversation, messages: readonly MessageInputShape[]) {
  const type = info.schema.getType("ConversationImportInput") as GraphQLInputObjectType;
  checkInput(type, { ...conversation, messages: [] }, ["input"]);
  checkInput(type.getFields().messages.type, messages, [conversation.externalId, "messages"]);
}

/** The parsed conversations as the API takes them (JSON-safe values for Prisma). */
export function messageInputs(conversation: ImportedConversation): MessageInputShape[] {
  return conversation.messages.map((message) => ({
    ...message,
    toolUses: message.toolUses?.map((use) => ({ ...use, parameters: use.parameters ?? undefined, response: use.response ?? undefined })),
  })) as MessageInputShape[];
}

/** BAD_USER_INPUT about the uploaded file, with `extensions.reason` saying what is wrong with it (docs/API.md). */
const uploadError = (message: string, reason: string) => apiError("BAD_USER_INPUT", message, { field: "content", reason });

function checkMessageCount(total: number) {
  if (total > MAX_MESSAGES_PER_FILE) {
    throw uploadError(`at most ${MAX_MESSAGES_PER_FILE} messages per upload, got ${total}; use the CLI (npm run import) for larger files`, "TOO_MANY_MESSAGES");
  }
}

/** The SQLite file in `content`: base64 (standard or URL-safe alphabet, line breaks allowed), at most MAX_SQLITE_UPLOAD_BYTES. */
export function sqliteBytes(content: string): Uint8Array {
  const text = content.replace(/\s+/g, "");
  const tooLarge = () =>
    uploadError(`an SQLite upload may be at most ${MAX_SQLITE_UPLOAD_BYTES.toLocaleString("en")} bytes; use the CLI (npm run import) for larger files`, "FILE_TOO_LARGE");
  if (Math.floor((text.length * 3) / 4) - 2 > MAX_SQLITE_UPLOAD_BYTES) throw tooLarge();
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length % 4 === 1 || (text.includes("=") && text.length % 4 !== 0)) {
    throw uploadError("content is not base64: an SQLite file is sent base64-encoded", "INVALID_BASE64");
  }
  const bytes = Buffer.from(text, "base64");
  if (bytes.length > MAX_SQLITE_UPLOAD_BYTES) throw tooLarge();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Splits a list into the CLI's batches. */
const batchesOf = <T>(items: readonly T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, b) => items.slice(b * size, (b + 1) * size));

/**
 * The records of an SQLite file as importMemoryRecords takes them, in the batches the CLI sends (100
 * memories, 50 clusters a batch), each coerced by the input type (dates, enums) and checked as that
 * mutation checks it: the upload stores exactly what `npm run import -- sqlite` stores.
 */
function recordBatches(file: SqliteImport, info: GraphQLResolveInfo): Prepared[] {
  const type = info.schema.getType("MemoryRecordsImportInput") as GraphQLInputObjectType;
  const { conversationExternalId, memories, clusters } = file.records;
  if (memories.length > MAX_MEMORIES_PER_FILE || clusters.length > MAX_CLUSTERS_PER_FILE) {
    throw uploadError(
      `at most ${MAX_MEMORIES_PER_FILE} memories and ${MAX_CLUSTERS_PER_FILE} clusters per upload, got ${memories.length} and ${clusters.length}; use the CLI (npm run import) for larger files`,
      "TOO_MANY_RECORDS",
    );
  }
  const inputs = [...batchesOf(memories, 100).map((batch) => ({ conversationExternalId, memories: batch })), ...batchesOf(clusters, 50).map((batch) => ({ conversationExternalId, clusters: batch }))];
  return inputs.map((input) => {
    let coerced: RecordsInput;
    try {
      coerced = coerceInputValue(JSON.parse(JSON.stringify(input)), type) as RecordsInput;
    } catch (error) {
      throw uploadError(`the file holds a record Threadline cannot store: ${(error as Error).message}`, "INVALID_RECORD");
    }
    try {
      checkInput(type, coerced, ["input"]);
      return prepareRecords(coerced);
    } catch (error) {
      if (error instanceof GraphQLError) throw uploadError(`the file holds a record Threadline cannot store: ${error.message}`, "INVALID_RECORD");
      throw error;
    }
  });
}

function sumCounts(results: RecordsResult[]): RecordsResult {
  const total = noRecords();
  for (const result of results) {
    for (const kind of Object.keys(total) as (keyof RecordsResult)[]) {
      total[kind].stored += result[kind].stored;
      total[kind].alreadyThere += result[kind].alreadyThere;
    }
  }
  return total;
}

/** An SQLite upload: its chat, then its memory records, in one transaction, as the CLI sends them. */
async function importSqliteFile(context: Context, content: string, name: string, info: GraphQLResolveInfo): Promise<ImportedResult> {
  const bytes = sqliteBytes(content);
  let file: SqliteImport;
  try {
    file = await readSqlite(bytes, name, { maxMessages: MAX_MESSAGES_PER_FILE });
  } catch (error) {
    if (error instanceof ImportFormatError) throw uploadError(error.message, error.reason);
    throw error;
  }
  const { conversation } = file;
  checkMessageCount(conversation.messages.length);
  const input = { ...conversation, messages: [] } as ConversationImport;
  const messages = messageInputs(conversation);
  checkFileConversation(info, conversation, messages);
  const prepared = prepareMessages(messages, { max: MAX_MESSAGES_PER_FILE, fieldOf: (i) => `${conversation.externalId}.messages[${i}]` });
  const batches = recordBatches(file, info);
  const vectors = await embedNewMemories(context, batches);
  const viewerId = context.viewer.id;
  const { imported, records } = await retryingTransaction(
    context.db,
    async (tx) => {
      await lockKeys(tx, [...sourceLockKeys(viewerId, [conversation.externalId]), ...recordLockKeys(viewerId, batches)]);
      const imported = await importInto(tx, viewerId, input, prepared);
      const vectorOf = new Map(vectors);
      const records: RecordsResult[] = [];
      for (const data of batches) records.push(await importRecordsIn(tx, context, data, vectorOf));
      return { imported, records };
    },
    { timeout: 120_000 },
  );
  const skipped = Object.entries(file.skipped).map(([reason, count]) => ({ reason, count }));
  return { ...importedConversation(context, imported, skipped), records: sumCounts(records) };
}

async function importFile(context: Context, format: keyof typeof TEXT_FORMATS, content: string, name: string, info: GraphQLResolveInfo): Promise<ImportedResult> {
  let parsed: ParseResult;
  try {
    parsed = parseText(format, content, name);
  } catch (error) {
    if (error instanceof ImportFormatError) throw uploadError(error.message, error.reason);
    throw error;
  }
  checkMessageCount(parsed.conversations.reduce((sum, c) => sum + c.messages.length, 0));
  const batches = parsed.conversations.map((conversation) => {
    const messages = messageInputs(conversation);
    checkFileConversation(info, conversation, messages);
    return {
      input: { ...conversation, messages: [] } as ConversationImport,
      prepared: prepareMessages(messages, { max: MAX_MESSAGES_PER_FILE, fieldOf: (i) => `${conversation.externalId}.messages[${i}]` }),
    };
  });
  const results = await retryingTransaction(context.db, async (tx) => {
    await lockSourceIds(tx, context.viewer.id, batches.map((batch) => batch.input.externalId));
    const out = [];
    for (const batch of batches) out.push(await importInto(tx, context.viewer.id, batch.input, batch.prepared));
    return out;
  }, { timeout: 120_000 });
  for (const result of results) publishMessagesAdded(context, result.id, result.messageIds);
  return {
    conversationIds: results.map((r) => r.id),
    created: results.filter((r) => r.created).length,
    inserted: results.reduce((sum, r) => sum + r.messageIds.length, 0),
    duplicates: results.reduce((sum, r) => sum + r.duplicates, 0),
    toolUses: results.reduce((sum, r) => sum + r.toolUses, 0),
    skipped: Object.entries(parsed.skipped).map(([reason, count]) => ({ reason, count })),
  };
}

builder.mutationField("importConversations", (t) =>
  t.field({
    type: ImportPayload,
    description:
      `Imports an uploaded export file in one transaction: a file that does not parse as the format says changes nothing (BAD_USER_INPUT, ` +
      `\`extensions.reason\` INVALID_FILE; for SQLITE also INVALID_BASE64, FILE_TOO_LARGE, NOT_SQLITE, WRONG_SCHEMA, INVALID_RECORD, or TOO_MANY_RECORDS over ` +
      `${MAX_MEMORIES_PER_FILE.toLocaleString("en")} memories or ${MAX_CLUSTERS_PER_FILE.toLocaleString("en")} clusters). ` +
      `Up to ${MAX_MESSAGES_PER_FILE.toLocaleString("en")} messages (TOO_MANY_MESSAGES); importing the same file again adds nothing.`,
    args: {
      format: t.arg({ type: ImportFormatEnum, required: true }),
      content: t.arg.string({
        required: true,
        description: `The file's text; for SQLITE the file's bytes base64-encoded (up to ${MAX_SQLITE_UPLOAD_BYTES.toLocaleString("en")} bytes before encoding).`,
      }),
      name: t.arg.string({
        description:
          'The file\'s name (a WhatsApp chat is named after it, e.g. "WhatsApp Chat with Maya.txt"; an SQLite file\'s conversation is "sqlite:<name>", ' +
          "as `npm run import` names it, so an upload and a CLI import of the same file are one conversation).",
        defaultValue: "upload",
        validate: text({ maxLength: 500 }),
      }),
    },
    resolve: (_root, args, context, info) => {
      const name = args.name ?? "upload";
      return args.format === "sqlite" ? importSqliteFile(context, args.content, name, info) : importFile(context, args.format, args.content, name, info);
    },
  }),
);
