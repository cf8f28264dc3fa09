// Pre-execution work stays linear and bounded: no document, however its fragments nest or its
// fields repeat, and no WebSocket message, however large, stops the server serving others; and the
// limits hold on the operation as it will run (variables after their defaults).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";
import { whileServing } from "./support/attack.ts";

let t: TestServer;
let token: string;

beforeAll(async () => {
  t = await startTestServer({ env: { MAX_REQUEST_BYTES: "200000" } });
  token = await t.tokenFor("user_attacker");
  ok(await t.gql(`mutation { createConversation(input: { title: "mine" }) { id } }`, {}, { token }));
});
afterAll(() => t?.close());

/** Fragments F0…Fn where each spreads the next twice: 2^n paths from a few hundred bytes. */
function exponentialFragments(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  return `query Boom { ...F0 } ${fragments.join(" ")} fragment F${levels} on Query { viewer { id } }`;
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify(body),
  });

describe("documents that grow when expanded", () => {
  it("refuses fragments that spread each other exponentially without a token: 401 before parsing", async () => {
    const { result, slowestHealthMs } = await whileServing(t.url, async () => {
      const response = await post({ query: exponentialFragments(40) });
      return { status: response.status, body: await response.json() };
    });
    expect(result.status).toBe(401);
    expect(result.body.errors.map((e: any) => e.extensions.code)).toEqual(["UNAUTHENTICATED"]);
    expect(slowestHealthMs).toBeLessThan(1000);
  });

  it("refuses them with a token as QUERY_TOO_COMPLEX, in time linear in the document", async () => {
    const { result, slowestHealthMs } = await whileServing(t.url, () => t.gql(exponentialFragments(40), {}, { token }));
    expect(errorCodes(result)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(result.errors![0].message).toMatch(/fragments/);
    expect(slowestHealthMs).toBeLessThan(1000);
  });

  it("bounds the fields graphql-js compares in pairs: repeated fields, repeated fragments", async () => {
    const repeated = `{ ${Array.from({ length: 1200 }, (_, i) => `viewer { id name(x: ${i}) }`).join(" ")} }`;
    const manyFragments = `{ ${Array.from({ length: 600 }, (_, i) => `...F${i}`).join(" ")} } ${Array.from({ length: 600 }, (_, i) => `fragment F${i} on Query { viewer { id } }`).join(" ")}`;
    const nested = `{ ${Array.from({ length: 15 }, () => `conversations { edges { ${Array.from({ length: 15 }, () => "node { id }").join(" ")} } }`).join(" ")} }`;
    for (const query of [repeated, manyFragments, nested]) {
      const { result, slowestHealthMs } = await whileServing(t.url, () => t.gql(query, {}, { token }));
      expect(errorCodes(result)).toEqual(["QUERY_TOO_COMPLEX"]);
      expect(slowestHealthMs).toBeLessThan(1000);
    }
  });

  it("refuses a document over MAX_QUERY_TOKENS while parsing it", async () => {
    const long = `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: __typename`).join(" ")} }`;
    const { result, slowestHealthMs } = await whileServing(t.url, () => t.gql(long, {}, { token }));
    expect(errorCodes(result)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(result.errors![0].message).toMatch(/too long.*Token limit of 5000/);
    expect(slowestHealthMs).toBeLessThan(1000);
  });

  it("counts aliases, depth and directives of a fragment once per spread, not per path", async () => {
    const aliased = `query { ...A ...A } fragment A on Query { ${Array.from({ length: 31 }, (_, i) => `a${i}: viewer { id }`).join(" ")} }`;
    expect(errorCodes(await t.gql(aliased, {}, { token }))).toEqual(["QUERY_TOO_COMPLEX"]);
    const directives = `{ viewer { ${Array.from({ length: 51 }, () => "id @include(if: true)").join(" ")} } }`;
    expect(errorCodes(await t.gql(directives, {}, { token }))).toEqual(["QUERY_TOO_COMPLEX"]);
    // An ordinary operation with shared fragments runs.
    const fine = `fragment C on Conversation { id title } { conversations(first: 5) { edges { node { ...C } } } viewer { id } }`;
    expect(ok(await t.gql(fine, {}, { token })).conversations.edges).toHaveLength(1);
  });
});

describe("limits on the operation as it will run", () => {
  it("applies a variable's declared default to the page-size check", async () => {
    const response = await t.gql(`query($f: Int = 1000) { conversations(first: $f) { totalCount } }`, {}, { token });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.status).toBe(400);
    expect(response.data ?? null).toBeNull();
    // `first: 1000` as a literal: an error with a 4xx status, not 200 with no data.
    const literal = await t.gql(`{ conversations(first: 1000) { totalCount } }`, {}, { token });
    expect(errorCodes(literal)).toEqual(["BAD_USER_INPUT"]);
    expect(literal.status).toBe(400);
  });

  it("applies a variable's declared default to the cost", async () => {
    const multiplying = `query($f: Int = 100) { conversations(first: $f) { edges { node { messages(first: $f) { edges { node { conversation { messages(first: $f) { edges { node { id } } } } } } } } } } }`;
    const refused = await t.gql(multiplying, {}, { token });
    expect(errorCodes(refused)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(refused.errors![0].extensions).toMatchObject({ cost: 1_020_100 });
    expect(ok(await t.gql(multiplying, { f: 5 }, { token })).conversations.edges).toHaveLength(1);
  });
});

describe("WebSocket messages", () => {
  it("closes a socket whose message is larger than MAX_REQUEST_BYTES, without parsing it", async () => {
    const socket = new WebSocket(t.url.replace(/^http/, "ws"), "graphql-transport-ws");
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    const { result: code, slowestHealthMs } = await whileServing(t.url, async () => {
      socket.send(JSON.stringify({ type: "connection_init", payload: { junk: "x".repeat(300_000) } }));
      return closed;
    });
    expect(code).toBe(1009); // message too big
    expect(slowestHealthMs).toBeLessThan(1000);
  });
});
