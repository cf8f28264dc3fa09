// Constraints declared on input fields (src/schema/constraints.ts, checked by Pothos' validation
// plugin): the error names the field where it sits in the arguments, with BAD_USER_INPUT, before the
// resolver runs, so nothing is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, startTestServer, type GraphQLResponse, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_constraints");
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });
const fieldOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.field;

describe("input constraints", () => {
  it("names the field of a nested list item, and writes nothing", async () => {
    const before = await t.db.prisma.memory.count();
    const response = await gql(`mutation($inputs: [CreateMemoryInput!]!) { createMemories(inputs: $inputs) { id } }`, {
      inputs: [{ content: "fine" }, { content: "also fine", confidence: 1.5 }],
    });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(fieldOf(response)).toBe("inputs[1].confidence");
    expect(response.errors![0].message).toBe("inputs[1].confidence must be between 0 and 1, got 1.5");
    expect(await t.db.prisma.memory.count()).toBe(before);
  });

  it("checks a list's size and a text's length on the field that declares them", async () => {
    const tags = await gql(`mutation($input: CreateMemoryInput!) { createMemory(input: $input) { id } }`, {
      input: { content: "tagged", tags: Array.from({ length: 201 }, (_, i) => `t${i}`) },
    });
    expect([errorCodes(tags), fieldOf(tags)]).toEqual([["BAD_USER_INPUT"], "input.tags"]);
    const quarter = await gql(`mutation($input: CreateEpicInput!) { createEpic(input: $input) { id } }`, { input: { title: "Epic", quarter: "Q".repeat(51) } });
    expect([errorCodes(quarter), fieldOf(quarter)]).toEqual([["BAD_USER_INPUT"], "input.quarter"]);
    const blank = await gql(`mutation($input: CreateEpicInput!) { createEpic(input: $input) { id } }`, { input: { title: "   " } });
    expect([errorCodes(blank), fieldOf(blank), blank.errors![0].message]).toEqual([["BAD_USER_INPUT"], "input.title", "input.title must not be empty"]);
    expect(await t.db.prisma.epic.count()).toBe(0);
  });
});
