// The event bus this configuration asks for: Redis when REDIS_URL is set, in-process otherwise.
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { inProcessEvents, MAX_BUFFERED_ITEMS, type EventBus } from "./pubsub.ts";

export type { EventBus } from "./pubsub.ts";

export function openEvents(config: Pick<Config, "events"> & Partial<Pick<Config, "subscriptions">>, logger: Logger): Promise<EventBus> | EventBus {
  const { redisUrl, channelPrefix } = config.events;
  const onOverflow = (topic: string) =>
    logger.warn(`a ${topic.split(":")[0]} subscriber fell ${MAX_BUFFERED_ITEMS} items behind (its client stopped reading): completed it`);
  const maxPerUser = config.subscriptions?.maxPerUser;
  if (!redisUrl) return inProcessEvents({ onOverflow, maxPerUser });
  // ioredis is loaded only when Redis is configured.
  return import("./redis.ts").then(({ connectRedisEvents }) => connectRedisEvents({ url: redisUrl, prefix: channelPrefix, logger, onOverflow, maxPerUser }));
}
