// One user can never read or change another user's data, by any path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let alice: string;
let bob: string;
let aliceConversation: string;
let aliceMessage: string;
let aliceToolUse: string;
let aliceAction: string;
let alicePreview: string;

beforeAll(async () => {
  t = await startTestServer();
  alice = await t.tokenFor("user_alice");
  bob = await t.tokenFor("user_bob");
  const created = ok(await t.gql(`mutation { createConversation(input: { title: "Alice's secret", projectPath: "/alice" }) { id } }`, {}, { token: alice }));
  aliceConversation = created.createConversation.id;
  const appended = ok(
    await t.gql(
      `mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "alice private words", toolUses: [{ toolName: "Bash", status: SUCCESS, durationMs: 5 }] }]) { messages { id toolUses { id } } } }`,
      { id: aliceConversation },
      { token: alice },
    ),
  );
  aliceMessage = appended.appendMessages.messages[0].id;
  aliceToolUse = appended.appendMessages.messages[0].toolUses[0].id;
  aliceAction = ok(await t.gql(`mutation($id: ID!) { createAction(conversationId: $id, type: "deploy", payload: {}) { id } }`, { id: aliceConversation }, { token: alice })).createAction.id;
  alicePreview = ok(await t.gql(`mutation($id: ID!) { createPreview(conversationId: $id) { id } }`, { id: aliceConversation }, { token: alice })).createPreview.id;
  // Bob has data of his own, so empty answers are not just an empty database.
  ok(await t.gql(`mutation { createConversation(input: { title: "Bob's", projectPath: "/alice" }) { id } }`, {}, { token: bob }));
});
afterAll(() => t?.close());

describe("reads", () => {
  it("hides another user's conversation behind conversation(id:), node(id:) and nodes(ids:)", async () => {
    const data = ok(
      await t.gql(
        `query($c: ID!, $m: ID!, $u: ID!) { conversation(id: $c) { id } node(id: $c) { id } nodes(ids: [$c, $m, $u]) { id } }`,
        { c: aliceConversation, m: aliceMessage, u: aliceToolUse },
        { token: bob },
      ),
    );
    expect(data).toEqual({ conversation: null, node: null, nodes: [null, null, null] });
    // ...while Alice sees them all.
    const mine = ok(await t.gql(`query($c: ID!, $m: ID!) { node(id: $c) { id } nodes(ids: [$c, $m]) { id } }`, { c: aliceConversation, m: aliceMessage }, { token: alice }));
    expect(mine.nodes).toEqual([{ id: aliceConversation }, { id: aliceMessage }]);
  });

  it("leaves another user's rows out of lists, searches and aggregates", async () => {
    const data = ok(
      await t.gql(
        `{ conversations(filter: { projectPath: "/alice" }) { totalCount edges { node { title } } }
           messages(filter: { contains: "alice" }) { totalCount }
           fullText: messages(filter: { matches: "private" }) { totalCount }
           toolUsageStats { toolName count }
           viewer { externalId conversationCount } }`,
        {},
        { token: bob },
      ),
    );
    expect(data.conversations).toEqual({ totalCount: 1, edges: [{ node: { title: "Bob's" } }] });
    expect(data.messages.totalCount).toBe(0);
    expect(data.fullText.totalCount).toBe(0);
    expect(data.toolUsageStats).toEqual([]);
    expect(data.viewer).toEqual({ externalId: "user_bob", conversationCount: 1 });
  });

  it("does not let a filter on another user's conversation reach its messages or stats", async () => {
    const data = ok(
      await t.gql(
        `query($c: ID!) { messages(filter: { conversationId: $c }) { totalCount } toolUsageStats(filter: { conversationId: $c }) { count } }`,
        { c: aliceConversation },
        { token: bob },
      ),
    );
    expect(data).toEqual({ messages: { totalCount: 0 }, toolUsageStats: [] });
  });
});

describe("writes", () => {
  const attempts: [string, string, () => Record<string, unknown>][] = [
    ["updateConversation", `mutation($id: ID!) { updateConversation(id: $id, input: { title: "pwned" }) { id } }`, () => ({ id: aliceConversation })],
    ["endConversation", `mutation($id: ID!) { endConversation(id: $id) { id } }`, () => ({ id: aliceConversation })],
    ["deleteConversation", `mutation($id: ID!) { deleteConversation(id: $id) { deletedId } }`, () => ({ id: aliceConversation })],
    ["appendMessages", `mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "injected" }]) { inserted } }`, () => ({ id: aliceConversation })],
    ["recordToolUse", `mutation($id: ID!) { recordToolUse(messageId: $id, input: { toolName: "Evil" }) { id } }`, () => ({ id: aliceMessage })],
    ["updateToolUse", `mutation($id: ID!) { updateToolUse(id: $id, input: { status: ERROR }) { id } }`, () => ({ id: aliceToolUse })],
    ["createAction", `mutation($id: ID!) { createAction(conversationId: $id, type: "deploy", payload: {}) { id } }`, () => ({ id: aliceConversation })],
    ["updateActionStatus", `mutation($id: ID!) { updateActionStatus(id: $id, status: FAILED) { id } }`, () => ({ id: aliceAction })],
    ["createPreview", `mutation($id: ID!) { createPreview(conversationId: $id) { id } }`, () => ({ id: aliceConversation })],
    ["updatePreviewStatus", `mutation($id: ID!) { updatePreviewStatus(id: $id, status: ERROR) { id } }`, () => ({ id: alicePreview })],
  ];

  it.each(attempts)("answers %s on another user's object with NOT_FOUND and changes nothing", async (_name, mutation, variables) => {
    const before = await snapshot();
    const response = await t.gql(mutation, variables(), { token: bob });
    expect(errorCodes(response)).toEqual(["NOT_FOUND"]);
    expect(await snapshot()).toEqual(before);
  });
});

async function snapshot() {
  const { prisma } = t.db;
  const conversation = await prisma.conversation.findMany({ orderBy: { id: "asc" }, include: { messages: { include: { toolUses: true } }, actions: true, previews: true } });
  return JSON.stringify(conversation);
}

describe("authentication", () => {
  it("rejects a request without a token with UNAUTHENTICATED and HTTP 401", async () => {
    const response = await t.gql(`{ viewer { id } }`, {}, { token: null });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
  });

  it("rejects a token signed with another secret, or for another audience", async () => {
    const { SignJWT } = await import("jose");
    const forged = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("user_alice").setIssuer("threadline-tests").setAudience("threadline").setExpirationTime("1h").sign(new TextEncoder().encode("x".repeat(40)));
    expect(errorCodes(await t.gql(`{ viewer { id } }`, {}, { token: forged }))).toEqual(["UNAUTHENTICATED"]);
    const { JWT_SECRET } = await import("./support/server.ts");
    const wrongAudience = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("user_alice").setIssuer("threadline-tests").setAudience("someone-else").setExpirationTime("1h").sign(new TextEncoder().encode(JWT_SECRET));
    expect(errorCodes(await t.gql(`{ viewer { id } }`, {}, { token: wrongAudience }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("rejects an expired token", async () => {
    const { SignJWT } = await import("jose");
    const { JWT_SECRET } = await import("./support/server.ts");
    const expired = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("user_alice").setIssuer("threadline-tests").setAudience("threadline").setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(JWT_SECRET));
    const response = await t.gql(`{ viewer { id } }`, {}, { token: expired });
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(response.errors![0].message).toMatch(/expired/);
  });
});

describe("API keys", () => {
  it("shows a new key once, lets it act as its owner, and stops it when revoked", async () => {
    const created = ok(await t.gql(`mutation { createApiKey(name: "ingest worker") { key apiKey { id name prefix revokedAt } } }`, {}, { token: alice })).createApiKey;
    expect(created.key).toMatch(/^tl_[A-Za-z0-9_-]{43}$/);
    expect(created.apiKey).toMatchObject({ name: "ingest worker", prefix: created.key.slice(0, 9), revokedAt: null });
    expect(JSON.stringify(await t.db.prisma.apiKey.findMany())).not.toContain(created.key);

    const asKey = ok(await t.gql(`{ viewer { externalId apiKeys { name lastUsedAt } } }`, {}, { token: created.key })).viewer;
    expect(asKey.externalId).toBe("user_alice");
    expect(asKey.apiKeys[0].lastUsedAt).not.toBeNull();

    expect(errorCodes(await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.apiKey.id }, { token: bob }))).toEqual(["NOT_FOUND"]);
    const revoked = ok(await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: created.apiKey.id }, { token: alice })).revokeApiKey;
    expect(revoked.revokedAt).not.toBeNull();
    const refused = await t.gql(`{ viewer { id } }`, {}, { token: created.key });
    expect(refused.status).toBe(401);
    expect(errorCodes(refused)).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.gql(`{ viewer { id } }`, {}, { token: "tl_not-a-real-key" }))).toEqual(["UNAUTHENTICATED"]);
  });
});
