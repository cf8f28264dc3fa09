// Subscriptions are bounded and end with their credential: caps per connection and per user
// (TOO_MANY_SUBSCRIPTIONS), each event read once for all of a user's subscribers, and a complete
// with UNAUTHENTICATED within seconds of an API key's revocation, the account's deletion or the
// token's expiry — on every instance, through Redis.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedisEvents } from "../src/events/redis.ts";
import { inProcessEvents, type EventBus } from "../src/events/pubsub.ts";
import { silentLogger } from "../src/logger.ts";
import type { Database } from "../src/db/database.ts";
import { freshDatabase } from "./support/database.ts";
import { JWT_SECRET, ok, startTestServer, type TestServer } from "./support/server.ts";
import { EventStream, whenLive } from "./support/events.ts";
import { whileServing } from "./support/attack.ts";
import { RedisServer, redisServerAvailable } from "./support/redis.ts";

const MESSAGE_ADDED = `subscription($id: ID) { messageAdded(conversationId: $id) { content } }`;
const marker = (result: { data?: any }) => result.data?.messageAdded?.content;

async function conversationOf(t: TestServer, token: string) {
  return ok(await t.gql(`mutation { createConversation(input: { title: "live" }) { id } }`, {}, { token })).createConversation.id as string;
}
const append = (t: TestServer, token: string, id: string, contents: string[]) =>
  t.gql(`mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, { id, m: contents.map((content) => ({ role: "USER", content })) }, { token });

async function live(t: TestServer, token: string, conversationId: string, streams: EventStream[]) {
  await whenLive(streams, async (i) => {
    const content = `ping ${randomUUID()} ${i}`;
    ok(await append(t, token, conversationId, [content]));
    return content;
  }, marker);
}

describe("caps and shared reads", () => {
  let t: TestServer;
  const events = inProcessEvents({ maxPerUser: 6 });
  beforeAll(async () => {
    t = await startTestServer({ events, env: { MAX_SUBSCRIPTIONS_PER_CONNECTION: "4" } });
  });
  afterAll(() => t?.close());

  it("refuses a connection's operation past MAX_SUBSCRIPTIONS_PER_CONNECTION and a user's past MAX_SUBSCRIPTIONS_PER_USER", async () => {
    const token = await t.tokenFor("user_caps");
    const other = await t.tokenFor("user_caps_other");
    const id = await conversationOf(t, token);
    const first = t.wsClient(token);
    const streams = Array.from({ length: 4 }, () => new EventStream(first.iterate({ query: MESSAGE_ADDED, variables: { id } })));
    await live(t, token, id, streams);
    const fifth = new EventStream(first.iterate({ query: MESSAGE_ADDED, variables: { id } }));
    expect(await fifth.rejection()).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "TOO_MANY_SUBSCRIPTIONS" }) })]);

    const second = t.wsClient(token);
    const more = Array.from({ length: 2 }, () => new EventStream(second.iterate({ query: MESSAGE_ADDED, variables: { id } })));
    await live(t, token, id, more);
    const seventh = new EventStream(second.iterate({ query: MESSAGE_ADDED, variables: { id } }));
    const refused = await seventh.next();
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(["TOO_MANY_SUBSCRIPTIONS"]);

    // Another user is not limited by this one; and ending one frees its place.
    const theirs = new EventStream(t.wsClient(other).iterate({ query: MESSAGE_ADDED, variables: {} }));
    await live(t, other, await conversationOf(t, other), [theirs]);
    await more[0].close();
    const again = new EventStream(second.iterate({ query: MESSAGE_ADDED, variables: { id } }));
    await live(t, token, id, [again]);
    await Promise.all([...streams, ...more, again, theirs].map((s) => s.close()));
  });

  it("reads each write's messages once for all of a user's subscribers, while others are served", async () => {
    const token = await t.tokenFor("user_fanout");
    const id = await conversationOf(t, token);
    const run = async (subscribers: number) => {
      const client = t.wsClient(token);
      const streams = Array.from({ length: subscribers }, () => new EventStream(client.iterate({ query: MESSAGE_ADDED, variables: { id } })));
      await live(t, token, id, streams);
      const contents = Array.from({ length: 40 }, (_, i) => `${subscribers} subscribers: m${i}`);
      const { result: counted, slowestHealthMs } = await whileServing(t.url, () =>
        t.countStatements(async () => {
          ok(await append(t, token, id, contents));
          for (const [n, stream] of streams.entries()) {
            const got: any[] = [];
            try {
              for (let i = 0; i < contents.length; i++) got.push(await stream.next(20_000));
            } catch (e) {
              console.log("RUN", subscribers, "stream", n, "got", got.length, JSON.stringify(got.slice(-2)), (e as Error).message);
              throw e;
            }
            expect(got.map((r: any) => r.data?.messageAdded?.content)).toEqual(contents);
          }
        }),
      );
      await Promise.all(streams.map((s) => s.close()));
      expect(slowestHealthMs).toBeLessThan(1000);
      const reads = counted.statements.filter((sql) => /FROM "public"\."messages"/.test(sql) && /SELECT/.test(sql));
      return reads.length;
    };
    const one = await run(1);
    const four = await run(4);
    expect(four).toBe(one); // not 4× (nor 40× per subscriber)
    expect(one).toBeLessThanOrEqual(3);
  }, 180_000);
});

describe("access ends with the credential", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t?.close());

  it("completes an API key's subscription with UNAUTHENTICATED once the key is revoked", async () => {
    const token = await t.tokenFor("user_revoke");
    const id = await conversationOf(t, token);
    const created = ok(await t.gql(`mutation { createApiKey(name: "ingest") { key apiKey { id } } }`, {}, { token })).createApiKey;
    const stream = new EventStream(t.wsClient(created.key).iterate({ query: MESSAGE_ADDED, variables: { id } }));
    await live(t, token, id, [stream]);
    const started = Date.now();
    ok(await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: created.apiKey.id }, { token }));
    const ended = await stream.next(5_000);
    expect(ended.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(await stream.completes()).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    // Nothing more reaches it.
    ok(await append(t, token, id, ["after revocation"]));
    expect(await stream.hasResultWithin(300)).toBe(false);
  });

  it("completes a subscription with UNAUTHENTICATED when its token expires, and when the account is deleted", async () => {
    const sign = (sub: string, expiresIn: string) =>
      new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuer("threadline-tests").setAudience("threadline").setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(JWT_SECRET));
    const shortLived = await sign("user_expiring", "3s");
    const id = await conversationOf(t, shortLived);
    const expiring = new EventStream(t.wsClient(shortLived).iterate({ query: MESSAGE_ADDED, variables: { id } }));
    await live(t, shortLived, id, [expiring]);
    const ended = await expiring.next(6_000);
    expect(ended.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(ended.errors?.[0].message).toMatch(/expired/);
    expect(await expiring.completes()).toBe(true);

    const token = await t.tokenFor("user_leaving");
    const mine = await conversationOf(t, token);
    const leaving = new EventStream(t.wsClient(token).iterate({ query: `subscription { messageAdded { content } }`, variables: {} }));
    await live(t, token, mine, [leaving]);
    ok(await t.gql(`mutation { deleteViewer(confirm: "user_leaving") { externalId } }`, {}, { token }));
    const gone = await leaving.next(5_000);
    expect(gone.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(await leaving.completes()).toBe(true);
  });
});

describe.skipIf(!redisServerAvailable())("on every instance (REDIS_URL)", () => {
  let redis: RedisServer;
  let db: Database;
  const buses: EventBus[] = [];
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
    db = await freshDatabase();
    const prefix = `threadline-test-${randomUUID()}:`;
    for (let i = 0; i < 2; i++) buses.push(await connectRedisEvents({ url: redis.url, prefix, logger: silentLogger, connectTimeoutMs: 5_000 }));
    a = await startTestServer({ db, events: buses[0] });
    b = await startTestServer({ db, events: buses[1] });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all(buses.map((bus) => bus.close()));
    await db?.close();
    await redis?.stop();
  });

  it("ends a subscription on one instance when its key is revoked through another", async () => {
    const token = await a.tokenFor("user_two_instances");
    const id = await conversationOf(b, token);
    const created = ok(await b.gql(`mutation { createApiKey(name: "ingest") { key apiKey { id } } }`, {}, { token })).createApiKey;
    const stream = new EventStream(a.wsClient(created.key).iterate({ query: MESSAGE_ADDED, variables: { id } }));
    await live(b, token, id, [stream]);
    ok(await b.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: created.apiKey.id }, { token }));
    const ended = await stream.next(5_000);
    expect(ended.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(await stream.completes()).toBe(true);
  });
});
