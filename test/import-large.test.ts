// Large files are streamed: the import command, run as its own process against a real server, holds a
// batch in memory, not the file. A 50,000-line Claude Code log and a Threadline export of 20,000
// messages each need no more live heap than files a tenth of their size, and everything arrives.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.ts";

const run = promisify(execFile);
let t: TestServer;
let tmp: string;

beforeAll(async () => {
  t = await startTestServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-large-"));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const PAD = "The quick brown fox jumps over the lazy dog. ".repeat(11); // ~500 characters a message

/** A session log of `lines` lines, in groups of four: a question, a tool call, its result, an answer. */
function writeSession(file: string, sessionId: string, lines: number) {
  const fd = fs.openSync(file, "w");
  const base = Date.parse("2025-07-01T00:00:00Z");
  const common = { sessionId, cwd: "/home/dev/big", version: "1.0.0", gitBranch: "main" };
  const at = (i: number) => new Date(base + i * 1000).toISOString();
  let out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const group = Math.floor(i / 4);
    const uuid = `${sessionId}-${i}`;
    let line: object;
    switch (i % 4) {
      case 0:
        line = { ...common, type: "user", uuid, timestamp: at(i), message: { role: "user", content: `Question ${group}: ${PAD}` } };
        break;
      case 1:
        line = {
          ...common,
          type: "assistant",
          uuid,
          timestamp: at(i),
          message: { role: "assistant", model: "claude-sonnet-4", content: [{ type: "text", text: `Let me look (${group}).` }, { type: "tool_use", id: `tool-${sessionId}-${group}`, name: "Read", input: { path: `/src/${group}.ts` } }] },
        };
        break;
      case 2:
        line = { ...common, type: "user", uuid, timestamp: at(i), message: { role: "user", content: [{ type: "tool_result", tool_use_id: `tool-${sessionId}-${group}`, content: `file ${group}: ${PAD}` }] } };
        break;
      default:
        line = { ...common, type: "assistant", uuid, timestamp: at(i), message: { role: "assistant", model: "claude-sonnet-4", content: [{ type: "text", text: `Answer ${group}: ${PAD}` }] } };
    }
    out.push(JSON.stringify(line));
    if (out.length === 1000) {
      fs.writeSync(fd, out.join("\n") + "\n");
      out = [];
    }
  }
  fs.writeSync(fd, out.join("\n") + "\n");
  fs.closeSync(fd);
}

/** A Threadline export of one conversation with `messages` messages, written as `npm run export` writes it. */
function writeExport(file: string, key: string, messages: number) {
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, JSON.stringify({ record: "user", id: "u", name: "Big" }) + "\n");
  fs.writeSync(fd, JSON.stringify({ record: "conversation", id: `c-${key}`, externalId: `big:${key}`, title: `Big ${key}`, status: "ACTIVE" }) + "\n");
  let out: string[] = [];
  for (let i = 0; i < messages; i++) {
    out.push(
      JSON.stringify({ record: "message", id: `m-${key}-${i}`, conversationId: `c-${key}`, role: i % 2 ? "ASSISTANT" : "USER", content: `${i}: ${PAD}`, position: i + 1, timestamp: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(), toolUses: [], assets: [], links: [] }),
    );
    if (out.length === 1000) {
      fs.writeSync(fd, out.join("\n") + "\n");
      out = [];
    }
  }
  fs.writeSync(fd, out.join("\n") + (out.length ? "\n" : ""));
  // Records after the messages that name one of them, as an export's memories do.
  fs.writeSync(fd, JSON.stringify({ record: "memory", id: `mem-${key}`, conversationId: `c-${key}`, content: "remember the middle", sourceMessageIds: [`m-${key}-${Math.floor(messages / 2)}`] }) + "\n");
  fs.closeSync(fd);
}

/** Runs `npm run import` as its own process (with --expose-gc, so the reported heap is what is live); returns the summary and the peak heap. */
async function importFile(user: string, format: string, file: string) {
  const { stdout, stderr } = await run(
    process.execPath,
    ["--expose-gc", "--import", "tsx", "src/import/cli.ts", format, file, "--batch-size", "1000", "--fresh", "--state", path.join(tmp, `${user}.state.json`), "--memory-stats"],
    { env: { ...process.env, THREADLINE_URL: t.url, THREADLINE_TOKEN: await t.tokenFor(user) }, maxBuffer: 64 << 20, timeout: 600_000 },
  );
  const peak = Number(/peak heap used: (\d+) bytes/.exec(stderr)?.[1]);
  expect(peak).toBeGreaterThan(0);
  return { stdout, peak };
}

const ownedBy = (externalId: string) => ({ conversation: { user: { externalId } } });

describe("streamed imports", () => {
  it("imports a 50,000-line Claude Code log holding no more heap than for 5,000 lines, every message and tool result arriving", async () => {
    const small = path.join(tmp, "small.jsonl");
    const large = path.join(tmp, "large.jsonl");
    writeSession(small, "small-session", 5_000);
    writeSession(large, "large-session", 50_000);
    expect(fs.statSync(large).size).toBeGreaterThan(30_000_000);

    const a = await importFile("stream_small", "claude-code", small);
    const b = await importFile("stream_large", "claude-code", large);
    expect(b.stdout).toMatch(/messages\s+37500 imported, 0 already there/);
    expect(b.stdout).toMatch(/tool uses\s+12500/);
    // Ten times the file, a few MB more heap at most (a whole-file read would hold the 30 MB text and every parsed line).
    expect(b.peak - a.peak, `peak heap ${a.peak} for 5,000 lines, ${b.peak} for 50,000`).toBeLessThan(8_000_000);

    const p = t.db.prisma;
    expect(await p.message.count({ where: ownedBy("stream_large") })).toBe(37_500);
    // Tool results paired with their calls across batch boundaries: every call completed.
    expect(await p.toolUse.groupBy({ by: ["status"], where: { message: ownedBy("stream_large") }, _count: true })).toEqual([{ status: "SUCCESS", _count: 12_500 }]);
    const positions = await p.message.aggregate({ where: ownedBy("stream_large"), _min: { position: true }, _max: { position: true } });
    expect(positions).toEqual({ _min: { position: 1 }, _max: { position: 37_500 } });
  }, 900_000);

  it("imports a Threadline export of 20,000 messages holding no more heap than for 2,000, everything arriving", async () => {
    const small = path.join(tmp, "small-export.jsonl");
    const large = path.join(tmp, "large-export.jsonl");
    writeExport(small, "small", 2_000);
    writeExport(large, "large", 20_000);
    const a = await importFile("export_small", "threadline", small);
    const b = await importFile("export_large", "threadline", large);
    expect(b.stdout).toMatch(/messages\s+20000 imported, 0 already there/);
    expect(b.peak - a.peak, `peak heap ${a.peak} for 2,000 messages, ${b.peak} for 20,000`).toBeLessThan(6_000_000);
    const p = t.db.prisma;
    expect(await p.message.count({ where: ownedBy("export_large") })).toBe(20_000);
    const memory = await p.memory.findFirstOrThrow({ where: { user: { externalId: "export_large" } }, select: { sourceMessageIds: true } });
    const [source] = await p.message.findMany({ where: { id: { in: memory.sourceMessageIds } }, select: { externalId: true } });
    expect(source).toEqual({ externalId: "threadline:m-large-10000" });
  }, 900_000);
});
