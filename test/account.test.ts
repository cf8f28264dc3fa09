// deleteViewer: everything a user owns goes, in every table, and nothing of anyone else's; only
// the person may do it, and API keys cannot manage keys either.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../src/db/seed/index.ts";
import { ownedBy, serverOnlyModels } from "../src/auth/ownership.ts";
import { Prisma } from "../src/generated/prisma/client.ts";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;

type Counts = Record<string, number>;
const models = Object.keys(ownedBy) as (keyof typeof ownedBy)[];
const delegate = (model: string) => (t.db.prisma as unknown as Record<string, { count(args?: object): Promise<number> }>)[model];

/** Rows per model: all of them, and those the API's ownership rules give to `userId`. */
async function counts(userId?: string): Promise<Counts> {
  const result: Counts = {};
  for (const model of models) {
    result[model] = await delegate(model).count(userId ? { where: (ownedBy[model] as (id: string) => object)(userId) } : undefined);
  }
  return result;
}

const OVERVIEW = `{ viewer { externalId } conversations(first: 100) { totalCount edges { node { title messages(first: 100) { totalCount } } } }
  memories(first: 100, includeDeleted: true) { totalCount } memoryClusters { totalCount edges { node { name } } } epics { totalCount } }`;

let leaving: string;
let staying: string;

beforeAll(async () => {
  t = await startTestServer();
  // Demo data for both (seed 002 also adds its Clerk users, with conversations of their own).
  await seedDemoData(t.db.prisma, { localUser: "user_leaving" });
  await seedDemoData(t.db.prisma, { localUser: "user_staying" });
  leaving = await t.tokenFor("user_leaving");
  staying = await t.tokenFor("user_staying");
  for (const token of [leaving, staying]) ok(await t.gql(`mutation { createApiKey(name: "ingest") { key } }`, {}, { token }));
});
afterAll(() => t?.close());

describe("deleteViewer", () => {
  it("counts with an ownership rule for every model there is", () => {
    const all = Object.values(Prisma.ModelName).map((name) => name[0].toLowerCase() + name.slice(1));
    // Every model is either owned by a user or one of the server's own bookkeeping tables, never neither.
    expect([...models, ...serverOnlyModels].sort()).toEqual(all.sort());
  });

  it("is only for the person: not with an API key, and only naming their own external id", async () => {
    const { key } = ok(await t.gql(`mutation { createApiKey(name: "worker") { key } }`, {}, { token: leaving })).createApiKey;
    const before = await counts();
    const byKey = await t.gql(`mutation { deleteViewer(confirm: "user_leaving") { externalId } }`, {}, { token: key });
    expect(errorCodes(byKey)).toEqual(["FORBIDDEN"]);
    expect(byKey.errors![0].message).toMatch(/An API key cannot delete its user/);
    expect(errorCodes(await t.gql(`mutation { deleteViewer(confirm: "user_staying") { externalId } }`, {}, { token: leaving }))).toEqual(["BAD_USER_INPUT"]);
    expect(await counts()).toEqual(before);
  });

  it("removes every row the user owns, in every table, and leaves everyone else's as it was", async () => {
    const stayingBefore = ok(await t.gql(OVERVIEW, {}, { token: staying }));
    const leavingId = (await t.db.prisma.user.findUniqueOrThrow({ where: { externalId: "user_leaving" } })).id;
    const before = await counts();
    const owned = await counts(leavingId);
    const leavingOverview = ok(await t.gql(OVERVIEW, {}, { token: leaving }));

    const deleted = ok(await t.gql(`mutation { deleteViewer(confirm: "user_leaving") { externalId conversations messages memories } }`, {}, { token: leaving })).deleteViewer;
    expect(deleted).toEqual({
      externalId: "user_leaving",
      conversations: leavingOverview.conversations.totalCount,
      messages: leavingOverview.conversations.edges.reduce((n: number, e: any) => n + e.node.messages.totalCount, 0),
      memories: leavingOverview.memories.totalCount,
    });
    expect(deleted.conversations).toBeGreaterThan(0);

    // Every model: exactly the rows the ownership rules gave the user are gone.
    const after = await counts();
    expect(after).toEqual(Object.fromEntries(models.map((model) => [model, before[model] - owned[model]])));
    expect(await counts(leavingId)).toEqual(Object.fromEntries(models.map((model) => [model, 0])));
    // The demo data reaches nearly every model, so this was checked where there was something to delete.
    expect(models.filter((model) => owned[model] > 0).length).toBeGreaterThanOrEqual(20);
    expect(ok(await t.gql(OVERVIEW, {}, { token: staying }))).toEqual(stayingBefore);
  });

  it("lets the same subject sign in again as a new, empty user", async () => {
    const again = ok(await t.gql(OVERVIEW, {}, { token: leaving }));
    expect(again).toMatchObject({ viewer: { externalId: "user_leaving" }, conversations: { totalCount: 0 }, memories: { totalCount: 0 }, epics: { totalCount: 0 } });
  });
});

describe("API keys manage nothing", () => {
  it("cannot create or revoke keys", async () => {
    const created = ok(await t.gql(`mutation { createApiKey(name: "first") { key apiKey { id } } }`, {}, { token: staying })).createApiKey;
    expect(errorCodes(await t.gql(`mutation { createApiKey(name: "successor") { key } }`, {}, { token: created.key }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.apiKey.id }, { token: created.key }))).toEqual(["FORBIDDEN"]);
    // It still does what it is for.
    expect(ok(await t.gql(`mutation { createConversation(input: { title: "ingested" }) { id } }`, {}, { token: created.key })).createConversation.id).toBeTruthy();
  });
});
