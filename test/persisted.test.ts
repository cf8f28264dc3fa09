// Trusted documents: the example client's operations, as GraphQL Code Generator's client preset
// writes them (examples/client/gql/persisted-documents.json), sent by id from the typed client.
// With PERSISTED_OPERATIONS_ONLY nothing else runs, over HTTP, SSE or WebSocket.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient as createSseClient } from "graphql-sse";
import { execute, ThreadlineError } from "../examples/client/client.ts";
import { AppendMessages, ConversationWithMessages, CreateConversation, MessageAdded } from "../examples/client/operations.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { EventStream } from "./support/events.ts";
import { errorCodes, startTestServer, type TestServer } from "./support/server.ts";

const MANIFEST = "examples/client/gql/persisted-documents.json";
const manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8")) as Record<string, string>;

let t: TestServer;
let token: string;
const post = (body: unknown) =>
  fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  t = await startTestServer({ env: { PERSISTED_OPERATIONS: MANIFEST, PERSISTED_OPERATIONS_ONLY: "1" } });
  token = await t.tokenFor("user_persisted");
});
afterAll(() => t?.close());

describe("PERSISTED_OPERATIONS_ONLY", () => {
  it("runs the typed client's operations sent by id", async () => {
    const options = { url: t.url, token, persisted: true };
    const { createConversation } = await execute(CreateConversation, { input: { title: "by id" } }, options);
    const appended = await execute(AppendMessages, { conversationId: createConversation.id, messages: [{ role: "USER", content: "hello by id" }] }, options);
    expect(appended.appendMessages.inserted).toBe(1);
    const read = await execute(ConversationWithMessages, { id: createConversation.id }, options);
    expect(read.conversation?.messages.edges.map((edge) => edge.node.content)).toEqual(["hello by id"]);
    expect(CreateConversation.__meta__?.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(manifest[CreateConversation.__meta__!.hash]).toBeDefined();
  });

  it("accepts Apollo's persisted-query extension and GET requests by id", async () => {
    const id = ConversationWithMessages.__meta__!.hash as string;
    const conversation = (await execute(CreateConversation, { input: { title: "other forms" } }, { url: t.url, token, persisted: true })).createConversation;
    const apollo = await post({ variables: { id: conversation.id }, extensions: { persistedQuery: { version: 1, sha256Hash: id.replace(/^sha256:/, "") } } });
    const apolloBody = (await apollo.json()) as any;
    expect(apolloBody.errors).toBeUndefined();
    expect(apolloBody.data.conversation.title).toBe("other forms");
    const url = new URL(t.url);
    url.searchParams.set("documentId", id);
    url.searchParams.set("variables", JSON.stringify({ id: conversation.id }));
    const viaGet = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "application/json" } });
    const getBody = (await viaGet.json()) as any;
    expect(getBody.errors).toBeUndefined();
    expect(getBody.data.conversation.title).toBe("other forms");
  });

  it("refuses any other operation text with FORBIDDEN (HTTP 403), and runs nothing", async () => {
    const before = await t.db.prisma.conversation.count();
    const response = await post({ query: `mutation { createConversation(input: { title: "not allowed" }) { id } }` });
    expect(response.status).toBe(403);
    const body = (await response.json()) as any;
    expect(body.errors.map((e: any) => e.extensions)).toEqual([expect.objectContaining({ code: "FORBIDDEN", reason: "PERSISTED_QUERY_ONLY" })]);
    expect(await t.db.prisma.conversation.count()).toBe(before);
    // Even a document that is in the manifest, when sent as text: the text is not checked, the id is.
    expect((await post({ query: Object.values(manifest)[0] })).status).toBe(403);
  });

  it("answers an unknown id, or none, with BAD_USER_INPUT", async () => {
    const unknown = await post({ documentId: "sha256:" + "0".repeat(64) });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", reason: "PERSISTED_QUERY_NOT_FOUND" } });
    const none = await post({ variables: {} });
    expect(((await none.json()) as any).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "PERSISTED_QUERY_ID_REQUIRED" });
    await expect(execute(CreateConversation, { input: {} }, { url: t.url, token })).rejects.toMatchObject({ codes: ["FORBIDDEN"] } satisfies Partial<ThreadlineError>);
  });

  it("holds for subscriptions too: by id over WebSocket and SSE, never by text", async () => {
    const hash = (MessageAdded.__meta__!.hash as string).replace(/^sha256:/, "");
    const byId = { query: "", variables: {}, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
    const overWs = new EventStream(t.wsClient(token).iterate(byId));
    const sse = createSseClient({ url: t.url, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    const overSse = new EventStream(sse.iterate({ ...byId, query: undefined as unknown as string }));
    const conversation = (await execute(CreateConversation, { input: { title: "live by id" } }, { url: t.url, token, persisted: true })).createConversation;
    // Both are live once a message arrives; keep appending until each has seen one.
    await expect
      .poll(
        async () => {
          await execute(AppendMessages, { conversationId: conversation.id, messages: [{ role: "USER", content: `ping ${Math.random()}` }] }, { url: t.url, token, persisted: true });
          return (await overWs.hasResultWithin(100)) && (await overSse.hasResultWithin(100));
        },
        { timeout: 10_000, interval: 50 },
      )
      .toBe(true);
    expect((await overWs.next()).data?.messageAdded.role).toBe("USER");
    expect((await overSse.next()).data?.messageAdded.role).toBe("USER");
    await overWs.close();
    await overSse.close();
    sse.dispose();

    const byText = new EventStream(t.wsClient(token).iterate({ query: `subscription { messageAdded { id } }` }));
    expect(await byText.rejection()).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "FORBIDDEN" }) })]);
  });
});

describe("PERSISTED_OPERATIONS without _ONLY", () => {
  it("runs operations by id and by text", async () => {
    const open = await startTestServer({ db: t.db, env: { PERSISTED_OPERATIONS: MANIFEST } });
    try {
      const byId = await execute(CreateConversation, { input: { title: "id" } }, { url: open.url, token, persisted: true });
      const byText = await execute(CreateConversation, { input: { title: "text" } }, { url: open.url, token });
      expect([byId.createConversation.title, byText.createConversation.title]).toEqual(["id", "text"]);
      expect(errorCodes(await open.gql(`{ viewer { id } }`, {}, { token }))).toEqual([]);
    } finally {
      await open.close();
    }
  });

  it("refuses to start with a missing or malformed manifest, or ONLY without one", () => {
    expect(() => loadConfig({ PERSISTED_OPERATIONS_ONLY: "1" })).toThrow(ConfigError);
    expect(() => loadConfig({ PERSISTED_OPERATIONS: "no/such/file.json" })).toThrow(/cannot read no\/such\/file.json/);
    const bad = `${fs.mkdtempSync("/tmp/threadline-persisted-")}/bad.json`;
    fs.writeFileSync(bad, JSON.stringify({ "sha256:x": 42 }));
    expect(() => loadConfig({ PERSISTED_OPERATIONS: bad })).toThrow(/"sha256:x" is not a document/);
  });
});
