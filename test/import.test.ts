// importChat: chat exports into new or existing conversations, in time order, deduplicated, atomically.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type GraphQLResponse, type TestServer } from "./support/server.ts";
import { EventStream, whenLive, type StreamResult } from "./support/events.ts";

let t: TestServer;
let token: string;
let other: string;
const streams: EventStream[] = [];

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_import");
  other = await t.tokenFor("user_import_other");
});
afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close()));
});
afterAll(() => t?.close());

const IMPORT = `mutation($input: ImportChatInput!) { importChat(input: $input) {
  inserted duplicates
  conversation { id title startedAt metadata messageCount }
  messages { position role sender content timestamp metadata links { url domain } assets { type filename mimeType sizeBytes } } } }`;

const importChat = (input: Record<string, unknown>, as = token) => t.gql(IMPORT, { input }, { token: as });

/** Rows of the viewer's that an import may write: nothing may change when an import fails. */
async function rowCounts(externalId = "user_import") {
  const owned = { conversation: { user: { externalId } } };
  const [conversations, messages, links, assets] = await Promise.all([
    t.db.prisma.conversation.count({ where: { user: { externalId } } }),
    t.db.prisma.message.count({ where: owned }),
    t.db.prisma.link.count({ where: { message: owned } }),
    t.db.prisma.asset.count({ where: { message: owned } }),
  ]);
  return { conversations, messages, links, assets };
}

// A WhatsApp export, lines out of order as a parser that merges files might hand them over.
const EXPORT = [
  { sender: "Jonah", timestamp: "2025-06-14T09:19:00Z", content: "Photos from the one on Rua Saraiva de Carvalho:", attachments: [{ filename: "IMG-20250614-WA0007.jpg", mimeType: "image/jpeg", sizeBytes: 284133 }] },
  { sender: "Maya", timestamp: "2025-06-14T09:12:00Z", content: "Did you see the flat I sent? https://www.idealista.pt/imovel/33412345/" },
  { timestamp: "2025-06-14T09:00:00Z", content: "Messages and calls are end-to-end encrypted." },
  { sender: "Jonah", timestamp: "2025-06-14T09:19:00Z", content: "", attachments: [{ filename: "PTT-20250614-WA0008.opus" }] },
  { sender: " Flatbot ", timestamp: "2025-06-14T09:30:00Z", content: "New listing: https://www.idealista.pt/imovel/99/ (2 rooms)", metadata: { edited: true } },
];

describe("importChat into a new conversation", () => {
  it("stores the export in time order with senders, roles, links and attachments as assets", async () => {
    const data = ok(
      await importChat({
        conversation: { title: "WhatsApp chat with Maya", metadata: { participants: ["Maya", "Jonah"] } },
        source: "whatsapp",
        assistantSenders: ["flatbot"],
        messages: EXPORT,
      }),
    ).importChat;

    expect(data.inserted).toBe(5);
    expect(data.duplicates).toBe(0);
    expect(data.conversation).toMatchObject({
      title: "WhatsApp chat with Maya",
      startedAt: "2025-06-14T09:00:00.000Z",
      metadata: { participants: ["Maya", "Jonah"], source: "whatsapp" },
      messageCount: 5,
    });
    expect(data.messages).toEqual([
      {
        position: 1,
        role: "SYSTEM",
        sender: null,
        content: "Messages and calls are end-to-end encrypted.",
        timestamp: "2025-06-14T09:00:00.000Z",
        metadata: { source: "whatsapp" },
        links: [],
        assets: [],
      },
      {
        position: 2,
        role: "USER",
        sender: "Maya",
        content: "Did you see the flat I sent? https://www.idealista.pt/imovel/33412345/",
        timestamp: "2025-06-14T09:12:00.000Z",
        metadata: { source: "whatsapp" },
        links: [{ url: "https://www.idealista.pt/imovel/33412345/", domain: "www.idealista.pt" }],
        assets: [],
      },
      {
        // Same timestamp as the next one: the export's order decides.
        position: 3,
        role: "USER",
        sender: "Jonah",
        content: "Photos from the one on Rua Saraiva de Carvalho:",
        timestamp: "2025-06-14T09:19:00.000Z",
        metadata: { source: "whatsapp" },
        links: [],
        assets: [{ type: "image", filename: "IMG-20250614-WA0007.jpg", mimeType: "image/jpeg", sizeBytes: 284133 }],
      },
      {
        position: 4,
        role: "USER",
        sender: "Jonah",
        content: "<attached: PTT-20250614-WA0008.opus>",
        timestamp: "2025-06-14T09:19:00.000Z",
        metadata: { source: "whatsapp" },
        links: [],
        assets: [{ type: "audio", filename: "PTT-20250614-WA0008.opus", mimeType: null, sizeBytes: null }],
      },
      {
        position: 5,
        role: "ASSISTANT",
        sender: "Flatbot",
        content: "New listing: https://www.idealista.pt/imovel/99/ (2 rooms)",
        timestamp: "2025-06-14T09:30:00.000Z",
        metadata: { edited: true, source: "whatsapp" },
        links: [{ url: "https://www.idealista.pt/imovel/99/", domain: "www.idealista.pt" }],
        assets: [],
      },
    ]);

    // And that is what the conversation holds, read back through the API.
    const stored = ok(
      await t.gql(`query($id: ID!) { conversation(id: $id) { messages(first: 10) { edges { node { position sender content } } } } }`, { id: data.conversation.id }, { token }),
    ).conversation.messages.edges.map((e: any) => e.node);
    expect(stored.map((m: any) => m.position)).toEqual([1, 2, 3, 4, 5]);
    expect(stored.map((m: any) => m.sender)).toEqual([null, "Maya", "Jonah", "Jonah", "Flatbot"]);
  });

  it("keeps every real repeated line, skips a line repeated whole, and lets a message's role override the sender's", async () => {
    const data = ok(
      await importChat({
        conversation: { title: "Repeats" },
        messages: [
          { sender: "Ana", timestamp: "2025-01-01T10:05:00Z", content: "ok" },
          { sender: "Ana", timestamp: "2025-01-01T10:00:00Z", content: "ok" },
          { sender: "Ben", timestamp: "2025-01-01T10:00:00Z", content: "ok" },
          { sender: "Ana", timestamp: "2025-01-01T10:00:00Z", content: "ok" },
          { sender: "Ana", timestamp: "2025-01-01T10:06:00Z", content: "yes", externalId: "line:5" },
          { sender: "Ana", timestamp: "2025-01-01T10:06:00Z", content: "yes", externalId: "line:6" },
          { sender: "GPT", timestamp: "2025-01-01T10:01:00Z", content: "Sure.", role: "ASSISTANT" },
        ],
      }),
    ).importChat;
    expect(data).toMatchObject({ inserted: 6, duplicates: 1, conversation: { startedAt: "2025-01-01T10:00:00.000Z", metadata: null } });
    expect(data.messages.map((m: any) => [m.position, m.role, m.sender, m.content, m.timestamp])).toEqual([
      [1, "USER", "Ana", "ok", "2025-01-01T10:00:00.000Z"],
      [2, "USER", "Ben", "ok", "2025-01-01T10:00:00.000Z"],
      [3, "ASSISTANT", "GPT", "Sure.", "2025-01-01T10:01:00.000Z"],
      [4, "USER", "Ana", "ok", "2025-01-01T10:05:00.000Z"],
      [5, "USER", "Ana", "yes", "2025-01-01T10:06:00.000Z"],
      [6, "USER", "Ana", "yes", "2025-01-01T10:06:00.000Z"],
    ]);
  });
});

describe("importChat into an existing conversation", () => {
  it("adds nothing when the same export is imported again, and only the new lines of a longer export", async () => {
    const first = ok(await importChat({ conversation: { title: "Re-import" }, source: "whatsapp", messages: EXPORT })).importChat;
    const id = first.conversation.id;
    const before = await rowCounts();

    const again = ok(await importChat({ conversationId: id, source: "whatsapp", messages: [...EXPORT].reverse() })).importChat;
    expect(again).toMatchObject({ inserted: 0, duplicates: EXPORT.length, messages: [], conversation: { id, messageCount: 5 } });
    expect(await rowCounts()).toEqual(before);

    const longer = [
      ...EXPORT,
      { sender: "Maya", timestamp: "2025-06-15T08:00:00Z", content: "Booked a viewing for Tuesday" },
      { sender: "Jonah", timestamp: "2025-06-14T22:00:00Z", content: "Checked the area on https://maps.example.com/?q=Campo+de+Ourique" },
    ];
    const overlap = ok(await importChat({ conversationId: id, messages: longer })).importChat;
    expect(overlap.inserted).toBe(2);
    expect(overlap.duplicates).toBe(5);
    expect(overlap.messages.map((m: any) => [m.position, m.sender, m.links.map((l: any) => l.domain)])).toEqual([
      [6, "Jonah", ["maps.example.com"]],
      [7, "Maya", []],
    ]);
    expect(overlap.conversation.messageCount).toBe(7);
  });
});

describe("importChat input", () => {
  const line = { sender: "Ana", timestamp: "2025-03-01T12:00:00Z", content: "hello" };
  let existingId: string;

  beforeAll(async () => {
    existingId = ok(await importChat({ conversation: { title: "Target" }, messages: [line] })).importChat.conversation.id;
  });

  it.each([
    ["empty content", { conversation: { title: "Bad" }, messages: [line, { ...line, content: "  " }] }, "input.messages[1].content must not be empty"],
    ["a timestamp that is not a date", { conversation: { title: "Bad" }, messages: [{ ...line, timestamp: "yesterday-ish" }] }, "DateTime is not a valid date"],
    ["a missing timestamp", { conversation: { title: "Bad" }, messages: [{ sender: "Ana", content: "hi" }] }, "timestamp"],
    ["both an existing and a new conversation", { conversationId: "__existing__", conversation: { title: "Bad" }, messages: [line] }, "not both"],
    ["neither an existing nor a new conversation", { messages: [line] }, "Give input.conversationId"],
    ["an id of another type", { conversationId: "TWVzc2FnZTp4", messages: [line] }, "input.conversationId must be the id of a Conversation"],
    ["metadata that is not an object", { conversation: { title: "Bad" }, messages: [{ ...line, metadata: ["x"] }] }, "input.messages[0].metadata must be a JSON object"],
    ["an empty sender", { conversation: { title: "Bad" }, messages: [{ ...line, sender: "" }] }, "input.messages[0].sender must not be empty"],
    ["a negative attachment size", { conversation: { title: "Bad" }, messages: [{ ...line, attachments: [{ filename: "a.png", sizeBytes: -1 }] }] }, "input.messages[0].attachments[0].sizeBytes"],
    ["more than 5,000 messages", { conversation: { title: "Bad" }, messages: Array.from({ length: 5001 }, (_, i) => ({ ...line, content: `m${i}` })) }, "at most 5000 messages"],
  ])("refuses %s with BAD_USER_INPUT and writes nothing", async (_name, input, message) => {
    const resolved = { ...input, ...("conversationId" in input && input.conversationId === "__existing__" ? { conversationId: existingId } : {}) };
    const before = await rowCounts();
    const response = await importChat(resolved);
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0].message).toContain(message);
    expect(await rowCounts()).toEqual(before);
  });

  it("names the caller's index of a bad message, not its place in time order", async () => {
    const response = await importChat({
      conversation: { title: "Bad" },
      messages: [
        { ...line, timestamp: "2025-03-01T12:09:00Z", content: "late" },
        { ...line, timestamp: "2025-03-01T12:00:00Z", content: "x".repeat(1_000_001) },
      ],
    });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0].message).toContain("input.messages[1].content must be at most");
  });

  it("answers NOT_FOUND for another user's conversation and writes nothing", async () => {
    const before = await rowCounts();
    const response = await importChat({ conversationId: existingId, messages: [{ ...line, content: "intruder" }] }, other);
    expect(errorCodes(response)).toEqual(["NOT_FOUND"]);
    expect(await rowCounts()).toEqual(before);
    expect(await t.db.prisma.message.count({ where: { content: "intruder" } })).toBe(0);
  });

  it("leaves no conversation behind when the database rejects part of the import", async () => {
    const before = await rowCounts();
    // PostgreSQL's jsonb rejects \u0000: the asset insert fails after the conversation and its messages were inserted.
    const response = await importChat({
      conversation: { title: "Half an import" },
      messages: [line, { ...line, content: "with a file", attachments: [{ filename: "a.pdf", metadata: { note: "nul \u0000 here" } }] }],
    });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0].message).toContain("The database rejected a value");
    expect(await rowCounts()).toEqual(before);
    expect(await t.db.prisma.conversation.count({ where: { title: "Half an import" } })).toBe(0);
  });
});

describe("importChat cost and events", () => {
  it("imports 100 messages in as many SQL statements as 10", async () => {
    const exportOf = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        sender: i % 2 ? "Maya" : "Jonah",
        timestamp: new Date(Date.UTC(2025, 0, 1, 0, n - i)).toISOString(),
        content: `line ${i} of ${n}, see https://example.com/${n}/${i}`,
        attachments: [{ filename: `IMG-${n}-${i}.jpg` }],
      }));
    const cost = async (n: number) => {
      let inserted = 0;
      const { count } = await t.countStatements(async () => {
        inserted = ok(await t.gql(`mutation($input: ImportChatInput!) { importChat(input: $input) { inserted } }`, { input: { conversation: { title: `Cost ${n}` }, messages: exportOf(n) } }, { token })).importChat.inserted;
      });
      expect(inserted).toBe(n);
      return count;
    };
    const small = await cost(10);
    expect(await cost(100)).toBe(small);
    // A handful: who is asking, the transaction's statements, the payload.
    expect(small).toBeLessThan(15);
  });

  it("imports 5,000 messages in one call", async () => {
    const messages = Array.from({ length: 5000 }, (_, i) => ({ sender: "Ana", timestamp: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(), content: `message ${i}` }));
    const data = ok(await t.gql(`mutation($input: ImportChatInput!) { importChat(input: $input) { inserted conversation { messageCount lastMessage { position content } } } }`, { input: { conversation: { title: "Big" }, messages } }, { token })).importChat;
    expect(data).toEqual({ inserted: 5000, conversation: { messageCount: 5000, lastMessage: { position: 5000, content: "message 4999" } } });
  }, 60_000);

  it("publishes messageAdded for each imported message, in order", async () => {
    const id = ok(await importChat({ conversation: { title: "Watched import" }, messages: [{ sender: "Ana", timestamp: "2025-05-01T00:00:00Z", content: "start" }] })).importChat.conversation.id;
    const stream = new EventStream(t.wsClient(token).iterate({ query: `subscription($id: ID) { messageAdded(conversationId: $id) { content position sender } }`, variables: { id } }));
    streams.push(stream);
    const pings = await whenLive(
      [stream],
      async (i) => {
        ok(await importChat({ conversationId: id, messages: [{ timestamp: "2025-05-01T00:00:00Z", content: `ping ${i}` }] }));
        return `ping ${i}`;
      },
      (result: StreamResult) => result.data?.messageAdded?.content,
    );

    const response: GraphQLResponse = await importChat({
      conversationId: id,
      messages: [
        { sender: "Ben", timestamp: "2025-05-01T00:02:00Z", content: "second" },
        { sender: "Ana", timestamp: "2025-05-01T00:01:00Z", content: "first" },
        { sender: "Ana", timestamp: "2025-05-01T00:00:00Z", content: "start" },
      ],
    });
    expect(ok(response).importChat).toMatchObject({ inserted: 2, duplicates: 1 });
    expect(await stream.take(2)).toEqual([
      { messageAdded: { content: "first", position: pings + 2, sender: "Ana" } },
      { messageAdded: { content: "second", position: pings + 3, sender: "Ben" } },
    ]);
    expect(await stream.hasResultWithin(200)).toBe(false);
  });
});
