// Several instances behind a load balancer: two (three) real servers on one database, each with its
// own connections to a real Redis server, and real WebSocket/SSE clients. A mutation served by one
// instance must reach subscribers on the others, still only the viewer's own, and survive an outage.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient as createSseClient, type Client as SseClient } from "graphql-sse";
import { Redis } from "ioredis";
import { connectRedisEvents } from "../src/events/redis.ts";
import type { EventBus } from "../src/events/pubsub.ts";
import { silentLogger } from "../src/logger.ts";
import type { Database } from "../src/db/database.ts";
import { freshDatabase } from "./support/database.ts";
import { ok, startTestServer, type TestServer } from "./support/server.ts";
import { EventStream, whenLive, type StreamResult } from "./support/events.ts";
import { RedisServer, redisServerAvailable } from "./support/redis.ts";

const MESSAGE_ADDED = `subscription($id: ID) { messageAdded(conversationId: $id) { content conversation { id } } }`;
const CONVERSATION_UPDATED = `subscription($id: ID!) { conversationUpdated(id: $id) { title } }`;

describe.skipIf(!redisServerAvailable())("subscription events across instances through Redis (REDIS_URL)", () => {
  const prefix = `threadline-test-${randomUUID()}:`;
  let redis: RedisServer;
  let db: Database;
  const buses: EventBus[] = [];
  let a: TestServer; // where subscribers connect
  let b: TestServer; // where mutations are served
  let alice: string;
  let bob: string;
  const streams: EventStream[] = [];
  const sseClients: SseClient[] = [];

  const bus = async (channelPrefix = prefix) => {
    const created = await connectRedisEvents({ url: redis.url, prefix: channelPrefix, logger: silentLogger, connectTimeoutMs: 5_000 });
    buses.push(created);
    return created;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    db = await freshDatabase();
    a = await startTestServer({ db, events: await bus() });
    b = await startTestServer({ db, events: await bus() });
    alice = await a.tokenFor("user_fanout_alice");
    bob = await a.tokenFor("user_fanout_bob");
  });
  afterEach(async () => {
    await Promise.all(streams.splice(0).map((stream) => stream.close()));
    for (const client of sseClients.splice(0)) client.dispose();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all(buses.map((each) => each.close()));
    await db?.close();
    await redis?.stop();
  });

  const overWs = (server: TestServer, token: string, query = MESSAGE_ADDED, variables: Record<string, unknown> = {}) => {
    const stream = new EventStream(server.wsClient(token).iterate({ query, variables }));
    streams.push(stream);
    return stream;
  };
  const overSse = (server: TestServer, token: string, query = MESSAGE_ADDED, variables: Record<string, unknown> = {}) => {
    const client = createSseClient({ url: server.url, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    sseClients.push(client);
    const stream = new EventStream(client.iterate({ query, variables }));
    streams.push(stream);
    return stream;
  };
  const createConversation = async (server: TestServer, token: string, title: string): Promise<string> =>
    ok(await server.gql(`mutation($title: String) { createConversation(input: { title: $title }) { id } }`, { title }, { token })).createConversation.id;
  const append = async (server: TestServer, token: string, conversationId: string, content: string) =>
    ok(await server.gql(`mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, { id: conversationId, m: [{ role: "USER", content }] }, { token }));
  /** Pings through `server` until the streams are live (subscriptions reach Redis asynchronously). */
  const pingsThrough = (server: TestServer, token: string, conversationId: string) =>
    [
      async (i: number) => (await append(server, token, conversationId, `ping ${prefix} ${i} ${randomUUID()}`), `ping ${prefix} ${i}`),
      (result: StreamResult) => (result.data?.messageAdded?.content as string | undefined)?.replace(/ [0-9a-f-]{36}$/, ""),
    ] as const;
  const contents = async (stream: EventStream, count: number) => (await stream.take(count)).map((data) => data.messageAdded.content);
  const ready = async (server: TestServer) => (await fetch(server.url.replace(/\/graphql$/, "/ready"))).status;

  it("delivers a message appended through one instance to subscribers on another, over WebSocket and SSE", async () => {
    const conversation = await createConversation(b, alice, "Across instances");
    const overSocket = overWs(a, alice, MESSAGE_ADDED, { id: conversation });
    const overEvents = overSse(a, alice);
    await whenLive([overSocket, overEvents], ...pingsThrough(b, alice, conversation));

    await append(b, alice, conversation, "served by B");
    await append(a, alice, conversation, "served by A");
    await append(b, alice, conversation, "served by B again");
    const expected = ["served by B", "served by A", "served by B again"];
    expect(await contents(overSocket, 3)).toEqual(expected);
    expect(await contents(overEvents, 3)).toEqual(expected);
  });

  it("carries conversationUpdated across instances too", async () => {
    const conversation = await createConversation(a, alice, "Renamed elsewhere");
    const updates = overWs(a, alice, CONVERSATION_UPDATED, { id: conversation });
    await whenLive(
      [updates],
      async (i) => {
        ok(await b.gql(`mutation($id: ID!, $t: String) { updateConversation(id: $id, input: { title: $t }) { id } }`, { id: conversation, t: `ping ${i}` }, { token: alice }));
        return `ping ${i}`;
      },
      (result) => result.data?.conversationUpdated?.title,
    );
    ok(await b.gql(`mutation($id: ID!) { updateConversation(id: $id, input: { title: "final title" }) { id } }`, { id: conversation }, { token: alice }));
    expect((await updates.take(1))[0]).toEqual({ conversationUpdated: { title: "final title" } });
  });

  it("never hands one user's events to another user on any instance", async () => {
    const alices = await createConversation(b, alice, "Alice's");
    const bobs = await createConversation(b, bob, "Bob's");
    const bobWatching = overWs(a, bob);
    await whenLive([bobWatching], ...pingsThrough(b, bob, bobs));

    await append(b, alice, alices, "alice's secret");
    await append(a, alice, alices, "alice's other secret");
    await append(b, bob, bobs, "bob's own");
    // Events arrive in publish order: had anything of Alice's reached Bob, it would come first.
    expect(await contents(bobWatching, 1)).toEqual(["bob's own"]);
  });

  it("ignores messages on its channels that are not its events, and goes on delivering", async () => {
    const conversation = await createConversation(b, alice, "Noise on the channel");
    const watching = overWs(a, alice, MESSAGE_ADDED, { id: conversation });
    await whenLive([watching], ...pingsThrough(b, alice, conversation));
    const { id: aliceId } = await db.prisma.user.findUniqueOrThrow({ where: { externalId: "user_fanout_alice" } });
    const raw = new Redis(redis.url);
    try {
      for (const noise of ["not json", JSON.stringify({ messageIds: "not a list" }), JSON.stringify(null), JSON.stringify([1, 2])]) {
        await raw.publish(`${prefix}messageAdded:${aliceId}`, noise);
      }
    } finally {
      raw.disconnect();
    }
    await append(b, alice, conversation, "after the noise");
    expect(await contents(watching, 1)).toEqual(["after the noise"]);
  });

  it("keeps deployments that share a Redis apart by channel prefix", async () => {
    const other = await startTestServer({ db, events: await bus(`another-deployment-${randomUUID()}:`) });
    try {
      const conversation = await createConversation(other, alice, "Other deployment");
      const watching = overWs(other, alice);
      await whenLive([watching], ...pingsThrough(other, alice, conversation));
      await append(b, alice, conversation, "published under the test prefix");
      await append(other, alice, conversation, "published under its own prefix");
      expect(await contents(watching, 1)).toEqual(["published under its own prefix"]);
    } finally {
      await other.close();
    }
  });

  it("during a Redis outage answers /ready 503 and still commits writes; afterwards events flow again", async () => {
    const conversation = await createConversation(b, alice, "Outage");
    const watching = overWs(a, alice, MESSAGE_ADDED, { id: conversation });
    await whenLive([watching], ...pingsThrough(b, alice, conversation));
    expect(await ready(a)).toBe(200);

    await redis.stop();
    await expect.poll(() => ready(a), { timeout: 10_000, interval: 100 }).toBe(503);
    const during = await append(b, alice, conversation, "written during the outage");
    expect(during.appendMessages.inserted).toBe(1);
    expect(await db.prisma.message.count({ where: { content: "written during the outage" } })).toBe(1);

    await redis.resume();
    await expect.poll(() => Promise.all([ready(a), ready(b)]), { timeout: 20_000, interval: 200 }).toEqual([200, 200]);
    // The same subscription, resubscribed by the client library on reconnection.
    await whenLive([watching], ...pingsThrough(b, alice, conversation));
    await append(b, alice, conversation, "after the outage");
    expect(await contents(watching, 1)).toEqual(["after the outage"]);
  }, 60_000);

  it("answers /ready 503 when Redis hangs without closing the connection, and 200 once it answers again", async () => {
    expect(await ready(a)).toBe(200);
    redis.freeze();
    try {
      const response = await fetch(a.url.replace(/\/graphql$/, "/ready"));
      expect(response.status).toBe(503);
      expect(await response.text()).toMatch(/did not answer PING within 2 s/);
    } finally {
      redis.thaw();
    }
    await expect.poll(() => ready(a), { timeout: 10_000, interval: 100 }).toBe(200);
  });

  it("refuses to start when Redis cannot be reached, without printing its password", async () => {
    // Port 1: nothing listens there.
    const attempt = connectRedisEvents({ url: "redis://:hunter2@127.0.0.1:1", prefix, logger: silentLogger, connectTimeoutMs: 1_000 });
    await expect(attempt).rejects.toThrow(/could not connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });
});
