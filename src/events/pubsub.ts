// The event bus behind subscriptions. Topics are per user, so a subscriber can only ever be handed
// events of its own viewer. One process: an in-memory EventTarget. Several instances: the same
// over Redis (redis.ts), so a subscriber on one instance hears a mutation served by another.
//
// One event per write, however many rows it wrote (appendMessages of 5,000 messages is one
// messageAdded event naming 5,000 ids): one dispatch, one Redis message. Each subscription has its
// own bounded buffer of items; a subscriber that falls MAX_BUFFERED_ITEMS behind (a client that
// stopped reading) is completed rather than allowed to grow the server's memory, and resubscribes.
import { Repeater } from "graphql-yoga";
import { apiError } from "../errors.ts";

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

/** Background work was queued (after its write committed): idle workers on every instance look at once. */
export interface JobsQueuedEvent {
  kind: "embed_messages";
}

/** The topic that carries CredentialsChangedEvent and JobsQueuedEvent for every user (to every instance, through Redis). */
export const ALL_USERS = "*";

export type Events = {
  messageAdded: MessagesAddedEvent;
  credentialsChanged: CredentialsChangedEvent;
  conversationUpdated: ConversationUpdatedEvent;
  actionUpdated: ActionUpdatedEvent;
  jobsQueued: JobsQueuedEvent;
};

/** Live subscriptions one user may hold on one instance, unless configured (MAX_SUBSCRIPTIONS_PER_USER). */
export const MAX_SUBSCRIPTIONS_PER_USER = 50;

export const tooManySubscriptions = (message: string) => apiError("TOO_MANY_SUBSCRIPTIONS", message);

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
  /** Subscriptions (subscribe() calls not yet ended) one user may hold here; more are TOO_MANY_SUBSCRIPTIONS. */
  maxPerUser?: number;
  /** Called when a subscription is completed because its client fell too far behind. */
  onOverflow?: (topic: string) => void;
}

export function pubsubOver(
  target: PubSubEventTarget,
  { maxBufferedItems = MAX_BUFFERED_ITEMS, maxPerUser = MAX_SUBSCRIPTIONS_PER_USER, onOverflow = () => {} }: PubSubOptions = {},
): PubSub {
  const active = new Map<string, number>(); // userId → subscriptions held
  /** Counts one subscription of the user; the returned function ends it (once). */
  const hold = (userId: string) => {
    const held = active.get(userId) ?? 0;
    if (held >= maxPerUser) throw tooManySubscriptions(`At most ${maxPerUser} live subscriptions per user: end one before starting another`);
    active.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (active.get(userId) ?? 1) - 1;
      if (left > 0) active.set(userId, left);
      else active.delete(userId);
    };
  };
  return {
    publish(key, userId, event) {
      target.dispatchEvent(new CustomEvent(`${key}:${userId}`, { detail: event }));
    },
    subscribe<K extends keyof Events, T>(key: K, userId: string, items?: (event: Events[K]) => T[]) {
      const topic = `${key}:${userId}`;
      // Counted from now (the limit is checked before anything starts) until the stream ends or is
      // returned, even if it is returned before it was ever read.
      // The server's own listeners on every user's topic are not a user's subscriptions.
      const release = userId === ALL_USERS ? () => {} : hold(userId);
      const repeater = new Repeater<T>(async (push, stop) => {
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
          release();
        }
      });
      const end = repeater.return.bind(repeater);
      repeater.return = (value?: any) => {
        release();
        return end(value);
      };
      return repeater;
    },
  };
}

/** Events delivered within this process only. */
export function inProcessEvents(options: PubSubOptions = {}): EventBus {
  return { pubsub: pubsubOver(new EventTarget() as PubSubEventTarget, options), description: "in-process", check: async () => {}, close: async () => {} };
}

const reads = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * What `load` reads for this event, read once however many subscribers receive it: every local
 * subscriber of a topic is handed the same event object (in-process and through Redis alike).
 * `shape` tells reads of different selections apart (subscribers selecting the same fields share one).
 */
export function readOnce<T>(event: object, shape: string, load: () => Promise<T>): Promise<T> {
  let byShape = reads.get(event);
  if (!byShape) reads.set(event, (byShape = new Map()));
  let read = byShape.get(shape) as Promise<T> | undefined;
  if (!read) {
    read = load();
    byShape.set(shape, read);
    read.catch(() => byShape.delete(shape)); // a failed read is tried again by the next subscriber
  }
  return read;
}
