// Service access: a key made by the operator's command acts for the user each request names; every
// ownership rule applies to that user, and the access log names both.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../src/logger.ts";
import { createServiceKey, revokeServiceKey } from "../src/auth/service-keys.ts";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

const lines: string[] = [];
const logger: Logger = { debug: () => {}, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
let t: TestServer;
let serviceKey: string;

beforeAll(async () => {
  t = await startTestServer({ logger });
  serviceKey = await createServiceKey(t.db.prisma, "debate-backend");
});
afterAll(() => t?.close());

const as = (user: string | undefined, key = serviceKey) => ({ token: key, headers: (user === undefined ? {} : { "X-Threadline-Act-As": user }) as Record<string, string> });
const CREATE = `mutation($title: String!) { createConversation(input: { title: $title }) { id user { externalId } } }`;

describe("service access", () => {
  it("acts for two users without crossing: each sees and changes only their own", async () => {
    const ana = ok(await t.gql(CREATE, { title: "Ana's debate" }, as("user_ana"))).createConversation;
    const ben = ok(await t.gql(CREATE, { title: "Ben's debate" }, as("user_ben"))).createConversation;
    expect([ana.user.externalId, ben.user.externalId]).toEqual(["user_ana", "user_ben"]);

    const list = async (user: string) =>
      ok(await t.gql(`{ viewer { externalId } conversations { edges { node { title } } } }`, {}, as(user)));
    expect(await list("user_ana")).toEqual({ viewer: { externalId: "user_ana" }, conversations: { edges: [{ node: { title: "Ana's debate" } }] } });
    expect(await list("user_ben")).toEqual({ viewer: { externalId: "user_ben" }, conversations: { edges: [{ node: { title: "Ben's debate" } }] } });

    // Acting for Ben, Ana's conversation is not there: not readable, not writable.
    expect(ok(await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: ana.id }, as("user_ben"))).node).toBeNull();
    const append = await t.gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "hi" }]) { inserted } }`, { id: ana.id }, as("user_ben"));
    expect(errorCodes(append)).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.message.count({ where: { conversation: { user: { externalId: "user_ana" } } } })).toBe(0);

    // The same user signing in with their own token sees what the service wrote for them.
    const anaToken = await t.tokenFor("user_ana");
    expect(ok(await t.gql(`{ conversations { totalCount } }`, {}, { token: anaToken })).conversations.totalCount).toBe(1);
  });

  it("records the user and the acting service in the access log", async () => {
    lines.length = 0;
    ok(await t.gql(`query Who { viewer { externalId } }`, {}, as("user_ana")));
    expect(lines.some((line) => /query Who user=user_ana actor=service:debate-backend/.test(line))).toBe(true);
  });

  it("refuses a service key that names no user, or another service, and what only a person may do", async () => {
    expect(errorCodes(await t.gql(`{ viewer { id } }`, {}, as(undefined)))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.gql(`{ viewer { id } }`, {}, as("service:other")))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.gql(`mutation { createApiKey(name: "x") { key } }`, {}, as("user_ana")))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.gql(`mutation { deleteViewer(confirm: "user_ana") { externalId } }`, {}, as("user_ana")))).toEqual(["FORBIDDEN"]);
    expect(await t.db.prisma.user.count({ where: { externalId: "user_ana" } })).toBe(1);
  });

  it("lets no other credential act for someone else: a user's own API key, a token, a revoked service key", async () => {
    const token = await t.tokenFor("user_cara");
    expect(errorCodes(await t.gql(`{ viewer { id } }`, {}, { token, headers: { "X-Threadline-Act-As": "user_ana" } }))).toEqual(["FORBIDDEN"]);
    const { key } = ok(await t.gql(`mutation { createApiKey(name: "ingest") { key } }`, {}, { token })).createApiKey;
    expect(errorCodes(await t.gql(`{ viewer { id } }`, {}, as("user_ana", key)))).toEqual(["FORBIDDEN"]);
    expect(ok(await t.gql(`{ viewer { externalId } }`, {}, { token: key })).viewer.externalId).toBe("user_cara");

    const doomed = await createServiceKey(t.db.prisma, "doomed");
    expect(ok(await t.gql(`{ viewer { externalId } }`, {}, as("user_ben", doomed))).viewer.externalId).toBe("user_ben");
    expect(await revokeServiceKey(t.db.prisma, "doomed")).toBe(1);
    // The operator's command runs in another process: a viewer this server remembers lasts at most VIEWER_CACHE_MS more.
    expect(errorCodes(await t.gql(`{ viewer { externalId } }`, {}, as("user_eve", doomed)))).toEqual(["UNAUTHENTICATED"]);
  });

  it("takes a token's act claim as the actor, the subject as the viewer", async () => {
    lines.length = 0;
    const token = await t.tokenFor("user_dan", { act: { sub: "memory-service" } });
    ok(await t.gql(`query Mine { viewer { externalId } }`, {}, { token }));
    expect(lines.some((line) => /query Mine user=user_dan actor=memory-service/.test(line))).toBe(true);
    expect(errorCodes(await t.gql(`mutation { deleteViewer(confirm: "user_dan") { externalId } }`, {}, { token }))).toEqual(["FORBIDDEN"]);
  });

  it("has no API to make a service key: the schema offers none", async () => {
    const fields = ok(await t.gql(`{ __type(name: "Mutation") { fields { name args { name } } } }`, {}, { token: await t.tokenFor("user_ana") })).__type;
    expect(JSON.stringify(fields)).not.toMatch(/scope|service/i);
  });
});

describe("npm run service-key", () => {
  it("creates a key the server accepts, from the command line", async () => {
    const dir = `/tmp/threadline-service-key-${process.pid}`;
    const out = execFileSync("npx", ["tsx", "scripts/service-key.ts", "create", "cli-made"], {
      env: { ...process.env, THREADLINE_DATA_DIR: dir, DATABASE_URL: "" },
      encoding: "utf8",
    });
    expect(out).toMatch(/service key "cli-made"[\s\S]*\ntl_/);
    execFileSync("rm", ["-rf", dir]);
  }, 120_000);
});
