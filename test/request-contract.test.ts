// Every answer carries a documented code and the right HTTP status, every accepted value can be
// read back, and the production controls hold: CORS allow-list, rate limits per user and per key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer({ env: { CORS_ORIGINS: "https://app.example.com" } });
  token = await t.tokenFor("user_contract");
});
afterAll(() => t?.close());

const raw = async (init: RequestInit & { url?: string } = {}) => {
  const response = await fetch(init.url ?? t.url, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
};
const codes = (body: any) => (body?.errors ?? []).map((e: any) => e.extensions?.code);

describe("request errors", () => {
  it("answers malformed requests with BAD_USER_INPUT and a 4xx status", async () => {
    const json = { "content-type": "application/json", accept: "application/graphql-response+json" };
    const nonString = await raw({ method: "POST", headers: json, body: JSON.stringify({ query: 123 }) });
    expect([nonString.status, codes(nonString.body)]).toEqual([400, ["BAD_USER_INPUT"]]);
    const badGet = await raw({ url: `${t.url}?query=${encodeURIComponent("{ viewer { id } }")}&variables=%7Bnot-json`, headers: { accept: "application/graphql-response+json" } });
    expect([badGet.status, codes(badGet.body)]).toEqual([400, ["BAD_USER_INPUT"]]);
    const unknownOperation = await raw({ method: "POST", headers: json, body: JSON.stringify({ query: "query A { viewer { id } }", operationName: "B" }) });
    expect([unknownOperation.status, codes(unknownOperation.body)]).toEqual([400, ["BAD_USER_INPUT"]]);
    const deep = `${'{"and":'.repeat(2_000)}{}${"}".repeat(2_000)}`;
    const deepVariables = await raw({ method: "POST", headers: json, body: `{"query":"query($f: JSON) { viewer { id } }","variables":{"f":${deep}}}` });
    expect([deepVariables.status, codes(deepVariables.body)]).toEqual([400, ["BAD_USER_INPUT"]]);
  });

  it("gives 415 and 431 answers a body with a code", async () => {
    const unsupported = await raw({ method: "POST", headers: { "content-type": "text/plain" }, body: "{ viewer { id } }" });
    expect([unsupported.status, codes(unsupported.body)]).toEqual([415, ["BAD_USER_INPUT"]]);
    const huge = await raw({ method: "POST", headers: { "content-type": "application/json", "x-padding": "a".repeat(40_000) }, body: "{}" });
    expect([huge.status, codes(huge.body)]).toEqual([431, ["BAD_USER_INPUT"]]);
  });

  it("answers ids naming Object.prototype members like any unknown id", async () => {
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const id = Buffer.from(`${name}:x`).toString("base64");
      const response = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, { token });
      expect(errorCodes(response)).not.toContain("INTERNAL_SERVER_ERROR");
      expect(response.data?.node ?? null).toBeNull();
      const write = await t.gql(`mutation($id: ID!) { deleteMemory(id: $id) { deletedId } }`, { id }, { token });
      expect(errorCodes(write)).toEqual(["BAD_USER_INPUT"]);
    }
  });
});

describe("values that could not be read back", () => {
  it("refuses dates outside the years 1-9999, non-finite JSON numbers, and text past PostgreSQL's limits", async () => {
    const create = (input: string, variables = {}) => t.gql(`mutation($p: String) { createConversation(input: ${input}) { id } }`, variables, { token });
    expect(errorCodes(await create(`{ title: "x", startedAt: "+010000-01-01T00:00:00Z", projectPath: $p }`))).toEqual(["BAD_USER_INPUT"]);
    const body = `{"query":"mutation($m: JSON) { createConversation(input: { title: \\"x\\", config: $m }) { id } }","variables":{"m":{"a":[1e999]}}}`;
    const infinite = await raw({ method: "POST", headers: { "content-type": "application/json" }, body });
    expect(codes(infinite.body)).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await create(`{ title: "x", projectPath: $p }`, { p: "/ü".repeat(1_000) }))).toEqual(["BAD_USER_INPUT"]);
    expect(ok(await t.gql(`{ conversations { totalCount edges { node { startedAt } } } }`, {}, { token })).conversations.totalCount).toBe(0);
  });

  it("records at most 100 links of a message full of URLs", async () => {
    const id = ok(await t.gql(`mutation { createConversation(input: { title: "links" }) { id } }`, {}, { token })).createConversation.id;
    const content = Array.from({ length: 5_000 }, (_, i) => `https://example.com/${i}`).join(" ") + ` https://example.com/${"x".repeat(3_000)}`;
    const appended = ok(await t.gql(`mutation($id: ID!, $c: String!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: $c }]) { messages { links { url } } } }`, { id, c: content }, { token }));
    expect(appended.appendMessages.messages[0].links).toHaveLength(100);
  });
});

describe("production controls", () => {
  it("allows credentials only from CORS_ORIGINS", async () => {
    const allowed = await raw({ method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "POST" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    const other = await raw({ method: "POST", headers: { origin: "https://evil.example", "content-type": "application/json" }, body: JSON.stringify({ query: "{ viewer { id } }" }) });
    expect(other.headers.get("access-control-allow-origin")).not.toBe("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).not.toBe("*");
  });

  it("sends no CORS headers in production without CORS_ORIGINS", async () => {
    const { loadConfig } = await import("../src/config.ts");
    const config = loadConfig({ NODE_ENV: "production", AUTH_JWT_SECRET: "x".repeat(32) });
    expect(config.corsOrigins).toBeUndefined();
    const prod = await startTestServer({ env: { NODE_ENV: "production" } });
    try {
      const response = await fetch(prod.url, { method: "POST", headers: { origin: "https://evil.example", "content-type": "application/json" }, body: "{}" });
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    } finally {
      await prod.close();
    }
  });

  it("limits requests per user and per API key with RATE_LIMITED, HTTP 429 and Retry-After; others go on", async () => {
    const limited = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: "1", RATE_LIMIT_BURST: "5" } });
    try {
      const busy = await limited.tokenFor("user_busy");
      const calm = await limited.tokenFor("user_calm");
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await limited.gql(`{ viewer { id } }`, {}, { token: busy }));
      expect(answers.slice(0, 5).every((a) => !a.errors)).toBe(true);
      const refused = answers[6];
      expect([refused.status, errorCodes(refused)]).toEqual([429, ["RATE_LIMITED"]]);
      const response = await fetch(limited.url, { method: "POST", headers: { authorization: `Bearer ${busy}`, "content-type": "application/json" }, body: JSON.stringify({ query: "{ viewer { id } }" }) });
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      ok(await limited.gql(`{ viewer { id } }`, {}, { token: calm }));
    } finally {
      await limited.close();
    }
  });
});
