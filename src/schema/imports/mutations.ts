// Imports from other systems. importConversation: one conversation, found or created by its source
// id, with a batch of its messages (the CLI sends a long one batch by batch). importConversations:
// a whole export file, parsed on the server by the same parsers as the CLI, in one transaction.
// Both go through insertMessages, so re-sending adds nothing (messages are matched by externalId).
import { builder } from "../../builder.ts";
import type { Context } from "../../context.ts";
import { badInput } from "../../errors.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { ImportFormatError, type ImportedConversation, type ParseResult } from "../../import/model.ts";
import { TEXT_FORMATS, parseText } from "../../import/formats/index.ts";
import { checkText } from "../inputs.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { conversationData, conversationFields } from "../conversations/mutations.ts";
import {
  BATCH_TRANSACTION,
  MAX_MESSAGES_PER_APPEND,
  MessageInput,
  insertMessages,
  prepareMessages,
  publishMessagesAdded,
  type MessageInputShape,
} from "../conversations/messages.ts";

const MAX_MESSAGES_PER_FILE = 20_000;

const ConversationImportInput = builder.inputType("ConversationImportInput", {
  description: "A conversation from another system, identified by its id there. Its fields apply when it is created; a later batch only adds messages.",
  fields: (t) => ({
    ...conversationFields(t),
    externalId: t.string({ required: true, description: 'The source system\'s id, e.g. "claude-code:<session id>"; unique among your conversations.' }),
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
        const rows = await context.prisma.conversation.findMany({ ...query, where: { id: { in: result.conversationIds }, userId: context.viewer.id } });
        const byId = new Map(rows.map((row) => [row.id, row]));
        return result.conversationIds.flatMap((id) => byId.get(id) ?? []);
      },
    }),
    created: t.exposeInt("created", { description: "Conversations created by this call." }),
    inserted: t.exposeInt("inserted", { description: "Messages stored." }),
    duplicates: t.exposeInt("duplicates", { description: "Messages skipped because they were already stored (an import sent again)." }),
    toolUses: t.exposeInt("toolUses", { description: "Tool uses stored with the new messages." }),
    skipped: t.field({ type: [ImportSkip], resolve: (result) => result.skipped }),
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
  return { ...data, ...ended, externalId: checkText(input.externalId, "input.externalId", { maxLength: 500 })! };
}

/**
 * Inside a transaction, before importInto: waits for any other import of these source ids by this
 * viewer to commit, so that of two imports of one conversation sent at once, the second finds the
 * conversation and the messages the first stored (rather than failing on the unique source id).
 * Transaction-scoped advisory locks, taken in one order (sorted) by one statement.
 */
async function lockSourceIds(tx: Prisma.TransactionClient, viewerId: string, externalIds: string[]) {
  const keys = [...new Set(externalIds.map((id) => `import:${viewerId}:${id}`))].sort();
  await tx.$queryRaw`
    SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0)))::int AS locked
      FROM unnest(${keys}::text[]) WITH ORDINALITY AS k(key, n)`;
}

/** Inside a transaction: the viewer's conversation with this source id (created when new), and the new messages. */
async function importInto(tx: Prisma.TransactionClient, viewerId: string, input: ConversationImport, prepared: ReturnType<typeof prepareMessages>) {
  const row = conversationRow(input);
  const existing = await tx.conversation.findUnique({ where: { userId_externalId: { userId: viewerId, externalId: row.externalId } }, select: { id: true } });
  const id = existing?.id ?? (await tx.conversation.create({ data: { ...row, userId: viewerId }, select: { id: true } })).id;
  const result = await insertMessages(tx, viewerId, id, prepared);
  const toolUses = result.messageIds.length ? await tx.toolUse.count({ where: { messageId: { in: result.messageIds } } }) : 0;
  return { id, created: !existing, toolUses, ...result };
}

async function importConversationBatch(context: Context, input: ConversationImport): Promise<ImportedResult> {
  const prepared = prepareMessages(input.messages, { fieldOf: (i) => `input.messages[${i}]` });
  const externalId = conversationRow(input).externalId;
  const result = await retryingTransaction(
    context.prisma,
    async (tx) => {
      await lockSourceIds(tx, context.viewer.id, [externalId]);
      return importInto(tx, context.viewer.id, input, prepared);
    },
    BATCH_TRANSACTION,
  );
  publishMessagesAdded(context, result.id, result.messageIds);
  return {
    conversationIds: [result.id],
    created: result.created ? 1 : 0,
    inserted: result.messageIds.length,
    duplicates: result.duplicates,
    toolUses: result.toolUses,
    skipped: [],
  };
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
  } as const,
});

/** The parsed conversations as the API takes them (JSON-safe values for Prisma). */
export function messageInputs(conversation: ImportedConversation): MessageInputShape[] {
  return conversation.messages.map((message) => ({
    ...message,
    toolUses: message.toolUses?.map((use) => ({ ...use, parameters: use.parameters ?? undefined, response: use.response ?? undefined })),
  })) as MessageInputShape[];
}

async function importFile(context: Context, format: keyof typeof TEXT_FORMATS, content: string, name: string): Promise<ImportedResult> {
  let parsed: ParseResult;
  try {
    parsed = parseText(format, content, name);
  } catch (error) {
    if (error instanceof ImportFormatError) throw badInput(error.message, "content");
    throw error;
  }
  const total = parsed.conversations.reduce((sum, c) => sum + c.messages.length, 0);
  if (total > MAX_MESSAGES_PER_FILE) {
    throw badInput(`at most ${MAX_MESSAGES_PER_FILE} messages per upload, got ${total}; use the CLI (npm run import) for larger files`, "content");
  }
  const batches = parsed.conversations.map((conversation) => ({
    input: { ...conversation, messages: [] } as ConversationImport,
    prepared: prepareMessages(messageInputs(conversation), { max: MAX_MESSAGES_PER_FILE, fieldOf: (i) => `${conversation.externalId}.messages[${i}]` }),
  }));
  const results = await retryingTransaction(context.prisma, async (tx) => {
    await lockSourceIds(tx, context.viewer.id, batches.map((batch) => batch.input.externalId));
    const out = [];
    for (const batch of batches) out.push(await importInto(tx, context.viewer.id, batch.input, batch.prepared));
    return out;
  }, { timeout: 120_000, maxWait: 30_000 });
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
      `Imports an uploaded export file (its text) in one transaction: a file that does not parse as the format says changes nothing (BAD_USER_INPUT). ` +
      `Up to ${MAX_MESSAGES_PER_FILE.toLocaleString("en")} messages; importing the same file again adds nothing.`,
    args: {
      format: t.arg({ type: ImportFormatEnum, required: true }),
      content: t.arg.string({ required: true }),
      name: t.arg.string({ description: 'The file\'s name (a WhatsApp chat is named after it, e.g. "WhatsApp Chat with Maya.txt").', defaultValue: "upload" }),
    },
    resolve: (_root, args, context) => importFile(context, args.format, args.content, checkText(args.name, "name", { maxLength: 500 }) ?? "upload"),
  }),
);
