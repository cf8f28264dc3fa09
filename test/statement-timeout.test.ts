// DATABASE_STATEMENT_TIMEOUT_MS on PostgreSQL: a statement that runs too long is cancelled by the
// database, the request answers QUERY_TOO_COMPLEX, its connection goes back to the pool healthy,
// and everyone else is served meanwhile. The slow statement is one any user can ask for: a
// case-insensitive `contains` filter over much text, with the pattern (at its 100-character limit)
// that costs Boyer-Moore-Horspool most ("baa…a" in "aaa…": about 0.1 s per MB here), over the
// user's 25 MB of messages, against a 1 s timeout.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/database.ts";
import { freshDatabase, usingRealPostgres } from "./support/database.ts";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

const TIMEOUT_MS = 1_000;
// PostgreSQL notices a cancel between rows: many long messages rather than a few very long ones.
const MESSAGES = 100;
const LONG = "a".repeat(250_000);
const ALMOST = `b${"a".repeat(99)}`; // within filter.contains's 100 characters
const SLOW = `query($c: String!) { messages(filter: { contains: $c }) { totalCount } }`;

// PGlite runs PostgreSQL single-threaded in WebAssembly without timer interrupts: it accepts
// `SET statement_timeout` and never cancels (measured: a 17 s statement under a 100 ms timeout ran to
// its end). There is no equivalent; the embedded database serves one process (docs/OPERATIONS.md).
describe.skipIf(!usingRealPostgres())("statement timeout on PostgreSQL (DATABASE_STATEMENT_TIMEOUT_MS)", () => {
  let db: Database;
  let t: TestServer;
  let slow: string;
  let other: string;
  let slowShort: string;

  beforeAll(async () => {
    db = await freshDatabase({ statementTimeoutMs: TIMEOUT_MS });
    t = await startTestServer({ db });
    slow = await t.tokenFor(`user_slow_${randomUUID()}`);
    other = await t.tokenFor(`user_other_${randomUUID()}`);
    const id = ok(await t.gql(`mutation { createConversation(input: { title: "long" }) { id } }`, {}, { token: slow })).createConversation.id;
    // One message per call: each write stays far below the timeout, even on a busy machine.
    for (let i = 0; i < MESSAGES; i++) {
      ok(await t.gql(`mutation($id: ID!, $c: String!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: $c }]) { inserted } }`, { id, c: `${i}:${LONG}` }, { token: slow }));
    }
    // A short conversation of the same user: the same filter, over it alone, answers in time.
    slowShort = ok(await t.gql(`mutation { createConversation(input: { title: "short too" }) { id } }`, {}, { token: slow })).createConversation.id;
    ok(await t.gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "12:aaa, short" }]) { inserted } }`, { id: slowShort }, { token: slow }));
    const mine = ok(await t.gql(`mutation { createConversation(input: { title: "short" }) { id } }`, {}, { token: other })).createConversation.id;
    ok(await t.gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "a short one" }]) { inserted } }`, { id: mine }, { token: other }));
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it("cancels a statement that runs longer than the timeout with QUERY_TOO_COMPLEX", async () => {
    const answer = await t.gql(SLOW, { c: ALMOST }, { token: slow });
    expect(errorCodes(answer)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(answer.errors![0].message).toMatch(/statement timeout/);
    // The same filter on a short text runs and counts: it is the time, not the filter, that was refused.
    const short = `query($c: String!, $id: ID!) { messages(filter: { contains: $c, conversationId: $id }) { totalCount } }`;
    expect(ok(await t.gql(short, { c: "12:AAA", id: slowShort }, { token: slow })).messages.totalCount).toBe(1);
  });

  it("serves other users and /health while slow statements run, and every connection comes back", async () => {
    // More slow requests than the pool has connections (4), all at once.
    const slowOnes = Array.from({ length: 6 }, () => t.gql(SLOW, { c: ALMOST }, { token: slow }));
    const health = await fetch(t.url.replace(/\/graphql$/, "/health"));
    expect(health.status).toBe(200);
    const others = await Promise.all(
      Array.from({ length: 3 }, () => t.gql(`query($c: String!) { messages(filter: { contains: $c }) { totalCount edges { node { content } } } }`, { c: "short" }, { token: other })),
    );
    for (const answer of others) expect(ok(answer).messages).toEqual({ totalCount: 1, edges: [{ node: { content: "a short one" } }] });
    for (const answer of await Promise.all(slowOnes)) expect(errorCodes(answer)).toEqual(["QUERY_TOO_COMPLEX"]);
    // Cancelled statements left no connection stuck or in a failed transaction.
    const after = await Promise.all(Array.from({ length: 8 }, () => t.gql(`{ messages { totalCount } }`, {}, { token: slow })));
    for (const answer of after) expect(ok(answer).messages.totalCount).toBe(MESSAGES + 1);
  });
});
