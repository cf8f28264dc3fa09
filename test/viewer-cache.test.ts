// The viewer of a credential is remembered between requests, and forgotten at once, on every
// instance, when the credential is revoked or the account deleted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessEvents } from "../src/events/pubsub.ts";
import { freshDatabase } from "./support/database.ts";
import { SignJWT } from "jose";
import { JWT_SECRET, errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";
import type { Database } from "../src/db/database.ts";

let db: Database;
const events = inProcessEvents();
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  // Two instances over one database and one event bus, as behind a load balancer with Redis.
  a = await startTestServer({ db, events, env: { VIEWER_CACHE_MS: "10000" } });
  b = await startTestServer({ db, events, env: { VIEWER_CACHE_MS: "10000" } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.close();
});

describe("viewer cache", () => {
  it("answers a repeated credential without looking its user up again", async () => {
    const token = await a.tokenFor("cache_reader");
    ok(await a.gql(`{ viewer { id } }`, {}, { token }));
    const again = await a.countStatements(async () => ok(await a.gql(`{ viewer { id } }`, {}, { token })));
    expect(again.statements).toEqual([]);
  });

  it("stops a revoked API key at once on the other instance too", async () => {
    const token = await a.tokenFor("cache_key_owner");
    const created = ok(await a.gql(`mutation { createApiKey(name: "ingest") { key apiKey { id } } }`, {}, { token })).createApiKey;
    // Both instances have seen (and remembered) the key.
    expect(ok(await a.gql(`{ viewer { externalId } }`, {}, { token: created.key })).viewer.externalId).toBe("cache_key_owner");
    expect(ok(await b.gql(`{ viewer { externalId } }`, {}, { token: created.key })).viewer.externalId).toBe("cache_key_owner");

    ok(await a.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: created.apiKey.id }, { token }));
    expect(errorCodes(await a.gql(`{ viewer { id } }`, {}, { token: created.key }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await b.gql(`{ viewer { id } }`, {}, { token: created.key }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("forgets a deleted account on every instance: its token then starts a new, empty user", async () => {
    const token = await a.tokenFor("cache_leaver");
    const before = ok(await b.gql(`{ viewer { id } }`, {}, { token })).viewer.id;
    ok(await b.gql(`mutation { createConversation(input: { title: "mine" }) { id } }`, {}, { token }));
    ok(await a.gql(`mutation { deleteViewer(confirm: "cache_leaver") { conversations } }`, {}, { token }));

    const after = ok(await b.gql(`{ viewer { id } conversations { totalCount } }`, {}, { token }));
    expect(after.viewer.id).not.toBe(before);
    expect(after.conversations.totalCount).toBe(0);
  });

  it("never serves a token past its own expiry", async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("cache_short_lived")
      .setIssuer("threadline-tests")
      .setAudience("threadline")
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(JWT_SECRET));
    ok(await a.gql(`{ viewer { id } }`, {}, { token }));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(errorCodes(await a.gql(`{ viewer { id } }`, {}, { token }))).toEqual(["UNAUTHENTICATED"]);
  });
});
