// The event bus this configuration asks for: Redis when REDIS_URL is set, in-process otherwise.
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { inProcessEvents, type EventBus } from "./pubsub.ts";
import { connectRedisEvents } from "./redis.ts";

export type { EventBus } from "./pubsub.ts";

export function openEvents(config: Pick<Config, "events">, logger: Logger): Promise<EventBus> | EventBus {
  const { redisUrl, channelPrefix } = config.events;
  if (!redisUrl) return inProcessEvents();
  return connectRedisEvents({ url: redisUrl, prefix: channelPrefix, logger });
}
