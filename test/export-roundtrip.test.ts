// Threadline's own export: everything exportViewer gives, imported into an empty server, gives the
// same data back (ids aside); importing it again adds nothing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, startTestServer, type TestServer } from "./support/server.ts";
import { runImport } from "../src/import/run.ts";
import { runExport } from "../src/import/threadline.ts";
import { ownedBy } from "../src/auth/ownership.ts";
import { EXPORTED } from "../src/schema/imports/export.ts";

let source: TestServer;
let target: TestServer;
let tmp: string;

beforeAll(async () => {
  [source, target] = await Promise.all([startTestServer(), startTestServer()]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-export-"));
});
afterAll(async () => {
  await Promise.all([source?.close(), target?.close()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function seed(t: TestServer, token: string) {
  const gql = (q: string, v?: Record<string, unknown>) => t.gql(q, v, { token }).then(ok);
  await gql(`mutation { updateViewer(input: { name: "Rita Round", email: "rita@example.com", preferences: { theme: "dark" } }) { id } }`);
  const debate = (
    await gql(`mutation { createConversation(input: { title: "Is the article right?", status: COMPLETED, consensusReached: true, finalRecommendation: "publish",
      confidenceScore: 0.8, startedAt: "2024-01-01T10:00:00Z", endedAt: "2024-01-01T11:00:00Z", createdAt: "2024-01-01T09:59:00Z",
      contentSource: { type: "article", title: "Tides", url: "https://news.example/tides", author: "K. Moon", publishedAt: "2023-12-30T00:00:00Z" },
      flow: { step: 3 }, metadata: { team: "debate" } }) { id } }`)
  ).createConversation.id;
  const chat = (await gql(`mutation { createConversation(input: { title: "Chat", externalId: "wa:chat-1", projectPath: "/srv/app" }) { id } }`)).createConversation.id;
  await gql(
    `mutation($id: ID!) { appendMessages(conversationId: $id, messages: [
      { role: USER, sender: "Rita", content: "ok", timestamp: "2024-01-01T10:01:00Z" },
      { role: USER, sender: "Rita", content: "ok", timestamp: "2024-01-01T10:02:00Z" },
      { role: ASSISTANT, agentType: "critic", agentName: "Critic", content: "", confidence: 0.6, citedSources: ["https://a.example"], timestamp: "2024-01-01T10:03:00Z",
        toolCalls: [{ id: "t1" }], toolUses: [{ externalId: "t1", toolName: "search", status: ERROR, durationMs: 120, parameters: { q: "tides" }, response: { error: "timeout" } }],
        assets: [{ type: "image", filename: "chart.png", mimeType: "image/png", sizeBytes: 10 }] } ]) { inserted } }`,
    { id: debate },
  );
  await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "yes", externalId: "line:1", timestamp: "2024-02-01T08:00:00Z" }, { role: USER, content: "yes", externalId: "line:2", timestamp: "2024-02-01T08:00:00Z" }]) { inserted } }`, { id: chat });
  await gql(`mutation($id: ID!) { createAction(conversationId: $id, type: "deploy", payload: { env: "prod" }, status: COMPLETED, result: { url: "https://x.example" }, createdAt: "2024-01-01T10:30:00Z") { id } }`, { id: debate });
  await gql(`mutation($id: ID!) { createPreview(conversationId: $id, url: "https://p.example", deploymentId: "dep-1", status: LIVE) { id } }`, { id: debate });
  const messages = (await gql(`query($id: ID!) { conversation(id: $id) { messages(first: 10) { edges { node { id } } } } }`, { id: chat })).conversation.messages.edges.map((e: any) => e.node.id);
  await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "see the map", links: ["https://maps.example/tides"], timestamp: "2024-02-01T08:01:00Z" }]) { inserted } }`, { id: chat });
  const [short, tides, again] = (
    await gql(
      `mutation($id: ID!, $from: [ID!]) { createMemories(inputs: [
        { content: "Rita prefers short answers", kind: "preference", importance: 8, tags: ["style"], accessCount: 4, createdAt: "2023-06-01T00:00:00Z", conversationId: $id, sourceMessageIds: $from },
        { content: "Tides follow the moon", externalId: "mem-2", summary: "tides", participants: ["Rita"], confidence: 0.9 },
        { content: "Tides follow the moon, mostly", tags: ["tides"] } ]) { id } }`,
      { id: chat, from: messages },
    )
  ).createMemories.map((m: any) => m.id);
  // Everything else a user can own: the emotional and quality records, clusters, merges, chunks, the board.
  await gql(
    `mutation($chat: ID!, $debate: ID!, $short: ID!, $tides: ID!, $again: ID!, $message: ID!) {
      a: setEmotionalContext(memoryId: $short, input: { mood: "calm", intensity: 0.3, themes: ["style"], markers: ["short"] }) { id }
      b: setEmotionalContext(messageId: $message, input: { mood: "agreeable", intensity: 0.2 }) { id }
      c: recordRelationshipDynamics(conversationId: $debate, input: { participants: ["Critic", "Rita"], closeness: 0.4, tension: 0.6, patterns: { interruptions: 2 } }) { id }
      d: recordRelationshipDynamics(memoryId: $short, input: { participants: ["Rita"], support: 0.9 }) { id }
      e: recordValidation(memoryId: $short, input: { status: NEEDS_REVIEW, errors: [{ rule: "x" }], results: [{ rule: "has_tags", passed: true }, { rule: "x", passed: false, severity: WARNING, message: "no" }] }) { id }
      f: recordQualityMetrics(memoryId: $short, input: { completeness: 0.8, accuracy: 0.6, dimensions: { depth: 0.5 } }) { id }
      g: recordAnalysis(input: { memoryId: $short, analyzer: "extractor", version: "1", status: RUNNING, config: { k: 1 } }) { id }
      h: recordAnalysis(input: { conversationId: $debate, analyzer: "debate-judge", status: COMPLETED }) { id }
      i: mergeMemories(keepId: $tides, mergeIds: [$again], strategy: "embedding_similarity") { memory { id } }
      j: createMemoryCluster(input: { name: "Style", themes: ["style"], description: "How Rita likes it", members: [{ memoryId: $short, score: 0.9 }, { memoryId: $tides, score: 0.4 }] }) { id }
      k: upsertChunks(conversationId: $chat, chunks: [{ chunkIndex: 0, chunkText: "yes yes", metadata: { tokens: 2 } }]) { id }
      l: createEpic(input: { title: "Import everything", priority: HIGH, quarter: "2024-Q1" }) { id }
      m: createEpic(input: { title: "Export everything", status: IN_PROGRESS }) { id }
    }`,
    { chat, debate, short, tides, again, message: messages[0] },
  );
  await gql(
    `mutation($chat: ID!, $message: ID!) {
      a: recordMoodScore(conversationId: $chat, input: { participant: "Rita", score: 0.2, label: "flat", measuredAt: "2024-02-01T08:00:00Z", messageId: $message }) { id }
      b: recordMoodScore(conversationId: $chat, input: { participant: "Rita", score: 0.7, label: "bright", measuredAt: "2024-02-01T09:00:00Z", factors: { sun: 1 } }) { delta { id } }
      c: recordTurningPoint(conversationId: $chat, input: { type: "lift", magnitude: 0.5, occurredAt: "2024-02-01T09:00:00Z", description: "sun came out" }) { id }
    }`,
    { chat, message: messages[0] },
  );
  const delta = (await gql(`query($id: ID!) { conversation(id: $id) { moodDeltas { id } } }`, { id: chat })).conversation.moodDeltas[0].id;
  await gql(`mutation($chat: ID!, $d: ID!) { recordDeltaPattern(conversationId: $chat, input: { patternType: "recovery", deltaIds: [$d], confidence: 0.7 }) { id } }`, { chat, d: delta });
}

/** How many rows of each model the user owns, by the ownership rules themselves. */
async function ownedCounts(t: TestServer, sub: string) {
  const { id } = await t.db.prisma.user.findUniqueOrThrow({ where: { externalId: sub }, select: { id: true } });
  const counts: Record<string, number> = {};
  for (const [model, where] of Object.entries(ownedBy)) counts[model] = await (t.db.prisma as any)[model].count({ where: (where as (u: string) => object)(id) });
  return counts;
}

/** The export with the ids of this server taken out and references made comparable. */
async function normalisedExport(t: TestServer, token: string) {
  const lines: string[] = [];
  await runExport({ url: t.url, token }, (line) => lines.push(line));
  const records = lines.map((line) => JSON.parse(line));
  const conversationKey = new Map(records.filter((r) => r.record === "conversation").map((c) => [c.id, c.externalId ?? c.title]));
  // Ids of this server, as what they name: a message by its time and text, a memory by its content.
  const label = new Map<string, string>([
    ...records.filter((r) => r.record === "message").map((m): [string, string] => [m.id, `message ${m.timestamp} ${m.content}`]),
    ...records.filter((r) => r.record === "memory").map((m): [string, string] => [m.id, `memory ${m.content}`]),
  ]);
  const relabel = (value: unknown): unknown =>
    typeof value === "string" ? label.get(value) ?? value : Array.isArray(value) ? value.map(relabel) : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relabel(v)])) : value;
  return records
    .map(({ id, conversationId, externalId, ...rest }) => ({
      ...(relabel(rest) as object),
      conversation: conversationId === undefined ? undefined : conversationKey.get(conversationId) ?? null,
      // A record that had no source id there is given `threadline:<its id there>`.
      sourced: externalId != null && !String(externalId).startsWith("threadline:") ? externalId : null,
    }))
    // Not carried (docs/IMPORT.md): when a chunk or an epic was made, and which message a chunk was cut from.
    .map((r: any) => (r.record === "chunk" || r.record === "epic" ? { ...r, createdAt: undefined, messageId: undefined } : r))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe("export → import round trip", () => {
  it("gives the same data back in an empty server, and adds nothing the second time", async () => {
    const sourceToken = await source.tokenFor("rita");
    await seed(source, sourceToken);
    const file = path.join(tmp, "rita.jsonl");
    const lines: string[] = [];
    const exported = await runExport({ url: source.url, token: sourceToken }, (line) => lines.push(line));
    fs.writeFileSync(file, lines.join("\n") + "\n");
    // user, 2 conversations, 6 messages, action, preview, 2 live memories, 2 emotional contexts, 2 dynamics, 2 mood scores, turning point,
    // delta pattern, validation, quality, 2 analyses, merge, cluster, chunk, 2 epics
    expect(exported).toBe(1 + 2 + 6 + 1 + 1 + 2 + 2 + 2 + 2 + 1 + 1 + 1 + 1 + 2 + 1 + 1 + 1 + 2);

    const targetToken = await target.tokenFor("rita-elsewhere");
    const first = await runImport({ format: "threadline", paths: [file], target: { url: target.url, token: targetToken }, fresh: true });
    expect(first).toMatchObject({ conversations: 2, created: 2, messages: 6, duplicates: 0, toolUses: 1, records: { alreadyThere: 0 } });

    // Every model the user owns (by the ownership rules) comes back row for row, but what the export says it leaves out.
    const owned = await ownedCounts(source, "rita");
    const brought = await ownedCounts(target, "rita-elsewhere");
    expect(Object.keys(EXPORTED).sort()).toEqual(Object.keys(ownedBy).sort());
    for (const [model, count] of Object.entries(owned)) {
      const where = EXPORTED[model as keyof typeof EXPORTED];
      if ("notExported" in where && model !== "moodDelta") continue;
      expect(count, `${model}: the seed holds none, so the round trip proves nothing about it`).toBeGreaterThan(0);
      // Soft-deleted memories stay behind (the merged one), and with them their memberships.
      const expected = model === "memory" ? count - 1 : count;
      expect({ model, count: brought[model] }).toEqual({ model, count: expected });
    }

    const before = await normalisedExport(source, sourceToken);
    const after = await normalisedExport(target, targetToken);
    // The conversation without a source id is known there by its title, here by threadline:<id>: compare the rest.
    const withoutKeys = (list: any[]) => list.map(({ conversation: _c, ...rest }) => rest);
    expect(withoutKeys(after)).toEqual(withoutKeys(before));
    expect(after.filter((r: any) => r.record === "message").map((r: any) => r.content).sort()).toEqual(["", "ok", "ok", "see the map", "yes", "yes"]);

    const again = await runImport({ format: "threadline", paths: [file], target: { url: target.url, token: targetToken }, fresh: true });
    expect(again).toMatchObject({ created: 0, messages: 0, duplicates: 6 });
    expect(await normalisedExport(target, targetToken)).toEqual(after);
    expect(await ownedCounts(target, "rita-elsewhere")).toEqual(brought);
  });

  it("refuses a truncated export and writes nothing", async () => {
    const file = path.join(tmp, "cut.jsonl");
    fs.writeFileSync(file, '{"record":"user","name":"x"}\n{"record":"conversation","id":"c1","tit');
    const token = await target.tokenFor("cut-user");
    await expect(runImport({ format: "threadline", paths: [file], target: { url: target.url, token } })).rejects.toThrow(/cut\.jsonl:2 is not JSON \(was the file cut short\?\)/);
    const viewer = ok(await target.gql(`{ viewer { name conversationCount } }`, {}, { token })).viewer;
    expect(viewer).toEqual({ name: null, conversationCount: 0 });
  });
});
