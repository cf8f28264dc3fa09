// The importers, as a source team would run them: each format's fixture through the CLI's code path
// (runImport → importConversation over real HTTP), twice, and as an upload (importConversations).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";
import { runImport, formatSummary } from "../src/import/run.ts";

const FIXTURES = path.join(import.meta.dirname, "fixtures/import");
let t: TestServer;
let tmp: string;

beforeAll(async () => {
  t = await startTestServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-import-"));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function importAs(user: string, format: string, paths: string[], extra: { stateFile?: string; batchSize?: number; fresh?: boolean } = {}) {
  const token = await t.tokenFor(user);
  return runImport({ format, paths: paths.map((p) => path.join(FIXTURES, p)), target: { url: t.url, token }, fresh: true, ...extra });
}

async function contents(user: string) {
  const token = await t.tokenFor(user);
  const data = ok(
    await t.gql(
      `{ conversations(first: 20, orderBy: [{ startedAt: Asc }]) { edges { node { externalId title projectPath startedAt endedAt
         messages(first: 100) { edges { node { externalId role sender content timestamp agentType agentName
           toolUses { externalId toolName status durationMs parameters response } assets { type filename } } } } } } } }`,
      {},
      { token },
    ),
  );
  return data.conversations.edges.map((e: any) => ({ ...e.node, messages: e.node.messages.edges.map((m: any) => m.node) }));
}

const counts = async (externalId: string) => ({
  conversations: await t.db.prisma.conversation.count({ where: { user: { externalId } } }),
  messages: await t.db.prisma.message.count({ where: { conversation: { user: { externalId } } } }),
  toolUses: await t.db.prisma.toolUse.count({ where: { message: { conversation: { user: { externalId } } } } }),
  assets: await t.db.prisma.asset.count({ where: { message: { conversation: { user: { externalId } } } } }),
});

describe("claude-code", () => {
  it("imports a session log: turns, tool calls with results, errors and durations, sidechains; again adds nothing", async () => {
    const first = await importAs("cc_user", "claude-code", ["claude-code"]);
    expect(first).toMatchObject({ files: 1, conversations: 1, created: 1, messages: 11, duplicates: 0, toolUses: 3, skipped: { "thinking blocks": 1 } });
    const [session] = await contents("cc_user");
    expect(session).toMatchObject({
      externalId: "claude-code:6f1c2a9e-3b7d-4e2f-9a51-0c8d7e4b2a10",
      title: "Fix flaky checkout discount test",
      projectPath: "/home/dev/app",
      startedAt: "2025-07-02T14:00:00.000Z",
      endedAt: "2025-07-02T14:02:01.000Z",
    });
    const byId = Object.fromEntries(session.messages.map((m: any) => [m.externalId, m]));
    expect(byId["a-002"].toolUses).toEqual([
      {
        externalId: "toolu_01",
        toolName: "Bash",
        status: "ERROR",
        durationMs: 8250,
        parameters: { command: "npx vitest run test/checkout.test.ts", description: "Run the checkout test" },
        response: "FAIL test/checkout.test.ts > applies the discount\nAssertionError: expected 90 to be 81",
      },
    ]);
    expect(byId["a-004"]).toMatchObject({ content: "", toolUses: [{ toolName: "Read", status: "SUCCESS", durationMs: 420 }] });
    expect(byId["a-006"]).toMatchObject({ agentType: "sidechain", agentName: "claude-3-5-haiku-20241022" });
    // Every repeated short line is kept: "yes" twice, and "ok" twice in the same second.
    expect(session.messages.filter((m: any) => m.content === "yes").map((m: any) => m.externalId)).toEqual(["u-008", "u-012"]);
    expect(session.messages.filter((m: any) => m.content === "ok").map((m: any) => m.externalId)).toEqual(["a-013", "a-014"]);

    const before = await counts("cc_user");
    const again = await importAs("cc_user", "claude-code", ["claude-code"]);
    expect(again).toMatchObject({ created: 0, messages: 0, duplicates: 11, toolUses: 0 });
    expect(await counts("cc_user")).toEqual(before);
  });
});

describe("chatgpt", () => {
  it("follows the current branch of the mapping tree, keeps repeated lines and images; again adds nothing", async () => {
    const first = await importAs("gpt_user", "chatgpt", ["chatgpt/conversations.json"]);
    expect(first).toMatchObject({
      conversations: 2,
      created: 2,
      messages: 12,
      skipped: { "messages on other branches (edits, regenerations)": 2, "hidden messages (system prompt, custom instructions)": 1 },
    });
    const [lisbon, quick] = await contents("gpt_user");
    expect(lisbon.messages.map((m: any) => [m.role, m.content])).toEqual([
      ["USER", "Plan a 3-day trip to Lisbon"],
      ["ASSISTANT", "Day 1: Alfama and the castle. Day 2: Belém. Day 3: Sintra."],
      ["USER", "ok"],
      ["ASSISTANT", "Anything else?"],
      ["USER", "Is this tram the 28?"],
      ["ASSISTANT", "Yes, that's the 28 on Rua da Graça."],
      ["USER", "ok"],
      ["ASSISTANT", "ok"],
    ]);
    expect(lisbon.messages[4].assets).toEqual([{ type: "image", filename: null }]);
    expect(lisbon.messages[1].agentName).toBe("gpt-4o");
    expect(quick.messages.filter((m: any) => m.content === "yes")).toHaveLength(2);
    const before = await counts("gpt_user");
    expect(await importAs("gpt_user", "chatgpt", ["chatgpt"])).toMatchObject({ created: 0, messages: 0, duplicates: 12 });
    expect(await counts("gpt_user")).toEqual(before);
  });
});

describe("claude", () => {
  it("imports a Claude.ai export with attachments and tool use; again adds nothing", async () => {
    const first = await importAs("claude_user", "claude", ["claude"]);
    expect(first).toMatchObject({ conversations: 1, created: 1, messages: 5, toolUses: 1 });
    const [refactor] = await contents("claude_user");
    expect(refactor.title).toBe("Refactor the billing module");
    expect(refactor.messages.map((m: any) => m.content)).toEqual([
      "Here is billing.py, can you split it?",
      "Sure: invoices.py and payments.py.",
      "ok",
      "Stripe supports idempotency keys on POST.",
      "ok",
    ]);
    expect(refactor.messages[0].assets).toEqual([{ type: "document", filename: "billing.py" }]);
    expect(refactor.messages[3].toolUses).toMatchObject([{ toolName: "web_search", status: "SUCCESS", parameters: { query: "python stripe idempotency keys" } }]);
    const before = await counts("claude_user");
    expect(await importAs("claude_user", "claude", ["claude"])).toMatchObject({ messages: 0, duplicates: 5 });
    expect(await counts("claude_user")).toEqual(before);
  });
});

describe("whatsapp", () => {
  it("reads Android and iOS exports: multi-line messages, senders, system lines, media, every repeated line; again adds nothing", async () => {
    const first = await importAs("wa_user", "whatsapp", ["whatsapp"], { batchSize: 4 });
    expect(first).toMatchObject({ files: 2, conversations: 2, created: 2, messages: 19, duplicates: 0 });
    const [maya, anaBen] = await contents("wa_user");
    expect(maya.title).toBe("WhatsApp Chat with Maya");
    expect(maya.messages.filter((m: any) => m.role === "SYSTEM").map((m: any) => m.content)).toEqual([
      "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.",
      'Maya created group "Lisbon flat hunt"',
      "Maya added Jonah",
      'Maya changed the subject from "Lisbon flat hunt" to "Lisbon: flats"',
    ]);
    expect(maya.messages.filter((m: any) => m.content === "ok").map((m: any) => [m.sender, m.timestamp])).toEqual([
      ["Jonah", "2025-06-14T09:13:00.000Z"],
      ["Jonah", "2025-06-14T09:13:00.000Z"],
      ["Maya", "2025-06-15T18:02:00.000Z"],
    ]);
    expect(maya.messages.filter((m: any) => m.content === "<Media omitted>")).toHaveLength(2);
    expect(maya.messages.find((m: any) => m.content.startsWith("It has two rooms")).content).toBe("It has two rooms,\na balcony over the tram line\nand the rent is €1,400: not bad");
    expect(maya.messages.find((m: any) => m.content.startsWith("IMG-")).assets).toEqual([{ type: "image", filename: "IMG-20250614-WA0007.jpg" }]);
    expect(anaBen.messages.map((m: any) => [m.sender, m.content, m.timestamp])).toEqual([
      ["Ana", "Are we still on for lunch?", "2025-06-14T09:12:04.000Z"],
      ["Ben", "yes", "2025-06-14T09:12:30.000Z"],
      ["Ben", "yes", "2025-06-14T09:12:30.000Z"],
      ["Ana", "image omitted", "2025-06-14T09:13:01.000Z"],
      ["Ben", "<attached: 00000012-PHOTO-2025-06-14-13-05-45.jpg>", "2025-06-14T13:05:45.000Z"],
      ["Ana", "👍", "2025-06-14T13:06:10.000Z"],
    ]);
    const before = await counts("wa_user");
    expect(await importAs("wa_user", "whatsapp", ["whatsapp"])).toMatchObject({ created: 0, messages: 0, duplicates: 19 });
    expect(await counts("wa_user")).toEqual(before);
  });

  it("resumes: batches an earlier run finished are not sent again", async () => {
    const stateFile = path.join(tmp, "state.json");
    const first = await importAs("wa_resume", "whatsapp", ["whatsapp/WhatsApp Chat with Maya.txt"], { stateFile, batchSize: 5, fresh: false });
    expect(first.messages).toBe(13);
    // As if the run had stopped after its first batch: the state says 5 were sent.
    const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
    for (const key of Object.keys(state)) state[key] = 5;
    fs.writeFileSync(stateFile, JSON.stringify(state));
    await t.db.prisma.message.deleteMany({ where: { conversation: { user: { externalId: "wa_resume" } }, position: { gt: 5 } } });
    const resumed = await importAs("wa_resume", "whatsapp", ["whatsapp/WhatsApp Chat with Maya.txt"], { stateFile, batchSize: 5, fresh: false });
    expect(resumed).toMatchObject({ resumed: 5, messages: 8, duplicates: 0 });
    expect((await counts("wa_resume")).messages).toBe(13);
    expect(formatSummary(resumed)).toMatch(/8 imported, 0 already there, 5 skipped as sent by an earlier run/);
  });
});

describe("bad files", () => {
  it("refuses truncated JSON, the wrong format and binary files with a clear message, and writes nothing", async () => {
    await expect(importAs("bad_user", "chatgpt", ["truncated.json"])).rejects.toThrow(/truncated\.json is not valid JSON .*cut short/);
    await expect(importAs("bad_user", "claude", ["chatgpt/conversations.json"])).rejects.toThrow(/not a Claude\.ai export/);
    await expect(importAs("bad_user", "claude-code", ["whatsapp/WhatsApp Chat with Maya.txt"])).rejects.toThrow(/not a Claude Code session log/);
    await expect(importAs("bad_user", "whatsapp", ["binary.bin"])).rejects.toThrow(/binary\.bin is a binary file/);
    // One bad file among good ones: nothing of any of them is sent.
    await expect(importAs("bad_user", "chatgpt", ["chatgpt/conversations.json", "truncated.json"])).rejects.toThrow(/nothing was imported/);
    expect(await counts("bad_user")).toEqual({ conversations: 0, messages: 0, toolUses: 0, assets: 0 });
  });
});

describe("importConversations (uploads)", () => {
  const UPLOAD = `mutation($format: ImportFormat!, $content: String!, $name: String) { importConversations(format: $format, content: $content, name: $name) {
    created inserted duplicates toolUses skipped { reason count } conversations { externalId title messageCount } } }`;

  it("imports an uploaded file with the same parsers, and nothing more the second time", async () => {
    const token = await t.tokenFor("upload_user");
    const content = fs.readFileSync(path.join(FIXTURES, "claude-code/-home-dev-app/6f1c2a9e-3b7d-4e2f-9a51-0c8d7e4b2a10.jsonl"), "utf8");
    const first = ok(await t.gql(UPLOAD, { format: "CLAUDE_CODE", content, name: "session.jsonl" }, { token })).importConversations;
    expect(first).toMatchObject({ created: 1, inserted: 11, duplicates: 0, toolUses: 3, skipped: [{ reason: "thinking blocks", count: 1 }] });
    expect(first.conversations).toEqual([{ externalId: "claude-code:6f1c2a9e-3b7d-4e2f-9a51-0c8d7e4b2a10", title: "Fix flaky checkout discount test", messageCount: 11 }]);
    const again = ok(await t.gql(UPLOAD, { format: "CLAUDE_CODE", content, name: "session.jsonl" }, { token })).importConversations;
    expect(again).toMatchObject({ created: 0, inserted: 0, duplicates: 11 });
    const wa = fs.readFileSync(path.join(FIXTURES, "whatsapp/WhatsApp Chat with Maya.txt"), "utf8");
    const chat = ok(await t.gql(UPLOAD, { format: "WHATSAPP", content: wa, name: "WhatsApp Chat with Maya.txt" }, { token })).importConversations;
    expect(chat).toMatchObject({ created: 1, inserted: 13 });
  });

  it("refuses a bad upload with BAD_USER_INPUT and writes nothing", async () => {
    const token = await t.tokenFor("upload_bad");
    const truncated = fs.readFileSync(path.join(FIXTURES, "truncated.json"), "utf8");
    const response = await t.gql(UPLOAD, { format: "CHATGPT", content: truncated }, { token });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0].message).toMatch(/not valid JSON/);
    const wrong = await t.gql(UPLOAD, { format: "CLAUDE", content: fs.readFileSync(path.join(FIXTURES, "chatgpt/conversations.json"), "utf8") }, { token });
    expect(wrong.errors![0].message).toMatch(/not a Claude\.ai export/);
    const binary = await t.gql(UPLOAD, { format: "WHATSAPP", content: "PNG\u0000\u0000" }, { token });
    expect(binary.errors![0].message).toMatch(/binary file/);
    expect(await counts("upload_bad")).toEqual({ conversations: 0, messages: 0, toolUses: 0, assets: 0 });
  });
});
