// Schema-driven fuzzing of a real server (issue 8): thousands of generated operations — valid,
// edge-valued and malformed — over HTTP, SSE and WebSocket, from an attacker's account, while a
// second client watches /health and a second user's data. Fails on any 5xx, any
// INTERNAL_SERVER_ERROR, a /health answer slower than 1 s, or a change to the other user's data.
// Bounded: FUZZ_OPERATIONS operations (default 3,000) and FUZZ_SECONDS (default 150) at most.
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from "graphql";
import WebSocket from "ws";
import { createClient } from "graphql-ws";
import { schema } from "../../src/schema/index.ts";
import { startTestServer, ok } from "../../test/support/server.ts";

const OPERATIONS = Number(process.env.FUZZ_OPERATIONS ?? 3_000);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 150);
let seed = Number(process.env.FUZZ_SEED ?? 8);
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const EDGE_STRINGS = ["", " ", "x".repeat(3_000), "é\u0000\uD800", "'; DROP TABLE users; --", "https://a.example/" + "p".repeat(2_500), "+010000-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "constructor", "__proto__"];
const EDGE_INTS = [0, -1, 1, 100, 101, 1_000, 2_147_483_647, -2_147_483_648];
const EDGE_FLOATS = [0, -0.5, 1.5, 1e308, -1e308, 3.4e38, Number.MIN_VALUE];
let knownIds: string[] = [];

function inputValue(type: GraphQLInputType, depth: number): unknown {
  if (isNonNullType(type)) return inputValue(type.ofType, depth);
  if (random() < 0.08) return null;
  if (isListType(type)) return Array.from({ length: pick([0, 1, 2, 3, 150]) }, () => inputValue(type.ofType, depth + 1));
  if (isEnumType(type)) return random() < 0.9 ? pick(type.getValues()).value : "NOT_A_VALUE";
  if (isInputObjectType(type)) {
    if (depth > 4) return {};
    return Object.fromEntries(Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || random() < 0.5).map((f) => [f.name, inputValue(f.type, depth + 1)]));
  }
  switch ((type as GraphQLNamedType).name) {
    case "Int":
      return pick(EDGE_INTS);
    case "Float":
      return pick(EDGE_FLOATS);
    case "Boolean":
      return random() < 0.5;
    case "ID":
      return random() < 0.7 && knownIds.length ? pick(knownIds) : pick([Buffer.from("Memory:nope").toString("base64"), Buffer.from("constructor:x").toString("base64"), "not-an-id", ""]);
    case "DateTime":
      return pick(["2026-01-01T00:00:00Z", "+010000-01-01T00:00:00Z", "yesterday", "1970-01-01T00:00:00.000Z"]);
    case "JSON":
      return pick([{ a: 1 }, [1, 2], "text", 1.5, { deep: { deeper: { deepest: [null] } } }]);
    default:
      return pick(EDGE_STRINGS);
  }
}

/** A selection of `type`, `depth` levels at most; variables are collected into `variables`. */
function selection(type: GraphQLNamedType, depth: number, variables: Map<string, { type: GraphQLInputType; value: unknown }>): string {
  if (isScalarType(type) || isEnumType(type)) return "";
  if (isUnionType(type)) return `{ __typename ${type.getTypes().slice(0, 2).map((member) => `... on ${member.name} ${selection(member, depth, variables) || "{ __typename }"}`).join(" ")} }`;
  if (!isObjectType(type) && !isInterfaceType(type)) return "";
  const fields = Object.values((type as GraphQLObjectType).getFields());
  const chosen = fields.filter(() => random() < 0.35).slice(0, 6);
  const parts = chosen.map((field) => fieldText(field, depth, variables)).filter(Boolean);
  return `{ __typename ${parts.join(" ")} }`;
}

function fieldText(field: GraphQLField<unknown, unknown>, depth: number, variables: Map<string, { type: GraphQLInputType; value: unknown }>): string {
  const named = getNamedType(field.type);
  const composite = !isScalarType(named) && !isEnumType(named);
  if (composite && depth <= 0) return "";
  const args = field.args
    .filter((arg) => isNonNullType(arg.type) || random() < 0.4)
    .map((arg) => {
      const name = `v${variables.size}`;
      variables.set(name, { type: arg.type, value: inputValue(arg.type, 0) });
      return `${arg.name}: $${name}`;
    });
  const sub = composite ? selection(named, depth - 1, variables) : "";
  if (composite && !sub) return "";
  return `${field.name}${args.length ? `(${args.join(", ")})` : ""} ${sub}`;
}

function generate(kind: "query" | "mutation" | "subscription"): { query: string; variables: Record<string, unknown> } {
  const root = kind === "query" ? schema.getQueryType()! : kind === "mutation" ? schema.getMutationType()! : schema.getSubscriptionType()!;
  const variables = new Map<string, { type: GraphQLInputType; value: unknown }>();
  const field = pick(Object.values(root.getFields()));
  const body = fieldText(field, 3, variables) || `${field.name}`;
  const declared = [...variables].map(([name, { type }]) => `$${name}: ${type.toString()}`);
  return {
    query: `${kind} Fuzz${declared.length ? `(${declared.join(", ")})` : ""} { ${body} }`,
    variables: Object.fromEntries([...variables].map(([name, { value }]) => [name, value])),
  };
}

const MALFORMED: (() => BodyInit)[] = [
  () => "{",
  () => JSON.stringify({ query: 42 }),
  () => JSON.stringify({ query: "{ viewer { id } }", variables: "nope" }),
  () => JSON.stringify({ query: "{ viewer { id } }", operationName: { a: 1 } }),
  () => JSON.stringify({ query: `query { ${"...F ".repeat(50)} } ${Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(" ")}` }),
  () => JSON.stringify({ query: `{ ${"viewer { id } ".repeat(400)} }` }),
  () => JSON.stringify({ query: "{".repeat(5_000) }),
  () => JSON.stringify({ query: "query($a: Int = 1000) { conversations(first: $a) { totalCount } }" }),
  () => `{"query":"mutation($m: JSON) { createMemory(input: { content: \\"x\\", metadata: $m }) { id } }","variables":{"m":1e999}}`,
];

const server = await startTestServer({ env: { MAX_REQUEST_BYTES: "1000000" } });
const failures: string[] = [];
const fail = (what: string) => {
  if (failures.length < 20) console.error(`FAIL ${what}`);
  failures.push(what);
};
try {
  const attacker = await server.tokenFor("fuzz_attacker");
  const victim = await server.tokenFor("fuzz_victim");
  // Data of both users, so ids exist to aim at.
  for (const token of [attacker, victim]) {
    const conversation = ok(await server.gql(`mutation { createConversation(input: { title: "fuzz", projectPath: "/p" }) { id } }`, {}, { token })).createConversation.id;
    const appended = ok(await server.gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "see https://x.example/a" }, { role: ASSISTANT, content: "ok" }]) { messages { id } } }`, { id: conversation }, { token }));
    const memory = ok(await server.gql(`mutation { createMemory(input: { content: "likes tea", tags: ["t"] }) { id } }`, {}, { token })).createMemory.id;
    knownIds.push(conversation, memory, ...appended.appendMessages.messages.map((m: { id: string }) => m.id));
  }
  const victimSnapshot = async () => {
    const { prisma } = server.db;
    const user = await prisma.user.findUniqueOrThrow({ where: { externalId: "fuzz_victim" } });
    return JSON.stringify([
      await prisma.conversation.findMany({ where: { userId: user.id }, orderBy: { id: "asc" } }),
      await prisma.message.findMany({ where: { conversation: { userId: user.id } }, orderBy: { id: "asc" } }),
      await prisma.memory.findMany({ where: { userId: user.id }, orderBy: { id: "asc" } }),
    ]);
  };
  const before = await victimSnapshot();

  let stop = false;
  let slowest = 0;
  const health = (async () => {
    while (!stop) {
      const started = performance.now();
      const response = await fetch(server.url.replace(/\/graphql$/, "/health"));
      await response.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - started);
      if (performance.now() - started > 1_000) fail(`/health took ${Math.round(performance.now() - started)} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  const check = (transport: string, status: number, body: any, sent: string) => {
    if (status >= 500) fail(`${transport} ${status} for ${sent.slice(0, 300)}`);
    for (const error of body?.errors ?? []) {
      if (!error.extensions?.code || error.extensions.code === "INTERNAL_SERVER_ERROR") fail(`${transport} ${JSON.stringify(error).slice(0, 300)} for ${sent.slice(0, 300)}`);
    }
  };
  const ws = createClient({ url: server.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${attacker}` }, retryAttempts: 0 });

  const deadline = Date.now() + SECONDS * 1000; // from here: setup is not part of the budget
  let sent = 0;
  const counts = { http: 0, malformed: 0, sse: 0, ws: 0 };
  while (sent < OPERATIONS && Date.now() < deadline) {
    sent += 1;
    const roll = random();
    if (roll < 0.1) {
      const body = pick(MALFORMED)();
      const response = await fetch(server.url, { method: "POST", headers: { authorization: `Bearer ${attacker}`, "content-type": "application/json" }, body });
      const text = await response.text();
      check("malformed", response.status, text.startsWith("{") ? JSON.parse(text) : undefined, String(body));
      counts.malformed += 1;
    } else if (roll < 0.9) {
      const { query, variables } = generate(random() < 0.5 ? "query" : "mutation");
      const response = await fetch(server.url, {
        method: "POST",
        headers: { authorization: `Bearer ${attacker}`, "content-type": "application/json", accept: "application/graphql-response+json" },
        body: JSON.stringify({ query, variables }),
      });
      check("http", response.status, await response.json(), query + JSON.stringify(variables));
      counts.http += 1;
    } else if (roll < 0.95) {
      const { query, variables } = generate("subscription");
      const abort = new AbortController();
      const response = await fetch(server.url, {
        method: "POST",
        signal: abort.signal,
        headers: { authorization: `Bearer ${attacker}`, "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ query, variables }),
      });
      if (response.status >= 500) fail(`sse ${response.status} for ${query}`);
      const reader = response.body?.getReader();
      const first = reader ? await Promise.race([reader.read(), new Promise<undefined>((resolve) => setTimeout(resolve, 200))]) : undefined;
      const text = first && "value" in first && first.value ? new TextDecoder().decode(first.value) : "";
      if (text.includes("INTERNAL_SERVER_ERROR")) fail(`sse ${text.slice(0, 300)} for ${query}`);
      abort.abort();
      counts.sse += 1;
    } else {
      const { query, variables } = generate(random() < 0.5 ? "subscription" : "query");
      const results: any[] = [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          unsubscribe();
          resolve();
        }, 200);
        const unsubscribe = ws.subscribe(
          { query, variables },
          {
            next: (result) => results.push(result),
            error: (error) => {
              results.push(Array.isArray(error) ? { errors: error } : { errors: [{ message: String(error), extensions: { code: "CLOSED" } }] });
              clearTimeout(timer);
              resolve();
            },
            complete: () => {
              clearTimeout(timer);
              resolve();
            },
          },
        );
      });
      for (const result of results) check("ws", 200, result, query + JSON.stringify(variables));
      counts.ws += 1;
    }
  }
  stop = true;
  await health;
  await ws.dispose();
  if ((await victimSnapshot()) !== before) fail("the second user's data changed");
  console.log(`fuzz: ${sent} operations (${JSON.stringify(counts)}), slowest /health ${Math.round(slowest)} ms, ${failures.length} failures`);
} finally {
  await server.close();
}
console.log(`${failures.length === 0 ? 1 : 0} passed, ${failures.length === 0 ? 0 : 1} failed`);
process.exit(failures.length === 0 ? 0 : 1);
