// Tool calls (seed 001) and seed 003's build workflow: actions and previews.
import { builder } from "../../builder.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { decodeId, requireOwned } from "../ids.ts";
import { ownedBy } from "../../auth/ownership.ts";
import { notFound } from "../../errors.ts";
import { ActionStatusEnum, PreviewStatusEnum, ToolUseStatusEnum } from "../enums.ts";
import { checkRange, checkText, jsonInput, unlessNull } from "../inputs.ts";
import { ToolUseInput, toolUseData } from "./messages.ts";
import { ownConversationId } from "./mutations.ts";

builder.mutationField("recordToolUse", (t) =>
  t.prismaField({
    type: "ToolUse",
    description: "Records a tool call made in a message.",
    args: { messageId: t.arg.id({ required: true }), input: t.arg({ type: ToolUseInput, required: true }) },
    resolve: async (query, _root, args, context) => {
      const messageId = await requireOwned(context, "Message", args.messageId, "messageId");
      return context.prisma.toolUse.create({ ...query, data: { ...toolUseData(args.input, "input"), messageId } });
    },
  }),
);

const UpdateToolUseInput = builder.inputType("UpdateToolUseInput", {
  fields: (t) => ({
    status: t.field({ type: ToolUseStatusEnum }),
    response: t.field({ type: "JSON" }),
    durationMs: t.int(),
    metadata: t.field({ type: "JSON" }),
  }),
});

builder.mutationField("updateToolUse", (t) =>
  t.prismaField({
    type: "ToolUse",
    description: "Records a tool call's outcome.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateToolUseInput, required: true }) },
    resolve: async (query, _root, { id, input }, context) => {
      const toolUseId = await requireOwned(context, "ToolUse", id);
      return context.prisma.toolUse.update({
        ...query,
        where: { id: toolUseId },
        data: {
          status: unlessNull(input.status),
          response: jsonInput(input.response),
          durationMs: checkRange(input.durationMs, "input.durationMs", 0, 2_147_483_647),
          metadata: jsonInput(input.metadata),
        },
      });
    },
  }),
);

builder.mutationField("createAction", (t) =>
  t.prismaField({
    type: "Action",
    args: {
      conversationId: t.arg.id({ required: true }),
      type: t.arg.string({ required: true, description: "clone_template, configure_tooling, modify_files, deploy, ..." }),
      payload: t.arg({ type: "JSON", required: true }),
      status: t.arg({ type: ActionStatusEnum, defaultValue: "PENDING" }),
      result: t.arg({ type: "JSON" }),
      externalId: t.arg.string({ description: "The source system's id for it; unique within the conversation (CONFLICT otherwise)." }),
      createdAt: t.arg({ type: "DateTime", description: "When it was first recorded, to keep an import's history. Defaults to now." }),
    },
    resolve: async (query, _root, args, context) => {
      const conversationId = await ownConversationId(context, args.conversationId);
      const action = await context.prisma.action.create({
        ...query,
        data: {
          conversationId,
          type: checkText(args.type, "type", { maxLength: 100 })!,
          payload: args.payload as Prisma.InputJsonValue,
          status: args.status ?? "PENDING",
          result: jsonInput(args.result),
          externalId: checkText(args.externalId, "externalId", { maxLength: 500 }),
          createdAt: args.createdAt ?? undefined,
        },
      });
      context.pubsub.publish("actionUpdated", context.viewer.id, { actionId: action.id, conversationId });
      return action;
    },
  }),
);

builder.mutationField("updateActionStatus", (t) =>
  t.prismaField({
    type: "Action",
    description: "Moves an action along (pending → running → completed/failed), with its result.",
    args: {
      id: t.arg.id({ required: true }),
      status: t.arg({ type: ActionStatusEnum, required: true }),
      result: t.arg({ type: "JSON" }),
    },
    resolve: async (query, _root, args, context) => {
      const actionId = decodeId(args.id, "Action");
      // The ownership check also reads the conversation, which the event names.
      const found = await context.prisma.action.findFirst({ where: { id: actionId, ...ownedBy.action(context.viewer.id) }, select: { conversationId: true } });
      if (!found) throw notFound("Action", args.id);
      const action = await context.prisma.action.update({
        ...query,
        where: { id: actionId },
        data: { status: args.status, result: jsonInput(args.result) },
      });
      context.pubsub.publish("actionUpdated", context.viewer.id, { actionId, conversationId: found.conversationId });
      return action;
    },
  }),
);

builder.mutationField("createPreview", (t) =>
  t.prismaField({
    type: "Preview",
    args: {
      conversationId: t.arg.id({ required: true }),
      url: t.arg.string(),
      deploymentId: t.arg.string(),
      status: t.arg({ type: PreviewStatusEnum, defaultValue: "GENERATING" }),
      metadata: t.arg({ type: "JSON" }),
      externalId: t.arg.string({ description: "The source system's id for it; unique within the conversation (CONFLICT otherwise)." }),
      createdAt: t.arg({ type: "DateTime", description: "When it was first recorded, to keep an import's history. Defaults to now." }),
    },
    resolve: async (query, _root, args, context) => {
      const conversationId = await ownConversationId(context, args.conversationId);
      return context.prisma.preview.create({
        ...query,
        data: {
          conversationId,
          url: args.url,
          deploymentId: args.deploymentId,
          status: args.status ?? "GENERATING",
          metadata: jsonInput(args.metadata),
          externalId: checkText(args.externalId, "externalId", { maxLength: 500 }),
          createdAt: args.createdAt ?? undefined,
        },
      });
    },
  }),
);

builder.mutationField("updatePreviewStatus", (t) =>
  t.prismaField({
    type: "Preview",
    args: {
      id: t.arg.id({ required: true }),
      status: t.arg({ type: PreviewStatusEnum, required: true }),
      url: t.arg.string(),
      deploymentId: t.arg.string(),
      metadata: t.arg({ type: "JSON" }),
    },
    resolve: async (query, _root, args, context) => {
      const previewId = await requireOwned(context, "Preview", args.id);
      return context.prisma.preview.update({
        ...query,
        where: { id: previewId },
        data: { status: args.status, url: args.url, deploymentId: args.deploymentId, metadata: jsonInput(args.metadata) },
      });
    },
  }),
);
