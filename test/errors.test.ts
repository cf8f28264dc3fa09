// Bad input gets a clear GraphQL error with a stable code, and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;
let conversationId: string;

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_errors");
  conversationId = ok(await t.gql(`mutation { createConversation(input: { title: "target" }) { id } }`, {}, { token })).createConversation.id;
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });
const rowCounts = async () => {
  const { prisma } = t.db;
  return [await prisma.conversation.count(), await prisma.message.count(), await prisma.toolUse.count(), await prisma.action.count()];
};

describe("ids", () => {
  it.each([
    ["a malformed id", "not-a-global-id"],
    ["an id of another type", Buffer.from("Message:abc").toString("base64")],
    ["an empty id", ""],
  ])("rejects %s with BAD_USER_INPUT", async (_name, id) => {
    const response = await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "x" }]) { inserted } }`, { id });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0].message).toMatch(/conversationId/);
  });

  it("answers an unknown conversation with NOT_FOUND on writes and null on reads", async () => {
    const unknown = Buffer.from("Conversation:doesnotexist").toString("base64");
    expect(errorCodes(await gql(`mutation($id: ID!) { endConversation(id: $id) { id } }`, { id: unknown }))).toEqual(["NOT_FOUND"]);
    expect(ok(await gql(`query($id: ID!) { conversation(id: $id) { id } node(id: $id) { id } }`, { id: unknown }))).toEqual({ conversation: null, node: null });
  });
});

describe("values", () => {
  it("rejects an unknown enum value, in the query or in variables", async () => {
    expect(errorCodes(await gql(`{ conversations(filter: { status: [BOGUS] }) { totalCount } }`))).toEqual(["BAD_USER_INPUT"]);
    const viaVariables = await gql(`query($f: ConversationFilter) { conversations(filter: $f) { totalCount } }`, { f: { status: ["BOGUS"] } });
    expect(errorCodes(viaVariables)).toEqual(["BAD_USER_INPUT"]);
  });

  it("rejects NaN, out-of-range numbers and empty content, writing nothing", async () => {
    const before = await rowCounts();
    const cases = [
      [`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "x", confidence: $c }]) { inserted } }`.replace("$c", "1.5"), "confidence"],
      [`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "   " }]) { inserted } }`, "content"],
      [`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "x", toolUses: [{ toolName: "Bash", durationMs: -1 }] }]) { inserted } }`, "durationMs"],
    ] as const;
    for (const [mutation, field] of cases) {
      const response = await gql(mutation, { id: conversationId });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      expect(response.errors![0].message).toContain(field);
    }
    const nan = await gql(`mutation($id: ID!, $c: Float) { updateConversation(id: $id, input: { confidenceScore: $c }) { id } }`, { id: conversationId, c: "NaN" });
    expect(errorCodes(nan)).toEqual(["BAD_USER_INPUT"]);
    expect(await rowCounts()).toEqual(before);
  });

  it("rejects a date that is not a date", async () => {
    const response = await gql(`{ conversations(filter: { startedAt: { from: "last tuesday" } }) { totalCount } }`);
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0].message).toMatch(/DateTime/);
  });

  it("rejects a time range whose start is after its end", async () => {
    const response = await gql(`{ conversations(filter: { startedAt: { from: "2025-02-01T00:00:00Z", to: "2025-01-01T00:00:00Z" } }) { totalCount } }`);
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("pages and cursors", () => {
  it("rejects an oversized page instead of silently cutting it, for root and nested connections", async () => {
    for (const query of [`{ conversations(first: 101) { totalCount } }`, `{ conversations(first: 1) { edges { node { messages(last: 1000) { totalCount } } } } }`]) {
      const response = await gql(query);
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      expect(response.errors![0].message).toMatch(/between 0 and 100/);
    }
    const viaVariable = await gql(`query($n: Int) { conversations(first: $n) { totalCount } }`, { n: 5000 });
    expect(errorCodes(viaVariable)).toEqual(["BAD_USER_INPUT"]);
    expect(ok(await gql(`{ conversations(first: 100) { totalCount } }`)).conversations.totalCount).toBe(1);
  });

  it("rejects more than 100 ids in nodes(ids:)", async () => {
    const ids = Array.from({ length: 101 }, () => conversationId);
    const response = await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0].message).toMatch(/at most 100 ids, got 101/);
    expect(ok(await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: ids.slice(1) })).nodes).toHaveLength(100);
  });

  it("rejects an ordering entry that names two fields", async () => {
    const response = await gql(`{ conversations(orderBy: [{ title: Asc, startedAt: Desc }]) { edges { cursor } } }`);
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0].message).toMatch(/exactly one field/);
  });

  it("rejects an invalid cursor", async () => {
    const response = await gql(`{ conversations(first: 5, after: "definitely-not-a-cursor") { totalCount } }`);
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("documents", () => {
  it("rejects a query nested too deeply with QUERY_TOO_COMPLEX before running it", async () => {
    const deep = `{ conversations { edges { node { messages { edges { node { conversation { messages { edges { node { conversation { messages { edges { node { id } } } } } } } } } } } } } } }`;
    const cost = await t.countStatements(async () => {
      const response = await gql(deep);
      expect(errorCodes(response)).toEqual(["QUERY_TOO_COMPLEX"]);
      expect(response.errors![0].message).toMatch(/too deep/);
    });
    // Only authentication ran (it comes first): no statement read the data.
    expect(cost.statements.filter((sql) => !/"users"|"api_keys"/.test(sql))).toEqual([]);
  });

  it("rejects a query whose nested pages multiply past MAX_QUERY_COST, before reading any row", async () => {
    const multiplying = `query($n: Int) { conversations(first: $n) { edges { node { messages(first: $n) { edges { node { conversation { messages(first: $n) { edges { node { id } } } } } } } } } } }`;
    const refused = await t.countStatements(async () => {
      const response = await gql(multiplying, { n: 100 });
      expect(errorCodes(response)).toEqual(["QUERY_TOO_COMPLEX"]);
      expect(response.errors![0].message).toMatch(/could return about 1,020,100 objects; at most 500,000/);
      expect(response.errors![0].extensions).toMatchObject({ cost: 1_020_100, maxCost: 500_000 });
      expect(response.data ?? null).toBeNull();
    });
    expect(refused.statements.filter((sql) => /"(conversations|messages)"/.test(sql))).toEqual([]);
    // The same document with smaller pages runs.
    expect(ok(await gql(multiplying, { n: 10 })).conversations.edges).toHaveLength(1);
  });

  it("estimates the objects an operation can return from its page sizes, limits, ids and lists", async () => {
    const { parse } = await import("graphql");
    const { schema } = await import("../src/schema/index.ts");
    const { estimateCost, UNDECLARED_LIST_CAP: LIST } = await import("../src/server/cost.ts");
    const cost = (query: string, variables = {}) => estimateCost(schema, parse(query), undefined, variables);
    // 10 conversations, 500 messages, and for each message as many tool uses as the list can hold.
    expect(cost(`{ conversations(first: 10) { edges { node { messages(first: 50) { edges { node { toolUses { id } } } } } } } }`)).toBe(10 + 500 + 500 * LIST);
    expect(cost(`{ conversations { totalCount } }`)).toBe(20); // the default page
    expect(cost(`query($l: Int) { search(query: "x", limit: $l) { node { id } } }`, { l: 7 })).toBe(7 + 7);
    expect(cost(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: ["a", "b", "c"] })).toBe(3);
    expect(cost(`{ viewer { id } }`)).toBe(1);
    expect(cost(`fragment M on Message { toolUses { id } } { messages(first: 4) { edges { node { ...M } } } }`)).toBe(4 + 4 * LIST);
  });

  it("rejects too many aliases with QUERY_TOO_COMPLEX", async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: viewer { id }`).join(" ");
    expect(errorCodes(await gql(`{ ${aliases} }`))).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("rejects a syntax error and an unknown field with BAD_USER_INPUT", async () => {
    expect(errorCodes(await gql(`{ viewer { id `))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(`{ viewer { password } }`))).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers a malformed JSON body with a BAD_USER_INPUT error, not a crash", async () => {
    const response = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json", authorization: `Bearer ${token}` },
      body: '{"query": "{ viewer { id } }"',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses a body over MAX_REQUEST_BYTES with HTTP 413 and BAD_USER_INPUT, sized or streamed, writing nothing", async () => {
    const small = await startTestServer({ db: t.db, env: { MAX_REQUEST_BYTES: "100000" } });
    try {
      const before = await rowCounts();
      const body = (content: string) =>
        JSON.stringify({
          query: `mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`,
          variables: { id: conversationId, m: [{ role: "USER", content }] },
        });
      const headers = { "content-type": "application/json", accept: "application/graphql-response+json", authorization: `Bearer ${token}` };
      const sized = await fetch(small.url, { method: "POST", headers, body: body("x".repeat(150_000)) });
      const streamedBody = new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(body("y".repeat(150_000)));
          for (let at = 0; at < bytes.length; at += 16_384) controller.enqueue(bytes.slice(at, at + 16_384));
          controller.close();
        },
      });
      const streamed = await fetch(small.url, { method: "POST", headers, body: streamedBody, duplex: "half" } as RequestInit);
      for (const response of [sized, streamed]) {
        expect(response.status).toBe(413);
        const { errors } = (await response.json()) as { errors: { extensions: { code: string; reason: string } }[] };
        expect(errors.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: "BAD_USER_INPUT", reason: "REQUEST_ENTITY_TOO_LARGE" })]);
      }
      expect(await rowCounts()).toEqual(before);
      const fits = await fetch(small.url, { method: "POST", headers, body: body("z".repeat(50_000)) });
      expect(fits.status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it("never answers with a stack trace", async () => {
    const response = await gql(`{ conversations(first: -1) { totalCount } }`);
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(JSON.stringify(response)).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe("a busy database", () => {
  it("answers a transaction that could not start in time with SERVICE_UNAVAILABLE, not an internal error", async () => {
    const { classifyError } = await import("../src/errors.ts");
    const { Prisma } = await import("../src/generated/prisma/client.ts");
    const waited = new Prisma.PrismaClientKnownRequestError("Transaction API error: Unable to start a transaction in the given time.", { code: "P2028", clientVersion: Prisma.prismaVersion.client });
    const error = classifyError(waited, { exposeInternals: false });
    expect([error.extensions.code, error.message]).toEqual(["SERVICE_UNAVAILABLE", "The database is too busy to start this change now: nothing was written; try again"]);
  });
});
