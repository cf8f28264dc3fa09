// Constraints declared on input fields (src/schema/constraints.ts, checked by Pothos' validation
// plugin): the error names the field where it sits in the arguments, with BAD_USER_INPUT, before the
// resolver runs, so nothing is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { errorCodes, ok, startTestServer, type GraphQLResponse, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_constraints");
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });
const fieldOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.field;
/** The one error's code, field and message. */
const refusal = (response: GraphQLResponse) => [errorCodes(response), fieldOf(response), response.errors?.[0]?.message];
const conversation = async (title: string): Promise<string> =>
  ok(await gql(`mutation($title: String) { createConversation(input: { title: $title }) { id } }`, { title })).createConversation.id;
const memory = async (content: string): Promise<string> => ok(await gql(`mutation($c: String!) { createMemory(input: { content: $c }) { id } }`, { c: content })).createMemory.id;

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

  it("checks an argument before the resolver: an API key's name, a search's limit", async () => {
    const before = await t.db.prisma.apiKey.count();
    const name = await gql(`mutation($name: String!) { createApiKey(name: $name) { key } }`, { name: "k".repeat(201) });
    expect(refusal(name)).toEqual([["BAD_USER_INPUT"], "name", "name must be at most 200 characters"]);
    const blank = await gql(`mutation { createApiKey(name: "  ") { key } }`);
    expect(refusal(blank)).toEqual([["BAD_USER_INPUT"], "name", "name must not be empty"]);
    expect(await t.db.prisma.apiKey.count()).toBe(before);

    const limit = await gql(`{ search(query: "anything", limit: 0) { score } }`);
    expect(refusal(limit)).toEqual([["BAD_USER_INPUT"], "limit", "limit must be between 1 and 100, got 0"]);
    const kinds = await gql(`{ search(query: "anything", kinds: []) { score } }`);
    expect(refusal(kinds)).toEqual([["BAD_USER_INPUT"], "kinds", "kinds must name at least one kind"]);
  });

  it("names the item of a list of labels, and of a list of input objects, writing nothing", async () => {
    const m = await memory("labelled");
    const themes = await gql(`mutation($m: ID!, $input: EmotionalContextInput!) { setEmotionalContext(memoryId: $m, input: $input) { id } }`, {
      m,
      input: { mood: "calm", themes: ["rest", "   "] },
    });
    expect(refusal(themes)).toEqual([["BAD_USER_INPUT"], "input.themes[1]", "input.themes[1] must not be empty"]);
    const markers = await gql(`mutation($m: ID!, $input: EmotionalContextInput!) { setEmotionalContext(memoryId: $m, input: $input) { id } }`, {
      m,
      input: { mood: "calm", markers: ["sigh", "x".repeat(201)] },
    });
    expect(refusal(markers)).toEqual([["BAD_USER_INPUT"], "input.markers[1]", "input.markers[1] must be at most 200 characters"]);
    expect(await t.db.prisma.emotionalContext.count()).toBe(0);

    const other = await memory("clustered");
    const cluster = ok(await gql(`mutation { createMemoryCluster(input: { name: "constrained" }) { id } }`)).createMemoryCluster.id;
    const members = [{ memoryId: m, score: 0.5 }, { memoryId: other, score: 1.5 }];
    const added = await gql(`mutation($c: ID!, $members: [ClusterMemberInput!]!) { addToCluster(clusterId: $c, members: $members) { id } }`, { c: cluster, members });
    expect(refusal(added)).toEqual([["BAD_USER_INPUT"], "members[1].score", "members[1].score must be between 0 and 1, got 1.5"]);
    // In a new cluster's input the members sit under `input`, and the error says so.
    const created = await gql(`mutation($input: CreateMemoryClusterInput!) { createMemoryCluster(input: $input) { id } }`, { input: { name: "scored", members } });
    expect(refusal(created)).toEqual([["BAD_USER_INPUT"], "input.members[1].score", "input.members[1].score must be between 0 and 1, got 1.5"]);
    expect(await t.db.prisma.clusterMembership.count()).toBe(0);
    expect(await t.db.prisma.memoryCluster.count()).toBe(1);
  });

  it("checks emotion and quality ranges before ownership, so another user's id learns nothing and nothing is written", async () => {
    const mine = await conversation("moods");
    const otherToken = await t.tokenFor("user_constraints_other");
    const theirs = ok(await t.gql(`mutation { createConversation(input: { title: "theirs" }) { id } }`, {}, { token: otherToken })).createConversation.id;
    const nobody = encodeGlobalID("Conversation", "no-such-conversation");
    for (const c of [mine, theirs, nobody]) {
      const score = await gql(`mutation($c: ID!, $input: MoodScoreInput!) { recordMoodScore(conversationId: $c, input: $input) { id } }`, { c, input: { score: 1.5 } });
      expect(refusal(score)).toEqual([["BAD_USER_INPUT"], "input.score", "input.score must be between -1 and 1, got 1.5"]);
      const point = await gql(`mutation($c: ID!, $input: TurningPointInput!) { recordTurningPoint(conversationId: $c, input: $input) { id } }`, {
        c,
        input: { type: "breakthrough", magnitude: -0.25 },
      });
      expect(refusal(point)).toEqual([["BAD_USER_INPUT"], "input.magnitude", "input.magnitude must be between 0 and 1, got -0.25"]);
    }
    expect([await t.db.prisma.moodScore.count(), await t.db.prisma.turningPoint.count()]).toEqual([0, 0]);

    const m = await memory("measured");
    const metrics = await gql(`mutation($m: ID!, $input: RecordQualityMetricsInput!) { recordQualityMetrics(memoryId: $m, input: $input) { id } }`, {
      m,
      input: { accuracy: 0.9, clarity: 2 },
    });
    expect(refusal(metrics)).toEqual([["BAD_USER_INPUT"], "input.clarity", "input.clarity must be between 0 and 1, got 2"]);
    expect(await t.db.prisma.qualityMetrics.count()).toBe(0);
  });

  it("keeps a substring filter's PATTERN_TOO_LONG reason, and an empty filter still filters nothing", async () => {
    await conversation("filtered");
    const long = "p".repeat(101);
    const answer = await gql(`query($c: String!) { messages(filter: { contains: $c }) { totalCount } }`, { c: long });
    expect(answer.errors![0].message).toBe("filter.contains may be at most 100 characters, got 101; use `matches` (full text) for longer text");
    expect(answer.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.contains", reason: "PATTERN_TOO_LONG" });
    const blank = await gql(`{ conversations(filter: { title: "   " }) { totalCount } }`);
    expect(refusal(blank)).toEqual([["BAD_USER_INPUT"], "filter.title", "filter.title must not be empty"]);
    expect(blank.errors![0].extensions!.reason).toBeUndefined();
    const empty = ok(await gql(`{ messages(filter: { contains: "", matches: "" }) { totalCount } conversations(filter: { title: "" }) { totalCount } }`));
    expect(empty.conversations.totalCount).toBeGreaterThan(0);
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
