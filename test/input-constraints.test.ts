// Constraints declared on input fields (src/schema/constraints.ts, checked by Pothos' validation
// plugin): the error names the field where it sits in the arguments, with BAD_USER_INPUT, before the
// resolver runs, so nothing is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, startTestServer, type GraphQLResponse, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_constraints");
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });
const fieldOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.field;

describe("input constraints", () => {
  it("names the field of a nested list item, and writes nothing", async () => {
    const before = await t.db.prisma.memory.count();
    const response = await gql(`mutation($inputs: [CreateMemoryInput!]!) { createMemories(inputs: $inputs) { id } }`, {
      inputs: [{ content: "fine" }, { content: "also fine", confidence: 1.5 }],
    });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(fieldOf(response)).toBe("inputs[1].confidence");
    expect(response.errors![0].message).toBe("inputs[1].confidence must be between 0 and 1, got 1.5");
    expect(await t.db.prisma.memory.count()).toBe(before);
  });

  it("checks a list's size and a text's length on the field that declares them", async () => {
    const tags = await gql(`mutation($input: CreateMemoryInput!) { createMemory(input: $input) { id } }`, {
      input: { content: "tagged", tags: Array.from({ length: 201 }, (_, i) => `t${i}`) },
    });
    expect([errorCodes(tags), fieldOf(tags)]).toEqual([["BAD_USER_INPUT"], "input.tags"]);
    const quarter = await gql(`mutation($input: CreateEpicInput!) { createEpic(input: $input) { id } }`, { input: { title: "Epic", quarter: "Q".repeat(51) } });
    expect([errorCodes(quarter), fieldOf(quarter)]).toEqual([["BAD_USER_INPUT"], "input.quarter"]);
    const blank = await gql(`mutation($input: CreateEpicInput!) { createEpic(input: $input) { id } }`, { input: { title: "   " } });
    expect([errorCodes(blank), fieldOf(blank), blank.errors![0].message]).toEqual([["BAD_USER_INPUT"], "input.title", "input.title must not be empty"]);
    expect(await t.db.prisma.epic.count()).toBe(0);
  });
});

describe("constraints of the conversation and import inputs", () => {
  const counts = async () => ({
    conversations: await t.db.prisma.conversation.count(),
    messages: await t.db.prisma.message.count(),
    toolUses: await t.db.prisma.toolUse.count(),
    memories: await t.db.prisma.memory.count(),
    contexts: await t.db.prisma.emotionalContext.count(),
  });
  const refusal = (response: GraphQLResponse) => [errorCodes(response), fieldOf(response), response.errors?.[0]?.message];

  it("names an appendMessages item's nested field, before the conversation is looked up, and writes nothing", async () => {
    const { id } = (await gql(`mutation { createConversation(input: { title: "Constraints" }) { id } }`)).data!.createConversation as { id: string };
    const before = await counts();
    const append = (conversationId: string) =>
      gql(`mutation($id: ID!, $messages: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $messages) { inserted } }`, {
        id: conversationId,
        messages: [
          { role: "USER", content: "fine" },
          { role: "ASSISTANT", content: "", toolUses: [{ toolName: "Bash" }, { toolName: "Bash", durationMs: -5 }] },
        ],
      });
    expect(refusal(await append(id))).toEqual([
      ["BAD_USER_INPUT"],
      "messages[1].toolUses[1].durationMs",
      "messages[1].toolUses[1].durationMs must be between 0 and 2147483647, got -5",
    ]);
    // The constraints are checked before the resolver runs: a conversation that is not there comes second.
    const missing = Buffer.from("Conversation:nope").toString("base64");
    expect(refusal(await append(missing))[1]).toBe("messages[1].toolUses[1].durationMs");
    const fine = await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "hi" }]) { inserted } }`, { id: missing });
    expect(errorCodes(fine)).toEqual(["NOT_FOUND"]);
    const sender = await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "hi", sender: "${"s".repeat(501)}" }]) { inserted } }`, { id });
    expect(refusal(sender)).toEqual([["BAD_USER_INPUT"], "messages[0].sender", "messages[0].sender must be at most 500 characters"]);
    // A rule about several fields stays in code, with the same shape of error.
    const empty = await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "ok" }, { role: USER, content: " " }]) { inserted } }`, { id });
    expect(refusal(empty)).toEqual([["BAD_USER_INPUT"], "messages[1].content", "messages[1].content must not be empty"]);
    expect(await counts()).toEqual(before);
  });

  it("names an importMemoryRecords record's field and a list item's, and writes nothing", async () => {
    const before = await counts();
    const send = (input: unknown) => gql(`mutation($input: MemoryRecordsImportInput!) { importMemoryRecords(input: $input) { memories { stored } } }`, { input });
    const good = { externalId: "ok", content: "fine", emotionalContext: { mood: "calm", intensity: 0.2 } };
    expect(refusal(await send({ memories: [good, { externalId: "b", content: "tense", emotionalContext: { mood: "angry", intensity: 7 } }] }))).toEqual([
      ["BAD_USER_INPUT"],
      "input.memories[1].emotionalContext.intensity",
      "input.memories[1].emotionalContext.intensity must be between 0 and 1, got 7",
    ]);
    expect(refusal(await send({ memories: [good, { externalId: "c", content: "tagged", tags: ["a", "b", " "] }] }))).toEqual([
      ["BAD_USER_INPUT"],
      "input.memories[1].tags[2]",
      "input.memories[1].tags[2] must not be empty",
    ]);
    expect(refusal(await send({ clusters: [{ name: "x", members: Array.from({ length: 5_001 }, () => ({ memoryExternalId: "ok" })) }] }))).toEqual([
      ["BAD_USER_INPUT"],
      "input.clusters[0].members",
      "input.clusters[0].members may hold at most 5000 items, got 5001",
    ]);
    expect(await counts()).toEqual(before);
  });

  it("checks a file's messages against the same declarations, naming them by their conversation, and writes nothing", async () => {
    const node = (id: string, parent: string | null, children: string[], message: unknown) => ({ id, parent, children, message });
    const file = JSON.stringify([
      {
        conversation_id: "c1",
        title: "Constraints",
        create_time: 1_700_000_000,
        current_node: "m2",
        mapping: {
          root: node("root", null, ["m1"], null),
          m1: node("m1", "root", ["m2"], { id: "m1", author: { role: "user" }, create_time: 1_700_000_001, content: { content_type: "text", parts: ["hi"] } }),
          m2: node("m2", "m1", [], {
            id: "m2",
            author: { role: "assistant" },
            create_time: 1_700_000_002,
            content: { content_type: "text", parts: ["hello"] },
            metadata: { model_slug: "m".repeat(101) },
          }),
        },
      },
    ]);
    const before = await counts();
    const upload = await gql(`mutation($content: String!) { importConversations(format: CHATGPT, content: $content) { inserted } }`, { content: file });
    expect(refusal(upload)).toEqual([["BAD_USER_INPUT"], "chatgpt:c1.messages[1].agentName", "chatgpt:c1.messages[1].agentName must be at most 100 characters"]);
    // The same message sent as an argument breaks the same declared rule.
    const sent = await gql(`mutation($input: ConversationImportInput!) { importConversation(input: $input) { inserted } }`, {
      input: { externalId: "chatgpt:c1", messages: [{ role: "USER", content: "hi" }, { role: "ASSISTANT", content: "hello", agentName: "m".repeat(101) }] },
    });
    expect(refusal(sent)).toEqual([["BAD_USER_INPUT"], "input.messages[1].agentName", "input.messages[1].agentName must be at most 100 characters"]);
    expect(await counts()).toEqual(before);
  });
});
