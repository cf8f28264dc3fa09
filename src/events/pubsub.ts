// The event bus behind subscriptions. Topics are per user, so a subscriber can only ever be handed
// events of its own viewer. One process: in memory. Several instances: through Redis (redis.ts),
// so a subscriber on one instance hears a mutation served by another.
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

export type PubSub = ReturnType<typeof createPubSub<Events>>;
export type PubSubEventTarget = NonNullable<NonNullable<Parameters<typeof createPubSub<Events>>[0]>["eventTarget"]>;

export interface EventBus {
  pubsub: PubSub;
  /** For logs: "in-process" or where the Redis server is. */
  description: string;
  /** Throws when events cannot flow between instances (used by /ready). */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Events delivered within this process only. */
export function inProcessEvents(): EventBus {
  return { pubsub: createPubSub<Events>(), description: "in-process", check: async () => {}, close: async () => {} };
}

/** A bus over any event target (Yoga's pubsub routes "topic:userId" through it). */
export function pubsubOver(eventTarget: PubSubEventTarget): PubSub {
  return createPubSub<Events>({ eventTarget });
}
