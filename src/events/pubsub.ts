// In-process event bus for subscriptions. Topics are per user, so a subscriber can only ever be
// handed events of its own viewer.
import { createPubSub } from "graphql-yoga";

export interface MessageAddedEvent {
  messageId: string;
  conversationId: string;
}
export interface ConversationUpdatedEvent {
  conversationId: string;
}
export interface ActionUpdatedEvent {
  actionId: string;
  conversationId: string;
}

export type Events = {
  messageAdded: [userId: string, event: MessageAddedEvent];
  conversationUpdated: [userId: string, event: ConversationUpdatedEvent];
  actionUpdated: [userId: string, event: ActionUpdatedEvent];
};

export const createEvents = () => createPubSub<Events>();
export type PubSub = ReturnType<typeof createEvents>;
