// The event bus behind subscriptions. Topics are per user, so a subscriber can only ever be handed
// events of its own viewer. One process: an in-memory EventTarget. Several instances: the same
// over Redis (redis.ts), so a subscriber on one instance hears a mutation served by another.
//
// One event per write, however many rows it wrote (appendMessages of 5,000 messages is one
// messageAdded event naming 5,000 ids): one dispatch, one Redis message. Each subscription has its
// own bounded buffer of items; a subscriber that falls MAX_BUFFERED_ITEMS behind (a client that
// stopped reading) is completed rather than allowed to grow the server's memory, and resubscribes.
import { Repeater } from "graphql-yoga";

export interface MessagesAddedEvent {
  conversationId: string;
  /** In the order they were stored. */
  messageIds: string[];
}
export interface ConversationUpdatedEvent {
  conversationId: string;
}
export interface ActionUpdatedEvent {
  actionId: string;
  conversationId: string;
}

/** A user's credentials changed (an API key revoked, the account deleted): forget what was cached for them. */
export interface CredentialsChangedEvent {
  userId: string;
}

/** The topic that carries CredentialsChangedEvent for every user (to every instance, through Redis). */
export const ALL_USERS = "*";

export type Events = {
  messageAdded: MessagesAddedEvent;
  credentialsChanged: CredentialsChangedEvent;
  conversationUpdated: ConversationUpdatedEvent;
  actionUpdated: ActionUpdatedEvent;
};

/** Items one subscription may hold while its client has not taken them. */
export const MAX_BUFFERED_ITEMS = 10_000;

export interface PubSubEventTarget {
  addEventListener(topic: string, listener: (event: CustomEvent) => void): void;
  removeEventListener(topic: string, listener: (event: CustomEvent) => void): void;
  dispatchEvent(event: CustomEvent): boolean;
}

export interface PubSub {
  publish<K extends keyof Events>(key: K, userId: string, event: Events[K]): void;
  /** The user's events of one kind, each turned into the items the subscriber receives (default: itself). */
  subscribe<K extends keyof Events, T = Events[K]>(key: K, userId: string, items?: (event: Events[K]) => T[]): Repeater<T>;
}

export interface EventBus {
  pubsub: PubSub;
  /** For logs: "in-process" or where the Redis server is. */
  description: string;
  /** Throws when events cannot flow between instances (used by /ready). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export interface PubSubOptions {
  maxBufferedItems?: number;
  /** Called when a subscription is completed because its client fell too far behind. */
  onOverflow?: (topic: string) => void;
}

export function pubsubOver(target: PubSubEventTarget, { maxBufferedItems = MAX_BUFFERED_ITEMS, onOverflow = () => {} }: PubSubOptions = {}): PubSub {
  return {
    publish(key, userId, event) {
      target.dispatchEvent(new CustomEvent(`${key}:${userId}`, { detail: event }));
    },
    subscribe<K extends keyof Events, T>(key: K, userId: string, items?: (event: Events[K]) => T[]) {
      const topic = `${key}:${userId}`;
      return new Repeater<T>(async (push, stop) => {
        // Our own queue, handed over one item at a time: push() resolves when the client took it.
        let queue: T[] = [];
        let head = 0;
        let wake: (() => void) | undefined;
        const listener = (event: CustomEvent) => {
          const next = items ? items(event.detail as Events[K]) : [event.detail as T];
          if (queue.length - head + next.length > maxBufferedItems) {
            onOverflow(topic);
            stop();
            return;
          }
          queue.push(...next);
          wake?.();
        };
        target.addEventListener(topic, listener);
        const stopped = stop.then(() => true as const);
        try {
          for (;;) {
            while (head < queue.length) await push(queue[head++]);
            queue = [];
            head = 0;
            const done = await Promise.race([new Promise<false>((resolve) => (wake = () => resolve(false))), stopped]);
            wake = undefined;
            if (done) return;
          }
        } finally {
          target.removeEventListener(topic, listener);
        }
      });
    },
  };
}

/** Events delivered within this process only. */
export function inProcessEvents(options: PubSubOptions = {}): EventBus {
  return { pubsub: pubsubOver(new EventTarget() as PubSubEventTarget, options), description: "in-process", check: async () => {}, close: async () => {} };
}
