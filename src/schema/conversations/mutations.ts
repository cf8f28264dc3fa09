// Creating, changing, ending and deleting conversations.
import { builder } from "../../builder.ts";
import type { Context } from "../../context.ts";
import { requireOwned } from "../ids.ts";
import { ConversationStatusEnum } from "../enums.ts";
import { jsonInput, unlessNull, type InputFieldBuilder } from "../inputs.ts";
import { indexedText, range, text } from "../constraints.ts";

const ContentSourceInput = builder.inputType("ContentSourceInput", {
  description: "What an agent debate discusses: an article, a post, a document.",
  fields: (t) => ({
    type: t.string({ required: true, validate: indexedText() }),
    title: t.string({ validate: text({ maxLength: 500 }) }),
    body: t.string(),
    url: t.string(),
    author: t.string({ validate: text({ maxLength: 200 }) }),
    publishedAt: t.field({ type: "DateTime" }),
    metadata: t.field({ type: "JSON" }),
  }),
});

export const conversationFields = (t: InputFieldBuilder) => ({
  externalId: t.string({
    description: "The source system's id for it (an import's session or conversation id); unique among your conversations (CONFLICT otherwise).",
    validate: text({ maxLength: 500 }),
  }),
  title: t.string({ validate: text({ maxLength: 1000, allowEmpty: true }) }),
  description: t.string({ validate: text({ allowEmpty: true }) }),
  sessionId: t.string({ validate: indexedText() }),
  projectPath: t.string({ validate: indexedText() }),
  status: t.field({ type: ConversationStatusEnum }),
  contentSource: t.field({ type: ContentSourceInput }),
  consensusReached: t.boolean(),
  finalRecommendation: t.string(),
  confidenceScore: t.float({ description: "0 to 1.", validate: range(0, 1) }),
  flow: t.field({ type: "JSON", description: "A build context's flow (its steps and their state), as the application stores it." }),
  config: t.field({ type: "JSON", description: "A build context's configuration (template, tooling, settings), as the application stores it." }),
  metadata: t.field({ type: "JSON" }),
  startedAt: t.field({ type: "DateTime" }),
  endedAt: t.field({ type: "DateTime", description: "When it ended (an import's history); endConversation sets it otherwise." }),
  completedAt: t.field({ type: "DateTime" }),
  createdAt: t.field({ type: "DateTime", description: "When it was first recorded, to keep an import's history. Defaults to now." }),
});

const CreateConversationInput = builder.inputType("CreateConversationInput", { fields: conversationFields });
const UpdateConversationInput = builder.inputType("UpdateConversationInput", {
  description: "Fields to change; absent fields stay as they are, null clears a field that may be empty.",
  fields: conversationFields,
});

export type ConversationInput = typeof CreateConversationInput.$inferInput;

/** The row of a conversation input; its fields' sizes and ranges are the input type's constraints, checked before this runs. */
export function conversationData(input: ConversationInput) {
  const source = input.contentSource;
  return {
    externalId: input.externalId,
    title: input.title,
    description: input.description,
    sessionId: input.sessionId,
    projectPath: input.projectPath,
    status: unlessNull(input.status),
    ...(source === undefined
      ? {}
      : {
          contentType: source?.type ?? null,
          contentTitle: source?.title ?? null,
          contentBody: source?.body ?? null,
          contentUrl: source?.url ?? null,
          contentAuthor: source?.author ?? null,
          contentPublishedAt: source?.publishedAt ?? null,
          contentMetadata: jsonInput(source?.metadata ?? null),
        }),
    consensusReached: unlessNull(input.consensusReached),
    finalRecommendation: input.finalRecommendation,
    confidenceScore: input.confidenceScore,
    flow: jsonInput(input.flow),
    config: jsonInput(input.config),
    metadata: jsonInput(input.metadata),
    startedAt: unlessNull(input.startedAt),
    endedAt: input.endedAt,
    completedAt: input.completedAt,
    createdAt: unlessNull(input.createdAt),
  };
}

/** The viewer's conversation with this global id, or NOT_FOUND. */
export const ownConversationId = (context: Context, globalId: string, field = "conversationId") =>
  requireOwned(context, "Conversation", globalId, field);

function publishUpdated(context: Context, conversationId: string) {
  context.pubsub.publish("conversationUpdated", context.viewer.id, { conversationId });
}

builder.mutationField("createConversation", (t) =>
  t.prismaField({
    type: "Conversation",
    args: { input: t.arg({ type: CreateConversationInput, required: true }) },
    resolve: (query, _root, { input }, context) =>
      context.db.conversation.create({ ...query, data: { ...conversationData(input), userId: context.viewer.id } }),
  }),
);

builder.mutationField("updateConversation", (t) =>
  t.prismaField({
    type: "Conversation",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateConversationInput, required: true }) },
    resolve: async (query, _root, { id, input }, context) => {
      const conversationId = await ownConversationId(context, id, "id");
      const data = conversationData(input);
      const updated = await context.db.conversation.update({ ...query, where: { id: conversationId }, data });
      publishUpdated(context, conversationId);
      return updated;
    },
  }),
);

builder.mutationField("endConversation", (t) =>
  t.prismaField({
    type: "Conversation",
    description: "Marks a conversation ended now (or at `at`), COMPLETED unless another final status is given.",
    args: {
      id: t.arg.id({ required: true }),
      status: t.arg({ type: ConversationStatusEnum, defaultValue: "COMPLETED" }),
      at: t.arg({ type: "DateTime" }),
    },
    resolve: async (query, _root, { id, status, at }, context) => {
      const conversationId = await ownConversationId(context, id, "id");
      const endedAt = at ?? new Date();
      const finalStatus = status ?? "COMPLETED";
      const updated = await context.db.conversation.update({
        ...query,
        where: { id: conversationId },
        data: { endedAt, status: finalStatus, ...(finalStatus === "COMPLETED" ? { completedAt: endedAt } : {}) },
      });
      publishUpdated(context, conversationId);
      return updated;
    },
  }),
);

const DeletePayload = builder.objectRef<{ deletedId: string }>("DeletePayload").implement({
  fields: (t) => ({ deletedId: t.exposeID("deletedId", { description: "The global id of what was deleted." }) }),
});

builder.mutationField("deleteConversation", (t) =>
  t.field({
    type: DeletePayload,
    description: "Deletes a conversation and everything in it (messages, tool uses, actions, previews, chunks, mood data).",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const conversationId = await ownConversationId(context, id, "id");
      await context.db.conversation.delete({ where: { id: conversationId } });
      publishUpdated(context, conversationId);
      return { deletedId: id };
    },
  }),
);

export { DeletePayload };
