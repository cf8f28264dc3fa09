// The planning board: a user's epics, a product roadmap in one ordered list.
import { builder } from "../../builder.ts";
import { EpicPriorityEnum, EpicStatusEnum } from "../enums.ts";

builder.prismaNode("Epic", {
  id: { field: "id" },
  nullable: true,
  authScopes: (epic) => ({ owner: epic.userId }),
  fields: (t) => ({
    title: t.exposeString("title"),
    description: t.exposeString("description", { nullable: true }),
    status: t.expose("status", { type: EpicStatusEnum }),
    priority: t.expose("priority", { type: EpicPriorityEnum }),
    quarter: t.exposeString("quarter", { nullable: true }),
    outcome: t.exposeString("outcome", { nullable: true }),
    icon: t.exposeString("icon", { nullable: true }),
    color: t.exposeString("color", { nullable: true }),
    order: t.exposeInt("order"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});
