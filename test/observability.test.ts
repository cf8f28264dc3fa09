// What an operator sees: one access-log line per request (operation, status, duration, error codes;
// probes only at debug), and Prometheus metrics at METRICS_PATH when it is set.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient as createSseClient } from "graphql-sse";
import type { Logger } from "../src/logger.ts";
import { describeOperation } from "../src/server/access-log.ts";
import { EventStream } from "./support/events.ts";
import { ok, startTestServer, type TestServer } from "./support/server.ts";

const lines: { level: string; message: string }[] = [];
const capture: Logger = {
  debug: (message) => lines.push({ level: "debug", message }),
  info: (message) => lines.push({ level: "info", message }),
  warn: (message) => lines.push({ level: "warn", message }),
  error: (message) => lines.push({ level: "error", message }),
};

let t: TestServer;
let token: string;
const base = () => t.url.replace(/\/graphql$/, "");

beforeAll(async () => {
  t = await startTestServer({ logger: capture, env: { METRICS_PATH: "/metrics" } });
  token = await t.tokenFor("user_operator");
});
afterAll(() => t?.close());

/** The log lines written while fn ran. */
async function logged(fn: () => Promise<unknown>) {
  const from = lines.length;
  await fn();
  await new Promise((resolve) => setTimeout(resolve, 50)); // onResponse runs as the body is sent
  return lines.slice(from).filter((line) => line.level !== "debug" || /^(GET|POST) /.test(line.message)); // not Yoga's own debug chatter
}

describe("access log", () => {
  it("names each operation as a client wrote it", () => {
    expect(describeOperation("query Convs { conversations { totalCount } }", undefined)).toBe("query Convs");
    expect(describeOperation("{ viewer { id } }", undefined)).toBe("query { viewer }");
    expect(describeOperation("mutation { renamed: createConversation(input: {}) { id } }", undefined)).toBe("mutation { createConversation }");
    expect(describeOperation("query A { a } query B { b }", "B")).toBe("query B");
    expect(describeOperation("# a comment\nsubscription { messageAdded { id } }", null)).toBe("subscription { messageAdded }");
  });

  it("writes one line per request with status, duration, operation and the codes the client got", async () => {
    const named = await logged(() => t.gql(`query Convs { conversations { totalCount } }`, {}, { token }));
    expect(named).toEqual([{ level: "info", message: expect.stringMatching(/^POST \/graphql 200 \d+\.\d ms query Convs user=user_operator$/) }]);

    const refused = await logged(() => t.gql(`{ conversations(first: 500) { totalCount } }`, {}, { token }));
    expect(refused).toEqual([{ level: "info", message: expect.stringMatching(/^POST \/graphql 400 [\d.]+ ms query \{ conversations \} errors: BAD_USER_INPUT$/) }]);

    // Authentication comes before parsing, so a request without a credential is refused unread.
    const anonymous = await logged(() => t.gql(`{ viewer { id } }`, {}, { token: null }));
    expect(anonymous[0].message).toMatch(/^POST \/graphql 401 [\d.]+ ms \(no operation read\) errors: UNAUTHENTICATED$/);

    const malformed = await logged(() => fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }));
    expect(malformed[0].message).toMatch(/^POST \/graphql 400 [\d.]+ ms \(no operation read\) errors: BAD_USER_INPUT$/);
  });

  it("logs subscriptions over SSE and WebSocket, and refusals", async () => {
    const overSse = await logged(async () => {
      const client = createSseClient({ url: t.url, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
      const stream = new EventStream(client.iterate({ query: `subscription Live { messageAdded { id } }` }));
      await expect.poll(() => lines.some((line) => line.message.includes("subscription Live"))).toBe(true);
      await stream.close();
      client.dispose();
    });
    expect(overSse.map((line) => line.message)).toContainEqual(expect.stringMatching(/^POST \/graphql 200 [\d.]+ ms subscription Live user=user_operator \(event stream opened\)$/));

    const overWs = await logged(async () => {
      const live = new EventStream(t.wsClient(token).iterate({ query: `subscription { actionUpdated { id } }` }));
      await expect.poll(() => lines.some((line) => line.message === "WS subscription { actionUpdated }")).toBe(true);
      await live.close();
      const refused = new EventStream(t.wsClient("not-a-token").iterate({ query: `subscription Denied { messageAdded { id } }` }));
      await refused.rejection();
    });
    expect(overWs.map((line) => line.message)).toEqual(
      expect.arrayContaining(["WS subscription { actionUpdated }", "WS subscription Denied refused: UNAUTHENTICATED"]),
    );
  });

  it("keeps health and readiness probes and metric scrapes at debug level", async () => {
    const probes = await logged(async () => {
      await fetch(`${base()}/health`);
      await fetch(`${base()}/ready`);
      await fetch(`${base()}/metrics`);
    });
    expect(probes.every((line) => line.level === "debug")).toBe(true);
  });
});

describe("Prometheus metrics (METRICS_PATH)", () => {
  it("counts operations and errors by name and type, with HTTP durations and process metrics", async () => {
    for (let i = 0; i < 3; i++) ok(await t.gql(`query Counted { viewer { id } }`, {}, { token }));
    const missing = Buffer.from("Conversation:missing").toString("base64");
    expect((await t.gql(`mutation Broken($id: ID!) { endConversation(id: $id) { id } }`, { id: missing }, { token })).errors).toHaveLength(1);

    const response = await fetch(`${base()}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1]);
    expect(value(/^graphql_envelop_request\{[^}]*operationName="Counted"[^}]*\} (\d+)$/m)).toBe(3);
    expect(value(/^graphql_yoga_http_duration_count\{[^}]*operationName="Counted"[^}]*\} (\d+)$/m)).toBe(3);
    expect(text).toMatch(/^graphql_envelop_error_result\{[^}]*operationName="Broken"[^}]*phase="execute"[^}]*\} 1$/m);
    expect(text).toMatch(/^threadline_process_resident_memory_bytes \d+/m);
    expect(text).not.toMatch(/url="/); // a GET query's URL would be a new series per request
  });

  it("is not served unless METRICS_PATH is set", async () => {
    const plain = await startTestServer({ db: t.db });
    try {
      expect((await fetch(plain.url.replace(/\/graphql$/, "/metrics"))).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
