// Threadline's own export: everything exportViewer gives, imported into an empty server, gives the
// same data back (ids aside); importing it again adds nothing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, startTestServer, type TestServer } from "./support/server.ts";
import { runImport } from "../src/import/run.ts";
import { runExport } from "../src/import/threadline.ts";

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
  await gql(
    `mutation($id: ID!) { createMemories(inputs: [
      { content: "Rita prefers short answers", kind: "preference", importance: 8, tags: ["style"], accessCount: 4, createdAt: "2023-06-01T00:00:00Z", conversationId: $id },
      { content: "Tides follow the moon", externalId: "mem-2", summary: "tides", participants: ["Rita"], confidence: 0.9 } ]) { id } }`,
    { id: chat },
  );
}

/** The export with the ids of this server taken out and references made comparable. */
async function normalisedExport(t: TestServer, token: string) {
  const lines: string[] = [];
  await runExport({ url: t.url, token }, (line) => lines.push(line));
  const records = lines.map((line) => JSON.parse(line));
  const conversationKey = new Map(records.filter((r) => r.record === "conversation").map((c) => [c.id, c.externalId ?? c.title]));
  return records
    .map(({ id, conversationId, externalId, ...rest }) => ({
      ...rest,
      conversation: conversationId === undefined ? undefined : conversationKey.get(conversationId) ?? null,
      // A record that had no source id there is given `threadline:<its id there>`.
      sourced: externalId != null && !String(externalId).startsWith("threadline:") ? externalId : null,
    }))
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
    expect(exported).toBe(1 + 2 + 5 + 1 + 1 + 2);

    const targetToken = await target.tokenFor("rita-elsewhere");
    const first = await runImport({ format: "threadline", paths: [file], target: { url: target.url, token: targetToken }, fresh: true });
    expect(first).toMatchObject({ conversations: 2, created: 2, messages: 5, duplicates: 0, toolUses: 1, records: { stored: 4, alreadyThere: 0 } });

    const before = await normalisedExport(source, sourceToken);
    const after = await normalisedExport(target, targetToken);
    // The conversation without a source id is known there by its title, here by threadline:<id>: compare the rest.
    const withoutKeys = (list: any[]) => list.map(({ conversation: _c, ...rest }) => rest);
    expect(withoutKeys(after)).toEqual(withoutKeys(before));
    expect(after.filter((r: any) => r.record === "message").map((r: any) => r.content).sort()).toEqual(["", "ok", "ok", "yes", "yes"]);

    const again = await runImport({ format: "threadline", paths: [file], target: { url: target.url, token: targetToken }, fresh: true });
    expect(again).toMatchObject({ created: 0, messages: 0, duplicates: 5, records: { stored: 0, alreadyThere: 4 } });
    expect(await normalisedExport(target, targetToken)).toEqual(after);
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
