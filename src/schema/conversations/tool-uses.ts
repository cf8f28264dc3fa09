// Tool uses: the tool calls made in a message, and their outcomes.
import { builder } from "../../builder.ts";
import { requireOwned } from "../ids.ts";
import { ToolUseStatusEnum } from "../enums.ts";
import { jsonInput, unlessNull } from "../inputs.ts";
import { range } from "../constraints.ts";
import { ToolUseInput, toolUseData } from "./messages.ts";

builder.mutationField("recordToolUse", (t) =>
  t.prismaField({
    type: "ToolUse",
    description: "Records a tool call made in a message.",
    args: { messageId: t.arg.id({ required: true }), input: t.arg({ type: ToolUseInput, required: true }) },
    resolve: async (query, _root, args, context) => {
      const messageId = await requireOwned(context, "Message", args.messageId, "messageId");
      return context.db.toolUse.create({ ...query, data: { ...toolUseData(args.input), messageId } });
    },
  }),
);

const UpdateToolUseInput = builder.inputType("UpdateToolUseInput", {
  fields: (t) => ({
    status: t.field({ type: ToolUseStatusEnum }),
    response: t.field({ type: "JSON" }),
    durationMs: t.int({ validate: range(0, 2_147_483_647) }),
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
      return context.db.toolUse.update({
        ...query,
        where: { id: toolUseId },
        data: {
          status: unlessNull(input.status),
          response: jsonInput(input.response),
          durationMs: input.durationMs,
          metadata: jsonInput(input.metadata),
        },
      });
    },
  }),
);

