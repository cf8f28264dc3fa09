// A build run in a conversation: its actions (clone_template, deploy, …) and the previews it deployed.
import { builder } from "../../builder.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { decodeId, requireOwned } from "../ids.ts";
import { notFound } from "../../errors.ts";
import { ActionStatusEnum, PreviewStatusEnum } from "../enums.ts";
import { jsonInput } from "../inputs.ts";
import { text } from "../constraints.ts";
import { ownConversationId } from "./mutations.ts";

builder.mutationField("createAction", (t) =>
  t.prismaField({
    type: "Action",
    args: {
      conversationId: t.arg.id({ required: true }),
      type: t.arg.string({ required: true, description: "clone_template, configure_tooling, modify_files, deploy, ...", validate: text({ maxLength: 100 }) }),
      payload: t.arg({ type: "JSON", required: true }),
      status: t.arg({ type: ActionStatusEnum, defaultValue: "PENDING" }),
      result: t.arg({ type: "JSON" }),
      externalId: t.arg.string({ description: "The source system's id for it; unique within the conversation (CONFLICT otherwise).", validate: text({ maxLength: 500 }) }),
      createdAt: t.arg({ type: "DateTime", description: "When it was first recorded, to keep an import's history. Defaults to now." }),
    },
    resolve: async (query, _root, args, context) => {
      const conversationId = await ownConversationId(context, args.conversationId);
      const action = await context.db.action.create({
        ...query,
        data: {
          conversationId,
          type: args.type,
          payload: args.payload as Prisma.InputJsonValue,
          status: args.status ?? "PENDING",
          result: jsonInput(args.result),
          externalId: args.externalId,
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
      const found = await context.db.action.findFirst({ where: { id: actionId }, select: { conversationId: true } });
      if (!found) throw notFound("Action", args.id);
      const action = await context.db.action.update({
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
      externalId: t.arg.string({ description: "The source system's id for it; unique within the conversation (CONFLICT otherwise).", validate: text({ maxLength: 500 }) }),
      createdAt: t.arg({ type: "DateTime", description: "When it was first recorded, to keep an import's history. Defaults to now." }),
    },
    resolve: async (query, _root, args, context) => {
      const conversationId = await ownConversationId(context, args.conversationId);
      return context.db.preview.create({
        ...query,
        data: {
          conversationId,
          url: args.url,
          deploymentId: args.deploymentId,
          status: args.status ?? "GENERATING",
          metadata: jsonInput(args.metadata),
          externalId: args.externalId,
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
      return context.db.preview.update({
        ...query,
        where: { id: previewId },
        data: { status: args.status, url: args.url, deploymentId: args.deploymentId, metadata: jsonInput(args.metadata) },
      });
    },
  }),
);
