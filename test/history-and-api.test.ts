// History an import carries over (source ids, timestamps, positions, access counts) and the API the
// source teams were missing: updateViewer, the toolUses connection, createMemories, timestamp order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;
let other: string;
const gql = (query: string, variables?: Record<string, unknown>, as = token) => t.gql(query, variables, { token: as });

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_history", { email: "hist@example.com" });
  other = await t.tokenFor("user_history_other", { email: "other@example.com" });
});
afterAll(() => t?.close());

const CREATE = `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id externalId createdAt startedAt endedAt active } }`;
const APPEND = `mutation($id: ID!, $messages: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $messages) {
  inserted duplicates messages { position externalId role content timestamp toolUses { externalId toolName status timestamp } } } }`;

describe("history preserved", () => {
  it("keeps a conversation's source id and its created, started and ended times; a second one with the same source id is a CONFLICT", async () => {
    const input = { externalId: "session-1", title: "Old session", createdAt: "2024-02-01T08:00:00Z", startedAt: "2024-02-01T08:00:00Z", endedAt: "2024-02-01T09:30:00Z" };
    const created = ok(await gql(CREATE, { input })).createConversation;
    expect(created).toMatchObject({ externalId: "session-1", createdAt: "2024-02-01T08:00:00.000Z", startedAt: "2024-02-01T08:00:00.000Z", endedAt: "2024-02-01T09:30:00.000Z", active: false });
    expect(errorCodes(await gql(CREATE, { input }))).toEqual(["CONFLICT"]);
    // Another user may use the same source id: it is unique per user.
    expect(ok(await gql(CREATE, { input }, other)).createConversation.externalId).toBe("session-1");
  });

  it("stores messages at given positions, tool calls at their message's time, and empty assistant turns that only call tools", async () => {
    const { id } = ok(await gql(CREATE, { input: { title: "Positions" } })).createConversation;
    const appended = ok(
      await gql(APPEND, {
        id,
        messages: [
          { externalId: "u2", role: "ASSISTANT", content: "", position: 2, timestamp: "2024-02-01T08:00:05Z", toolUses: [{ externalId: "toolu_1", toolName: "Bash", status: "ERROR" }] },
          { externalId: "u1", role: "USER", content: "run the tests", position: 1, timestamp: "2024-02-01T08:00:00Z" },
          { externalId: "u3", role: "ASSISTANT", content: "They fail.", timestamp: "2024-02-01T08:00:09Z" },
        ],
      }),
    ).appendMessages;
    expect(appended.messages.map((m: any) => [m.position, m.externalId, m.content])).toEqual([
      [1, "u1", "run the tests"],
      [2, "u2", ""],
      [3, "u3", "They fail."],
    ]);
    expect(appended.messages[1].toolUses).toEqual([{ externalId: "toolu_1", toolName: "Bash", status: "ERROR", timestamp: "2024-02-01T08:00:05.000Z" }]);
    const taken = await gql(APPEND, { id, messages: [{ role: USER_ROLE, content: "late", position: 2 }] });
    expect(errorCodes(taken)).toEqual(["CONFLICT"]);
    const empty = await gql(APPEND, { id, messages: [{ role: "ASSISTANT", content: " " }] });
    expect(errorCodes(empty)).toEqual(["BAD_USER_INPUT"]);
    expect(ok(await gql(`query($id: ID!) { conversation(id: $id) { messageCount } }`, { id })).conversation.messageCount).toBe(3);
  });

  it("lists a conversation's messages by timestamp as well as by position", async () => {
    const { id } = ok(await gql(CREATE, { input: { title: "Out of order" } })).createConversation;
    ok(
      await gql(APPEND, {
        id,
        messages: [
          { role: "USER", content: "written last", timestamp: "2024-03-01T10:02:00Z" },
          { role: "USER", content: "written first", timestamp: "2024-03-01T10:00:00Z" },
          { role: "USER", content: "same time, later place", timestamp: "2024-03-01T10:02:00Z" },
        ],
      }),
    );
    const list = async (order?: string) =>
      ok(await gql(`query($id: ID!, $order: MessageSequence) { conversation(id: $id) { messages(first: 10, order: $order) { edges { node { content } } } } }`, { id, order }))
        .conversation.messages.edges.map((e: any) => e.node.content);
    expect(await list()).toEqual(["written last", "written first", "same time, later place"]);
    expect(await list("TIMESTAMP")).toEqual(["written first", "written last", "same time, later place"]);
  });

  it("carries a memory's source id, creation time, access count and any finite importance", async () => {
    const memory = ok(
      await gql(
        `mutation($input: CreateMemoryInput!) { createMemory(input: $input) { externalId createdAt accessCount lastAccessedAt importance } }`,
        { input: { content: "Prefers tea", externalId: "mem-9", createdAt: "2023-05-01T00:00:00Z", accessCount: 12, lastAccessedAt: "2024-01-01T00:00:00Z", importance: 7.5 } },
      ),
    ).createMemory;
    expect(memory).toEqual({ externalId: "mem-9", createdAt: "2023-05-01T00:00:00.000Z", accessCount: 12, lastAccessedAt: "2024-01-01T00:00:00.000Z", importance: 7.5 });
    const filtered = ok(await gql(`{ memories(filter: { importance: { min: 5 } }) { edges { node { externalId } } } }`)).memories.edges;
    expect(filtered).toEqual([{ node: { externalId: "mem-9" } }]);
  });

  it("keeps an action's and a preview's source id and creation time", async () => {
    const { id } = ok(await gql(CREATE, { input: { title: "Build" } })).createConversation;
    const action = ok(
      await gql(`mutation($id: ID!) { createAction(conversationId: $id, type: "deploy", payload: {}, status: COMPLETED, result: { ok: true }, externalId: "a1", createdAt: "2024-04-01T00:00:00Z") { externalId createdAt status result } }`, { id }),
    ).createAction;
    expect(action).toEqual({ externalId: "a1", createdAt: "2024-04-01T00:00:00.000Z", status: "COMPLETED", result: { ok: true } });
    const preview = ok(await gql(`mutation($id: ID!) { createPreview(conversationId: $id, url: "https://p.example", externalId: "p1", createdAt: "2024-04-02T00:00:00Z") { externalId createdAt } }`, { id })).createPreview;
    expect(preview).toEqual({ externalId: "p1", createdAt: "2024-04-02T00:00:00.000Z" });
  });
});

const USER_ROLE = "USER";

describe("the missing API", () => {
  it("updateViewer changes name, email and preferences; another user's email is a CONFLICT", async () => {
    const updated = ok(
      await gql(`mutation($input: UpdateViewerInput!) { updateViewer(input: $input) { name email preferences } }`, {
        input: { name: "Hist Oriana", email: "oriana@example.com", preferences: { theme: "dark", framework: "next" } },
      }),
    ).updateViewer;
    expect(updated).toEqual({ name: "Hist Oriana", email: "oriana@example.com", preferences: { theme: "dark", framework: "next" } });
    expect(errorCodes(await gql(`mutation { updateViewer(input: { email: "other@example.com" }) { email } }`))).toEqual(["CONFLICT"]);
    expect(errorCodes(await gql(`mutation { updateViewer(input: { preferences: [1] }) { email } }`))).toEqual(["BAD_USER_INPUT"]);
    expect(ok(await gql(`{ viewer { email name } }`)).viewer).toEqual({ email: "oriana@example.com", name: "Hist Oriana" });
    expect(ok(await gql(`{ viewer { email } }`, {}, other)).viewer).toEqual({ email: "other@example.com" });
  });

  it("toolUses lists the viewer's failed calls by tool, time and conversation, never another user's", async () => {
    const mine = ok(await gql(CREATE, { input: { title: "Tools" } })).createConversation.id;
    const theirs = ok(await gql(CREATE, { input: { title: "Their tools" } }, other)).createConversation.id;
    const calls = (status: string, tool: string, minute: number) => ({
      role: "ASSISTANT",
      content: `${tool} ${status} ${minute}`,
      timestamp: `2024-05-01T10:${String(minute).padStart(2, "0")}:00Z`,
      toolUses: [{ toolName: tool, status }],
    });
    ok(await gql(APPEND, { id: mine, messages: [calls("ERROR", "Bash", 1), calls("SUCCESS", "Bash", 2), calls("ERROR", "Read", 3), calls("TIMEOUT", "Bash", 4)] }));
    ok(await gql(APPEND, { id: theirs, messages: [calls("ERROR", "Bash", 5)] }, other));
    const query = `query($f: ToolUseFilter) { toolUses(first: 10, filter: $f) { totalCount edges { node { toolName status timestamp message { content } } } } }`;
    const failed = ok(await gql(query, { f: { status: ["ERROR", "TIMEOUT"], toolName: ["Bash"], conversationId: mine } })).toolUses;
    expect(failed.totalCount).toBe(2);
    expect(failed.edges.map((e: any) => e.node.message.content)).toEqual(["Bash TIMEOUT 4", "Bash ERROR 1"]);
    const window = ok(await gql(query, { f: { status: ["ERROR"], timestamp: { from: "2024-05-01T10:02:00Z", to: "2024-05-01T10:59:00Z" } } })).toolUses;
    expect(window.edges.map((e: any) => e.node.message.content)).toEqual(["Read ERROR 3"]);
    const theirView = ok(await gql(query, { f: { conversationId: mine } }, other)).toolUses;
    expect(theirView.totalCount).toBe(0);
  });

  it("createMemories stores a batch in order in one transaction, and none when one is bad", async () => {
    const CREATE_MANY = `mutation($inputs: [CreateMemoryInput!]!) { createMemories(inputs: $inputs) { content externalId importance embeddingModel } }`;
    const created = ok(await gql(CREATE_MANY, { inputs: [{ content: "one", externalId: "b1", importance: -2 }, { content: "two", externalId: "b2" }, { content: "three" }] })).createMemories;
    expect(created.map((m: any) => [m.content, m.externalId, m.importance])).toEqual([["one", "b1", -2], ["two", "b2", 0], ["three", null, 0]]);
    expect(created.every((m: any) => m.embeddingModel)).toBe(true);
    const before = await t.db.prisma.memory.count();
    expect(errorCodes(await gql(CREATE_MANY, { inputs: [{ content: "four" }, { content: "  " }] }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(CREATE_MANY, { inputs: [{ content: "five", externalId: "b9" }, { content: "six", externalId: "b1" }] }))).toEqual(["CONFLICT"]);
    expect(await t.db.prisma.memory.count()).toBe(before);
  });
});
