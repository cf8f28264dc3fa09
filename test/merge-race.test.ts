// Two merges of the same memories at once (keep A merge B ‖ keep B merge A) must not both succeed
// and delete both: one wins, the other fails with a clear code, and exactly one memory remains.
// Many trials, so a race has its chance on PostgreSQL (each request has its own connection there).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_merger");
});
afterAll(() => t?.close());

const MERGE = `mutation($keep: ID!, $merge: [ID!]!) { mergeMemories(keepId: $keep, mergeIds: $merge) { memory { id accessCount } } }`;
const TRIALS = process.env.TEST_DATABASE_URL ? 30 : 8;

describe("concurrent mergeMemories", () => {
  it(`keeps exactly one memory when two merges cross, in ${TRIALS} trials`, async () => {
    let bothSucceeded = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const create = async (content: string) =>
        ok(await t.gql(`mutation($c: String!) { createMemory(input: { content: $c, tags: ["t"] }) { id } }`, { c: content }, { token })).createMemory.id as string;
      const [a, b] = await Promise.all([create(`A ${trial}`), create(`B ${trial}`)]);
      const [first, second] = await Promise.all([t.gql(MERGE, { keep: a, merge: [b] }, { token }), t.gql(MERGE, { keep: b, merge: [a] }, { token })]);
      const results = [first, second];
      const succeeded = results.filter((r) => !r.errors?.length);
      if (succeeded.length === 2) bothSucceeded += 1;
      expect(succeeded).toHaveLength(1);
      const failed = results.find((r) => r.errors?.length)!;
      expect(["NOT_FOUND", "BAD_USER_INPUT"]).toContain(errorCodes(failed)[0]);
      const left = await t.db.prisma.memory.count({ where: { content: { in: [`A ${trial}`, `B ${trial}`] }, deletedAt: null } });
      expect(left).toBe(1);
      const records = await t.db.prisma.deduplicationRecord.count({ where: { memory: { content: { in: [`A ${trial}`, `B ${trial}`] } } } });
      expect(records).toBe(1);
    }
    expect(bothSucceeded).toBe(0);
  }, 600_000);
});
