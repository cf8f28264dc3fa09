import { builder } from "../../builder.ts";
import { EpicPriorityEnum, EpicStatusEnum } from "../enums.ts";
import { orderWithTieBreak } from "../inputs.ts";

const EpicFilter = builder.inputType("EpicFilter", {
  fields: (t) => ({
    status: t.field({ type: [EpicStatusEnum] }),
    priority: t.field({ type: [EpicPriorityEnum] }),
    quarter: t.string(),
  }),
});

const EpicOrderBy = builder.prismaOrderBy("Epic", {
  name: "EpicOrderBy",
  fields: { order: true, priority: true, status: true, quarter: true, title: true, createdAt: true, updatedAt: true },
});

builder.queryField("epics", (t) =>
  t.prismaConnection({
    type: "Epic",
    cursor: "id",
    description: "The viewer's planning board, in board order.",
    args: { filter: t.arg({ type: EpicFilter }), orderBy: t.arg({ type: [EpicOrderBy] }) },
    resolve: (query, _root, { filter, orderBy }, context) =>
      context.db.epic.findMany({
        ...query,
        where: {
          ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
          ...(filter?.priority?.length ? { priority: { in: filter.priority } } : {}),
          ...(filter?.quarter ? { quarter: filter.quarter } : {}),
        },
        // The board's own order unless asked otherwise.
        orderBy: orderWithTieBreak(orderBy, { order: "asc" }),
      }),
    totalCount: (_root, { filter }, context) =>
      context.db.epic.count({
        where: {
          ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
          ...(filter?.priority?.length ? { priority: { in: filter.priority } } : {}),
          ...(filter?.quarter ? { quarter: filter.quarter } : {}),
        },
      }),
  }),
);
