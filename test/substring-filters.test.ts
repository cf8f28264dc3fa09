// Substring filters (`contains` on messages and memories, a conversation's `title`) cost what the text
// costs, not pattern length × text length: one user filtering their own megabyte messages with a
// pattern that almost matches everywhere does not stop the server serving /health and another user
// (the embedded database runs each statement to its end, on the server's own thread). Patterns are
// bounded (PATTERN_TOO_LONG), matched literally and case-insensitively, and still find real matches.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";
import { whileServing } from "./support/attack.ts";
import { Prisma } from "../src/generated/prisma/client.ts";
import { messageIdsContainingSql } from "../src/schema/conversations/sql.ts";

const MAX_PATTERN = 100;
// Just under the 1,000,000-byte limit on any text. The first holds a real match in the middle, the
// second ends in a run that the worst patterns below match, ignoring case, only at its very end.
const NEEDLE_TEXT = `${"a".repeat(500_000)} the Needle in the HAYSTACK ${"a".repeat(499_000)}`;
const TAIL_TEXT = `${"a".repeat(999_000)}B${"a".repeat(MAX_PATTERN - 1)}`;
// LIKE's worst case (it compares the pattern at every position: "aaa…ab") and Boyer-Moore-Horspool's
// ("baa…a": compared backwards, shifted by one), both at the longest pattern allowed.
const LIKE_WORST = `${"a".repeat(MAX_PATTERN - 1)}b`;
const BMH_WORST = `b${"a".repeat(MAX_PATTERN - 1)}`;

let t: TestServer;
let heavy: string;
let light: string;
const lightId = `user_light_${randomUUID()}`;

beforeAll(async () => {
  t = await startTestServer();
  heavy = await t.tokenFor(`user_heavy_${randomUUID()}`);
  light = await t.tokenFor(lightId);
  const id = ok(await t.gql(`mutation { createConversation(input: { title: "Long Haul 50%_off" }) { id } }`, {}, { token: heavy })).createConversation.id;
  for (const content of [NEEDLE_TEXT, TAIL_TEXT, "a sale: 50%_OFF today"]) {
    ok(await t.gql(`mutation($id: ID!, $c: String!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: $c }]) { inserted } }`, { id, c: content }, { token: heavy }));
  }
  ok(await t.gql(`mutation($c: String!) { createMemory(input: { content: $c, summary: "a long memory" }) { id } }`, { c: `${"a".repeat(99_000)} remember the NEEDLE` }, { token: heavy }));
  const mine = ok(await t.gql(`mutation { createConversation(input: { title: "short" }) { id } }`, {}, { token: light })).createConversation.id;
  ok(await t.gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "a short one" }]) { inserted } }`, { id: mine }, { token: light }));
}, 120_000);
afterAll(() => t?.close());

const COUNT = `query($c: String!) { messages(filter: { contains: $c }) { totalCount } }`;
const count = async (pattern: string, token = heavy) => ok(await t.gql(COUNT, { c: pattern }, { token })).messages.totalCount as number;

describe("substring filters", () => {
  it("refuses a pattern over 100 characters with PATTERN_TOO_LONG, on messages, memories and titles", async () => {
    const long = "a".repeat(MAX_PATTERN + 1);
    for (const query of [
      `query($c: String!) { messages(filter: { contains: $c }) { totalCount } }`,
      `query($c: String!) { memories(filter: { contains: $c }) { totalCount } }`,
      `query($c: String!) { conversations(filter: { title: $c }) { totalCount } }`,
    ]) {
      const answer = await t.gql(query, { c: long }, { token: heavy });
      expect(errorCodes(answer)).toEqual(["BAD_USER_INPUT"]);
      expect(answer.errors![0].extensions).toMatchObject({ reason: "PATTERN_TOO_LONG" });
      expect(String(answer.errors![0].extensions!.field)).toMatch(/^filter\.(contains|title)$/);
    }
    expect(await count("a".repeat(MAX_PATTERN))).toBe(2); // at the limit: answered
  });

  it("finds real matches ignoring case, takes % and _ literally, and never another user's", async () => {
    expect(await count("needle in the haystack")).toBe(1);
    expect(await count("NEEDLE IN THE haystack")).toBe(1);
    expect(await count("50%_off")).toBe(1);
    expect(await count("%")).toBe(1); // only the message that holds a "%", not every message
    expect(await count("_")).toBe(1);
    expect(await count("needle", light)).toBe(0);
    const memories = ok(await t.gql(`{ memories(filter: { contains: "remember the needle" }) { totalCount edges { node { summary } } } }`, {}, { token: heavy })).memories;
    expect(memories).toEqual({ totalCount: 1, edges: [{ node: { summary: "a long memory" } }] });
    expect(ok(await t.gql(`{ memories(filter: { contains: "LONG MEM" }) { totalCount } }`, {}, { token: heavy })).memories.totalCount).toBe(1); // the summary
    expect(ok(await t.gql(`{ conversations(filter: { title: "haul 50%_" }) { totalCount } }`, {}, { token: heavy })).conversations.totalCount).toBe(1);
    expect(ok(await t.gql(`{ conversations(filter: { title: "haul 50%_" }) { totalCount } }`, {}, { token: light })).conversations.totalCount).toBe(0);
  });

  it("serves /health and another user while the worst patterns scan one user's megabyte messages", async () => {
    let done = false;
    let slowestOther = 0;
    let slowestHeavy = 0;
    const others: number[] = [];
    const { result, slowestHealthMs, healthChecks } = await whileServing(t.url, async () => {
      const other = (async () => {
        while (!done) {
          const started = performance.now();
          others.push(await count("short", light));
          slowestOther = Math.max(slowestOther, performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      })();
      try {
        const counts: number[] = [];
        for (const pattern of [LIKE_WORST, BMH_WORST, LIKE_WORST.toUpperCase(), BMH_WORST.toUpperCase()]) {
          const started = performance.now();
          counts.push(await count(pattern));
          slowestHeavy = Math.max(slowestHeavy, performance.now() - started);
        }
        return counts;
      } finally {
        done = true;
        await other;
      }
    });
    // Each worst pattern still finds the one real match at the end of the second message.
    expect(result).toEqual([1, 1, 1, 1]);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((n) => n === 1)).toBe(true);
    expect(healthChecks).toBeGreaterThan(0);
    expect(slowestHealthMs).toBeLessThan(1000);
    // The other user waits behind at most about one worst-pattern statement (PGlite runs one at a time;
    // PostgreSQL runs them side by side), never behind the whole series: a bound relative to the heavy
    // statements, so a loaded machine slows both sides alike.
    expect(slowestOther).toBeLessThan(Math.max(1000, 2 * slowestHeavy));
  }, 120_000);
  it("reads none of another user's text: the light user's filter reads its own rows, whatever others hold", async () => {
    // A third user with 100 messages of 250,000 characters (25 MB), written directly: with statistics,
    // the planner prices strpos as cheap and would scan every message, all of this text included.
    const bulk = await t.tokenFor(`user_bulk_${randomUUID()}`);
    const conversation = ok(await t.gql(`mutation { createConversation(input: { title: "bulk" }) { id } }`, {}, { token: bulk })).createConversation.id as string;
    const conversationId = Buffer.from(conversation, "base64").toString().split(":")[1];
    await t.db.prisma.$executeRaw`
      INSERT INTO messages (id, conversation_id, role, content, content_hash, position, updated_at)
      SELECT 'bulk-' || i, ${conversationId}, 'user', i || ':' || repeat('a', 250000), md5(i::text), i, now() FROM generate_series(1, 100) AS i`;
    await t.db.prisma.$executeRawUnsafe("ANALYZE");
    const { id: userId } = await t.db.prisma.user.findFirstOrThrow({ where: { externalId: lightId }, select: { id: true } });
    const [row] = await t.db.prisma.$queryRaw<{ "QUERY PLAN": unknown }[]>(
      Prisma.sql`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${messageIdsContainingSql(userId, "short", undefined, 10_000)}`,
    );
    const [{ Plan: plan }] = (typeof row["QUERY PLAN"] === "string" ? JSON.parse(row["QUERY PLAN"]) : row["QUERY PLAN"]) as { Plan: Record<string, number> }[];
    // Reading the bulk user's text takes over 200 pages (8 kB each, compressed); the light user's rows fit in a few.
    expect(plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]).toBeLessThan(50);
    expect(await count("short", light)).toBe(1);
  }, 120_000);
});
