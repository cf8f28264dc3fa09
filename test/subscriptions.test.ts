// Subscriptions with real clients against the real server: graphql-ws over a WebSocket, GraphQL over
// SSE with the graphql-sse client and with a hand-parsed fetch stream. Events are triggered over HTTP.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient as createSseClient, type Client as SseClient } from "graphql-sse";
import { ok, startTestServer, type TestServer } from "./support/server.ts";
import { EventStream, sseResults, whenLive, type StreamResult } from "./support/events.ts";

let t: TestServer;
let alice: string;
let bob: string;
const streams: EventStream[] = [];
const sseClients: SseClient[] = [];

beforeAll(async () => {
  t = await startTestServer();
  alice = await t.tokenFor("user_subscriptions_alice");
  bob = await t.tokenFor("user_subscriptions_bob");
});
afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close()));
  for (const client of sseClients.splice(0)) client.dispose();
});
afterAll(() => t?.close());

const MESSAGE_ADDED = `subscription($id: ID) { messageAdded(conversationId: $id) { content position role conversation { id } } }`;
const ACTION_UPDATED = `subscription($id: ID) { actionUpdated(conversationId: $id) { id type status payload result conversation { id } } }`;
const CONVERSATION_UPDATED = `subscription($id: ID!) { conversationUpdated(id: $id) { id title description status active } }`;

type Role = "USER" | "ASSISTANT" | "SYSTEM";

function overWs(token: string | undefined, query: string, variables: Record<string, unknown> = {}): EventStream {
  const stream = new EventStream(t.wsClient(token).iterate({ query, variables }));
  streams.push(stream);
  return stream;
}

function overSse(token: string, query: string, variables: Record<string, unknown> = {}): EventStream {
  const client = createSseClient({ url: t.url, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  sseClients.push(client);
  const stream = new EventStream(client.iterate({ query, variables }));
  streams.push(stream);
  return stream;
}

async function createConversation(token: string, title: string): Promise<string> {
  return ok(await t.gql(`mutation($title: String) { createConversation(input: { title: $title }) { id } }`, { title }, { token })).createConversation.id;
}

async function append(token: string, conversationId: string, messages: { role: Role; content: string; externalId?: string }[]) {
  const data = ok(
    await t.gql(
      `mutation($id: ID!, $messages: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $messages) { inserted duplicates messages { content position } } }`,
      { id: conversationId, messages },
      { token },
    ),
  );
  return data.appendMessages as { inserted: number; duplicates: number; messages: { content: string; position: number }[] };
}

/** Pings a messageAdded subscription with numbered messages in `conversationId` until it is live. */
const messagePings = (token: string, conversationId: string) => [
  async (i: number) => (await append(token, conversationId, [{ role: "SYSTEM", content: `ping ${i}` }]), `ping ${i}`),
  (result: StreamResult) => result.data?.messageAdded?.content as string | undefined,
] as const;

const message = (content: string, position: number, role: Role, conversationId: string) => ({
  messageAdded: { content, position, role, conversation: { id: conversationId } },
});

describe("messageAdded over WebSocket (graphql-ws)", () => {
  it("delivers each appended message in order, skipping duplicates, filtered by conversation", async () => {
    const here = await createConversation(alice, "Watched");
    const elsewhere = await createConversation(alice, "Not watched");
    const filtered = overWs(alice, MESSAGE_ADDED, { id: here });
    const everything = overWs(alice, MESSAGE_ADDED);
    const pings = await whenLive([filtered, everything], ...messagePings(alice, here));

    // A duplicate is the same message (its source id), not the same words: see appendMessages.
    const batch = await append(alice, here, [
      { role: "USER", content: "first", externalId: "m1" },
      { role: "ASSISTANT", content: "second", externalId: "m2" },
      { role: "USER", content: "first", externalId: "m1" },
    ]);
    expect(batch).toMatchObject({ inserted: 2, duplicates: 1 });
    expect(await append(alice, here, [{ role: "ASSISTANT", content: "second", externalId: "m2" }])).toMatchObject({ inserted: 0, duplicates: 1 });
    await append(alice, elsewhere, [{ role: "USER", content: "in another conversation" }]);
    await append(alice, here, [{ role: "USER", content: "third" }]);

    // "third" comes right after "second": no duplicate and nothing from the other conversation in between.
    expect(await filtered.take(3)).toEqual([
      message("first", pings + 1, "USER", here),
      message("second", pings + 2, "ASSISTANT", here),
      message("third", pings + 3, "USER", here),
    ]);
    expect(await everything.take(4)).toEqual([
      message("first", pings + 1, "USER", here),
      message("second", pings + 2, "ASSISTANT", here),
      message("in another conversation", 1, "USER", elsewhere),
      message("third", pings + 3, "USER", here),
    ]);
  });
});

describe("a large write", () => {
  it("delivers every message of a 1,500-message import to a live subscriber, in order", async () => {
    const stream = overWs(alice, MESSAGE_ADDED);
    const pingConversation = await createConversation(alice, "Pings before a big import");
    await whenLive([stream], ...messagePings(alice, pingConversation));
    const messages = Array.from({ length: 1_500 }, (_, i) => ({ sender: "me", timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), content: `imported ${i}` }));
    const imported = ok(await t.gql(`mutation($i: ImportChatInput!) { importChat(input: $i) { inserted } }`, { i: { conversation: { title: "Big import" }, messages } }, { token: alice }));
    expect(imported.importChat.inserted).toBe(1_500);
    const received = await stream.take(1_500, 60_000);
    expect(received.map((data) => data.messageAdded.content)).toEqual(messages.map((m) => m.content));
  }, 120_000);
});

describe("messageAdded over Server-Sent Events", () => {
  it("delivers appended messages in order to the graphql-sse client (distinct connections mode)", async () => {
    const here = await createConversation(alice, "Watched over SSE");
    const elsewhere = await createConversation(alice, "Not watched over SSE");
    const filtered = overSse(alice, MESSAGE_ADDED, { id: here });
    const pings = await whenLive([filtered], ...messagePings(alice, here));

    await append(alice, here, [
      { role: "USER", content: "first", externalId: "s1" },
      { role: "ASSISTANT", content: "second", externalId: "s2" },
      { role: "ASSISTANT", content: "second", externalId: "s2" },
    ]);
    await append(alice, here, [{ role: "USER", content: "first", externalId: "s1" }]);
    await append(alice, elsewhere, [{ role: "USER", content: "in another conversation" }]);
    await append(alice, here, [{ role: "USER", content: "third" }]);

    expect(await filtered.take(3)).toEqual([
      message("first", pings + 1, "USER", here),
      message("second", pings + 2, "ASSISTANT", here),
      message("third", pings + 3, "USER", here),
    ]);
  });

  it("streams `event: next` results to a plain fetch of GET /graphql with accept: text/event-stream", async () => {
    const here = await createConversation(alice, "Watched with fetch");
    const url = new URL(t.url);
    url.searchParams.set("query", MESSAGE_ADDED);
    url.searchParams.set("variables", JSON.stringify({ id: here }));
    const abort = new AbortController();
    const response = await fetch(url, { headers: { accept: "text/event-stream", authorization: `Bearer ${alice}` }, signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const stream = new EventStream(sseResults(response), () => abort.abort());
    streams.push(stream);
    const pings = await whenLive([stream], ...messagePings(alice, here));

    await append(alice, here, [
      { role: "USER", content: "first", externalId: "f1" },
      { role: "USER", content: "first", externalId: "f1" },
      { role: "ASSISTANT", content: "second", externalId: "f2" },
    ]);
    await append(alice, here, [{ role: "USER", content: "third" }]);
    expect(await stream.take(3)).toEqual([
      message("first", pings + 1, "USER", here),
      message("second", pings + 2, "ASSISTANT", here),
      message("third", pings + 3, "USER", here),
    ]);
  });
});

describe("ownership", () => {
  it("refuses a subscription to another user's conversation with NOT_FOUND, as for one that does not exist", async () => {
    const alicesConversation = await createConversation(alice, "Alice's");
    const refused = overWs(bob, MESSAGE_ADDED, { id: alicesConversation });
    const result = await refused.next();
    expect(result.data).toBeUndefined();
    expect(result.errors).toMatchObject([
      { message: `Conversation ${alicesConversation} was not found`, path: ["messageAdded"], extensions: { code: "NOT_FOUND", id: alicesConversation } },
    ]);
    expect(await refused.completes()).toBe(true);

    const missing = Buffer.from("Conversation:no-such-conversation").toString("base64");
    const absent = await overWs(bob, MESSAGE_ADDED, { id: missing }).next();
    expect(absent.errors).toMatchObject([{ message: `Conversation ${missing} was not found`, extensions: { code: "NOT_FOUND", id: missing } }]);
  });

  it("never hands another user's messages to an unfiltered messageAdded", async () => {
    const alicesConversation = await createConversation(alice, "Alice's secrets");
    const bobsConversation = await createConversation(bob, "Bob's");
    const alicesStream = overWs(alice, MESSAGE_ADDED);
    const bobsStream = overWs(bob, MESSAGE_ADDED);
    const alicePings = await whenLive([alicesStream], ...messagePings(alice, alicesConversation));
    const bobPings = await whenLive([bobsStream], ...messagePings(bob, bobsConversation));

    await append(alice, alicesConversation, [{ role: "USER", content: "Alice's secret" }]);
    await append(bob, bobsConversation, [{ role: "USER", content: "Bob's own" }]);

    // Alice's message was published (her own subscription has it), and Bob's next event is his own.
    expect(await alicesStream.take(1)).toEqual([message("Alice's secret", alicePings + 1, "USER", alicesConversation)]);
    expect(await bobsStream.take(1)).toEqual([message("Bob's own", bobPings + 1, "USER", bobsConversation)]);
  });
});

describe("authentication over WebSocket", () => {
  it("acknowledges the connection but refuses a subscription without a token with UNAUTHENTICATED", async () => {
    const client = t.wsClient();
    let acknowledged = false;
    client.on("connected", () => (acknowledged = true));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.on("closed", (event) => resolve(event as { code: number; reason: string })),
    );
    const stream = new EventStream(client.iterate({ query: MESSAGE_ADDED, variables: {} }));
    streams.push(stream);

    // graphql-ws delivers the `error` message's GraphQL errors as the iterator's rejection.
    expect(await stream.rejection()).toEqual([
      { message: "Sign in: send Authorization: Bearer <token>", extensions: expect.objectContaining({ code: "UNAUTHENTICATED" }) },
    ]);
    expect(acknowledged).toBe(true);
    // The server did not close the socket with a 44xx code; the lazy client closes it normally once idle.
    expect(await closed).toMatchObject({ code: 1000 });
  });

  it("refuses a subscription with an invalid token with UNAUTHENTICATED", async () => {
    const stream = overWs("not-a-jwt", MESSAGE_ADDED);
    expect(await stream.rejection()).toEqual([
      { message: "The token is not a JWT (nor a tl_ API key)", extensions: expect.objectContaining({ code: "UNAUTHENTICATED" }) },
    ]);
  });
});

describe("actionUpdated over WebSocket", () => {
  async function createAction(conversationId: string, type: string, payload: unknown) {
    const data = ok(
      await t.gql(`mutation($id: ID!, $type: String!, $payload: JSON!) { createAction(conversationId: $id, type: $type, payload: $payload) { id status } }`, { id: conversationId, type, payload }, { token: alice }),
    );
    return data.createAction as { id: string; status: string };
  }
  async function updateStatus(id: string, status: string, result?: unknown) {
    ok(await t.gql(`mutation($id: ID!, $status: ActionStatus!, $result: JSON) { updateActionStatus(id: $id, status: $status, result: $result) { id } }`, { id, status, result }, { token: alice }));
  }

  it("delivers an action's creation and each status change in order, for its conversation only", async () => {
    const here = await createConversation(alice, "Build");
    const elsewhere = await createConversation(alice, "Other build");
    const stream = overWs(alice, ACTION_UPDATED, { id: here });
    await whenLive(
      [stream],
      async (i) => (await createAction(here, "ping", { i }), `ping ${i}`),
      (result) => (result.data?.actionUpdated ? `${result.data.actionUpdated.type} ${result.data.actionUpdated.payload.i}` : undefined),
    );

    const payload = { target: "preview" };
    const action = await createAction(here, "deploy", payload);
    await updateStatus(action.id, "RUNNING");
    await createAction(elsewhere, "deploy", { target: "elsewhere" });
    await updateStatus(action.id, "COMPLETED", { url: "https://preview.example.com" });

    const event = (status: string, result: unknown) => ({ actionUpdated: { id: action.id, type: "deploy", status, payload, result, conversation: { id: here } } });
    expect(await stream.take(3)).toEqual([event("PENDING", null), event("RUNNING", null), event("COMPLETED", { url: "https://preview.example.com" })]);
  });
});

describe("conversationUpdated over WebSocket", () => {
  const update = async (id: string, input: Record<string, unknown>) =>
    ok(await t.gql(`mutation($id: ID!, $input: UpdateConversationInput!) { updateConversation(id: $id, input: $input) { id } }`, { id, input }, { token: alice }));

  it("delivers the new title and status of updateConversation and endConversation, then null once deleted", async () => {
    const here = await createConversation(alice, "Draft");
    const elsewhere = await createConversation(alice, "Unwatched");
    const stream = overWs(alice, CONVERSATION_UPDATED, { id: here });
    const pings = await whenLive(
      [stream],
      async (i) => (await update(here, { description: `ping ${i}` }), `ping ${i}`),
      (result) => result.data?.conversationUpdated?.description,
    );
    const description = `ping ${pings - 1}`;

    await update(here, { title: "Renamed" });
    await update(elsewhere, { title: "Not delivered" });
    ok(await t.gql(`mutation($id: ID!) { endConversation(id: $id) { id } }`, { id: here }, { token: alice }));
    ok(await t.gql(`mutation($id: ID!) { deleteConversation(id: $id) { deletedId } }`, { id: here }, { token: alice }));

    expect(await stream.take(3)).toEqual([
      { conversationUpdated: { id: here, title: "Renamed", description, status: "ACTIVE", active: true } },
      { conversationUpdated: { id: here, title: "Renamed", description, status: "COMPLETED", active: false } },
      { conversationUpdated: null },
    ]);
  });
});
