// Subscription events across instances through Redis pub/sub (REDIS_URL). Every instance publishes
// each event to the channel `<prefix><topic>:<userId>` and subscribes to the channels its own
// subscribers listen on, so a mutation served by one instance reaches subscribers on all of them.
//
// Delivery is at most once, like Redis pub/sub itself: the data is in the database, an event only
// says "look again". While Redis is unreachable, mutations still commit; their events are queued
// for a short while (ioredis' offline queue) and then dropped with a warning, /ready answers 503,
// and the connections are retried; on reconnection the subscriber client subscribes again.
//
// Not @graphql-yoga/redis-event-target: it publishes without handling a failed PUBLISH (an
// unhandled rejection that ends the process) and has no channel prefix for a shared Redis.
import { Redis, type RedisOptions } from "ioredis";
import { redactUrl, type Logger } from "../logger.ts";
import { pubsubOver, type EventBus, type PubSubEventTarget } from "./pubsub.ts";

export interface RedisEventsOptions {
  url: string;
  /** Put before every channel name, so several applications (or test runs) can share one Redis. */
  prefix: string;
  logger: Logger;
  /** How long start-up waits for Redis before giving up. */
  connectTimeoutMs?: number;
  /** See PubSubOptions. */
  onOverflow?: (topic: string) => void;
  maxPerUser?: number;
}

type Listener = (event: CustomEvent) => void;

export async function connectRedisEvents({ url, prefix, logger, connectTimeoutMs = 10_000, onOverflow, maxPerUser }: RedisEventsOptions): Promise<EventBus> {
  const where = redactUrl(url);
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  };
  const publisher = new Redis(url, { ...options, connectionName: "threadline-publish" });
  const subscriber = new Redis(url, { ...options, connectionName: "threadline-subscribe" });
  const clients = [publisher, subscriber];

  let connected = false;
  for (const [client, role] of [
    [publisher, "publish"],
    [subscriber, "subscribe"],
  ] as const) {
    // ioredis emits an error for every failed reconnection attempt: say it once per outage.
    let down = false;
    client.on("error", (error: Error) => {
      if (connected && !down) logger.warn(`Redis (${role}) at ${where} unreachable, retrying: ${error.message}`);
      down = true;
    });
    client.on("ready", () => {
      if (connected && down) logger.info(`Redis (${role}) at ${where} connected again`);
      down = false;
    });
  }

  try {
    await Promise.all(clients.map((client) => whenReady(client, connectTimeoutMs)));
  } catch (error) {
    clients.forEach((client) => client.disconnect());
    throw new Error(`could not connect to Redis at ${where} within ${connectTimeoutMs} ms: ${(error as Error).message}`);
  }
  connected = true;

  const eventTarget = redisEventTarget(publisher, subscriber, prefix, (what, error) =>
    logger.warn(`Redis at ${where}: ${what}: ${error instanceof Error ? error.message : String(error)}`),
  );

  return {
    pubsub: pubsubOver(eventTarget, { onOverflow, maxPerUser }),
    description: `Redis at ${where} (channels ${prefix}*)`,
    async check() {
      for (const client of clients) {
        if (client.status !== "ready") throw new Error(`Redis at ${where} is ${client.status}`);
      }
      // A half-open connection would leave PING waiting forever: /ready must answer.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis at ${where} did not answer PING within 2 s`)), 2_000);
      });
      try {
        await Promise.race([publisher.ping(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

/** Connects a lazyConnect client, retrying (its retryStrategy) until it is ready or the time is up. */
export function whenReady(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error) => {
      lastError = error;
    };
    const finish = (error?: Error) => {
      clearTimeout(timer);
      client.off("error", onError);
      client.off("ready", onReady);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => finish();
    const timer = setTimeout(() => finish(lastError ?? new Error("timed out")), timeoutMs);
    client.on("error", onError);
    client.once("ready", onReady);
    // A refused first attempt rejects here; the retry strategy keeps trying until the timeout.
    client.connect().catch(onError);
  });
}

/** An event target for the pubsub (pubsub.ts) whose events travel through Redis channels. */
function redisEventTarget(publisher: Redis, subscriber: Redis, prefix: string, warn: (what: string, error: unknown) => void): PubSubEventTarget {
  const listeners = new Map<string, Set<Listener>>(); // topic → this instance's listeners

  subscriber.on("message", (channel: string, message: string) => {
    if (!channel.startsWith(prefix)) return;
    const topic = channel.slice(prefix.length);
    const callbacks = listeners.get(topic);
    if (!callbacks) return;
    let detail: unknown;
    try {
      detail = JSON.parse(message);
    } catch (error) {
      warn(`ignored a message on ${channel} that is not JSON`, error);
      return;
    }
    const event = new CustomEvent(topic, { detail });
    for (const listener of callbacks) {
      // A message of the wrong shape (another application on the prefix) must not end the process.
      try {
        listener(event);
      } catch (error) {
        warn(`ignored a message on ${channel} that is not a Threadline event`, error);
      }
    }
  });

  return {
    addEventListener(topic: string, listener: Listener | null) {
      if (listener == null) return;
      let callbacks = listeners.get(topic);
      if (!callbacks) {
        callbacks = new Set();
        listeners.set(topic, callbacks);
        subscriber.subscribe(prefix + topic).catch((error) => warn(`SUBSCRIBE ${prefix + topic} failed`, error));
      }
      callbacks.add(listener);
    },
    removeEventListener(topic: string, listener: Listener | null) {
      const callbacks = listeners.get(topic);
      if (listener == null || !callbacks?.delete(listener) || callbacks.size > 0) return;
      listeners.delete(topic);
      subscriber.unsubscribe(prefix + topic).catch((error) => warn(`UNSUBSCRIBE ${prefix + topic} failed`, error));
    },
    dispatchEvent(event: CustomEvent) {
      publisher.publish(prefix + event.type, JSON.stringify(event.detail ?? null)).catch((error) => warn(`an event on ${prefix + event.type} was lost`, error));
      return true;
    },
  } as PubSubEventTarget;
}
