// Nested reads are bounded by the page asked for, never by the table: a page of conversations with
// their first messages reads the same rows whether each conversation holds 10 messages or 10,000.
// Rows are counted by the database (EXPLAIN ANALYZE of every statement the server sent).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";
import { rowsRead } from "./support/plans.ts";

let t: TestServer;
let shortToken: string;
let longToken: string;

/** `conversations` conversations of `messages` messages each, every message with two tool uses and a link; inserted in SQL. */
async function userWith(sub: string, conversations: number, messages: number): Promise<string> {
  const token = await t.tokenFor(sub);
  ok(await t.gql(`{ viewer { id } }`, {}, { token }));
  const prisma = t.db.prisma;
  await prisma.$executeRaw`
    INSERT INTO conversations (id, user_id, title, updated_at)
    SELECT ${sub} || '-c' || c, u.id, 'conversation ' || c, now()
    FROM users u, generate_series(1, ${conversations}::int) c WHERE u.external_id = ${sub}`;
  await prisma.$executeRaw`
    INSERT INTO messages (id, conversation_id, role, content, content_hash, position, updated_at)
    SELECT ${sub} || '-c' || c || '-m' || m, ${sub} || '-c' || c, CASE WHEN m % 2 = 0 THEN 'assistant'::message_role ELSE 'user'::message_role END,
           'message ' || m || ' of ' || c, md5(m::text), m, now()
    FROM generate_series(1, ${conversations}::int) c, generate_series(1, ${messages}::int) m`;
  await prisma.$executeRaw`
    INSERT INTO tool_uses (id, message_id, tool_name, status, updated_at)
    SELECT m.id || '-t' || k, m.id, CASE k WHEN 1 THEN 'Read' ELSE 'Bash' END, 'success', now()
    FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = c.user_id, generate_series(1, 2) k
    WHERE u.external_id = ${sub}`;
  await prisma.$executeRaw`
    INSERT INTO links (id, message_id, url, domain)
    SELECT m.id || '-l', m.id, 'https://example.com/' || m.id, 'example.com'
    FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = c.user_id WHERE u.external_id = ${sub}`;
  await prisma.$executeRaw`ANALYZE`;
  return token;
}

beforeAll(async () => {
  t = await startTestServer();
  shortToken = await userWith("reader_short", 3, 10);
  longToken = await userWith("reader_long", 3, 10_000);
}, 300_000);
afterAll(() => t?.close());

const PAGE = `{
  conversations(first: 20) {
    edges { node { title messages(first: 5) { edges { node { position content toolUses { toolName } links { domain } } } } } }
  }
}`;

describe("bounded nested reads", () => {
  it("reads the same message and tool-use rows for conversations of 10 and of 10,000 messages", async () => {
    let shortData: any;
    let longData: any;
    const short = await rowsRead(t.db, async () => (shortData = ok(await t.gql(PAGE, {}, { token: shortToken }))));
    const long = await rowsRead(t.db, async () => (longData = ok(await t.gql(PAGE, {}, { token: longToken }))));

    // Both answers are right: three conversations, each with messages 1–5 and their two tool uses.
    for (const data of [shortData, longData]) {
      expect(data.conversations.edges).toHaveLength(3);
      for (const { node } of data.conversations.edges) {
        expect(node.messages.edges.map((e: any) => e.node.position)).toEqual([1, 2, 3, 4, 5]);
        for (const { node: message } of node.messages.edges) {
          expect(message.toolUses.map((u: any) => u.toolName).sort()).toEqual(["Bash", "Read"]);
          expect(message.links).toEqual([{ domain: "example.com" }]);
        }
      }
    }

    expect(long.statements).toBe(short.statements);
    for (const table of ["messages", "tool_uses", "links"]) {
      expect({ table, rows: long.byTable.get(table) ?? 0 }).toEqual({ table, rows: short.byTable.get(table) ?? 0 });
    }
    // A page of 5 per conversation, plus the one that tells whether there is a next page and the one
    // an incremental sort reads to close its last group: never the conversation.
    expect(long.byTable.get("messages")).toBeLessThanOrEqual(3 * 7);
  });

  it("reads a deep page of a 10,000-message conversation without reading the messages before it", async () => {
    const id = Buffer.from("Conversation:reader_long-c1").toString("base64");
    const query = `query($id: ID!, $after: String) { node(id: $id) { ... on Conversation { messages(first: 20, after: $after) {
      pageInfo { endCursor hasNextPage } edges { node { position } } } } } }`;
    // The cursor of message 9,000, as the server writes cursors; then that page alone is measured.
    const anchor = await t.db.prisma.message.findFirst({ where: { conversationId: "reader_long-c1", position: 9_000 } });
    const cursor = Buffer.from(`GPC:T:${JSON.stringify([`S:${anchor!.conversationId}`, "N:9000"])}`).toString("base64");
    let page: any;
    const cost = await rowsRead(t.db, async () => (page = ok(await t.gql(query, { id, after: cursor }, { token: longToken }))));
    expect(page.node.messages.edges.map((e: any) => e.node.position)).toEqual(Array.from({ length: 20 }, (_, k) => 9_001 + k));
    expect(cost.byTable.get("messages") ?? 0).toBeLessThanOrEqual(50);
  });

  it("reads a deep page under the conversation root field with a LIMIT, forwards and backwards", async () => {
    // Under a parent, Prisma drops the LIMIT of a relation that has a cursor; the page must still read
    // only its own rows (src/db/seek-pages.ts).
    const query = `query($id: ID!, $after: String, $before: String, $first: Int, $last: Int) { conversation(id: $id) {
      messages(first: $first, last: $last, after: $after, before: $before) { pageInfo { hasNextPage hasPreviousPage } edges { node { position role content } } } } }`;
    const id = Buffer.from("Conversation:reader_long-c1").toString("base64");
    const cursor = Buffer.from(`GPC:T:${JSON.stringify(["S:reader_long-c1", "N:9000"])}`).toString("base64");
    let page: any;
    const forwards = await rowsRead(t.db, async () => (page = ok(await t.gql(query, { id, after: cursor, first: 20 }, { token: longToken }))));
    expect(page.conversation.messages.edges.map((e: any) => e.node.position)).toEqual(Array.from({ length: 20 }, (_, k) => 9_001 + k));
    expect(page.conversation.messages.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true });
    expect(forwards.byTable.get("messages") ?? 0).toBeLessThanOrEqual(50);
    const backwards = await rowsRead(t.db, async () => (page = ok(await t.gql(query, { id, before: cursor, last: 5 }, { token: longToken }))));
    expect(page.conversation.messages.edges.map((e: any) => e.node.position)).toEqual([8_995, 8_996, 8_997, 8_998, 8_999]);
    expect(page.conversation.messages.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true });
    expect(backwards.byTable.get("messages") ?? 0).toBeLessThanOrEqual(50);
  });

  it("counts totalCount with COUNT, and caps unpaginated lists at their documented size", async () => {
    const data = ok(await t.gql(`{ conversations(first: 3) { edges { node { messages(first: 1) { totalCount } } } } }`, {}, { token: longToken }));
    expect(data.conversations.edges.map((e: any) => e.node.messages.totalCount)).toEqual([10_000, 10_000, 10_000]);

    const refused = await t.gql(`{ messages(first: 1) { edges { node { toolUses(first: 1000) { id } } } } }`, {}, { token: longToken });
    expect(errorCodes(refused)).toContain("BAD_USER_INPUT");
    const capped = ok(await t.gql(`{ messages(first: 1) { edges { node { toolUses(first: 1) { toolName } toolUseCount } } } }`, {}, { token: longToken }));
    expect(capped.messages.edges[0].node.toolUses).toHaveLength(1);
    expect(capped.messages.edges[0].node.toolUseCount).toBe(2);
  });
});
