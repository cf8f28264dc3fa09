// Live updates. Every topic is the viewer's own (events/pubsub.ts), and a conversation argument is
// checked to be the viewer's before the subscription starts.
import { builder } from "../../builder.ts";
import { ownConversationId } from "./mutations.ts";
import { readOnce, type MessagesAddedEvent } from "../../events/pubsub.ts";

builder.subscriptionField("messageAdded", (t) =>
  t.prismaField({
    type: "Message",
    nullable: true,
    description: "Every new message of the viewer's (in one conversation, if given). Null if deleted before delivery.",
    args: { conversationId: t.arg.id() },
    subscribe: async (_root, args, context) => {
      const only = args.conversationId ? await ownConversationId(context, args.conversationId) : undefined;
      // One event per write; the subscriber receives its messages one by one, in order.
      return context.pubsub.subscribe("messageAdded", context.viewer.id, (event) =>
        only === undefined || event.conversationId === only ? event.messageIds.map((messageId) => ({ messageId, event })) : [],
      );
    },
    // A write's messages are read with one statement for all of the viewer's subscribers that select
    // the same fields (a client's subscriptions usually do), not one per message per subscriber.
    resolve: async (query, item, _args, context) => {
      const { messageId, event } = item as unknown as { messageId: string; event: MessagesAddedEvent };
      const messages = await readOnce(event, JSON.stringify(query), async () => {
        const shaped = "select" in query && query.select ? { ...query, select: { ...query.select, id: true } } : query; // rows found by id
        const rows = await context.db.message.findMany({ ...shaped, where: { id: { in: event.messageIds } } });
        return new Map(rows.map((row) => [row.id, row]));
      });
      return messages.get(messageId) ?? null;
    },
  }),
);

builder.subscriptionField("conversationUpdated", (t) =>
  t.prismaField({
    type: "Conversation",
    nullable: true,
    description: "A conversation's fields or status changed. Null once it has been deleted.",
    args: { id: t.arg.id({ required: true }) },
    subscribe: async (_root, args, context) => {
      const only = await ownConversationId(context, args.id, "id");
      return context.pubsub.subscribe("conversationUpdated", context.viewer.id, (event) => (event.conversationId === only ? [event] : []));
    },
    resolve: (query, event, _args, context) =>
      context.db.conversation.findFirst({ ...query, where: { id: event.conversationId } }),
  }),
);

builder.subscriptionField("actionUpdated", (t) =>
  t.prismaField({
    type: "Action",
    nullable: true,
    description: "An action was created or changed status (in one conversation, if given).",
    args: { conversationId: t.arg.id() },
    subscribe: async (_root, args, context) => {
      const only = args.conversationId ? await ownConversationId(context, args.conversationId) : undefined;
      return context.pubsub.subscribe("actionUpdated", context.viewer.id, (event) =>
        only === undefined || event.conversationId === only ? [event] : [],
      );
    },
    resolve: (query, event, _args, context) =>
      context.db.action.findFirst({ ...query, where: { id: event.actionId } }),
  }),
);
