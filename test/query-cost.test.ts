// The number of SQL statements a nested query costs must not grow with the number of rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

/** A user with `conversations` conversations of `messages` messages, each with two tool uses, a link and an asset. */
async function userWith(sub: string, conversations: number, messages: number) {
  const token = await t.tokenFor(sub);
  for (let c = 0; c < conversations; c++) {
    const { id } = ok(await t.gql(`mutation { createConversation(input: { title: "c${c}", projectPath: "/cost" }) { id } }`, {}, { token })).createConversation;
    const batch = Array.from({ length: messages }, (_, m) => ({
      role: m % 2 ? "ASSISTANT" : "USER",
      content: `message ${m} of ${c}: see https://example.com/${c}/${m}`,
      toolUses: [
        { toolName: "Read", status: "SUCCESS", durationMs: m },
        { toolName: "Bash", status: "ERROR", durationMs: m * 2 },
      ],
      assets: [{ type: "file", filename: `f${m}.txt` }],
    }));
    ok(await t.gql(`mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, { id, m: batch }, { token }));
  }
  return token;
}

const NESTED = `{
  conversations(first: 100) {
    totalCount
    edges { node { title messageCount lastMessage { position toolUses(first: 5) { toolName } }
      messages(first: 100) { totalCount edges { node { position content
        toolUses(first: 5) { toolName durationMs } links(first: 5) { url domain } assets(first: 5) { filename }
        conversation { title } } } }
      actions { totalCount } previews { edges { node { id } } } } }
  }
  messages(first: 100, filter: { role: [ASSISTANT] }) { edges { node { content conversation { projectPath } toolUses(first: 5) { status } } } }
}`;

describe("statement counts", () => {
  it("costs the same number of statements for 10 messages as for 100", async () => {
    const small = await userWith("user_small", 2, 5);
    const large = await userWith("user_large", 10, 10);

    let smallRows = 0;
    let largeRows = 0;
    const smallCost = await t.countStatements(async () => {
      const data = ok(await t.gql(NESTED, {}, { token: small }));
      smallRows = data.conversations.edges.reduce((n: number, e: any) => n + e.node.messages.edges.length, 0);
    });
    const largeCost = await t.countStatements(async () => {
      const data = ok(await t.gql(NESTED, {}, { token: large }));
      largeRows = data.conversations.edges.reduce((n: number, e: any) => n + e.node.messages.edges.length, 0);
    });

    expect(smallRows).toBe(10);
    expect(largeRows).toBe(100);
    expect(largeCost.count).toBe(smallCost.count);
    // And it is a handful, not one per row.
    expect(smallCost.count).toBeLessThan(25);
  });

  it("loads a page of nodes by id in a constant number of statements", async () => {
    const token = await t.tokenFor("user_large");
    const ids = ok(await t.gql(`{ messages(first: 100) { edges { node { id } } } }`, {}, { token })).messages.edges.map((e: any) => e.node.id);
    const cost = async (n: number) =>
      (await t.countStatements(async () => {
        const data = ok(await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Message { toolUses { toolName } } } }`, { ids: ids.slice(0, n) }, { token }));
        expect(data.nodes.filter(Boolean)).toHaveLength(n);
      })).count;
    expect(await cost(100)).toBe(await cost(10));
  });
});
