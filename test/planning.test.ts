// Seed 001's planning board: epics created at the end of the viewer's board, changed, moved and deleted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;
let other: string;

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_planning");
  other = await t.tokenFor("user_planning_other");
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>, as = token) => t.gql(query, variables, { token: as });

const EPIC_FIELDS = `id title description status priority quarter outcome icon color order`;

async function createEpic(input: Record<string, unknown>, as = token) {
  const data = ok(await gql(`mutation($input: CreateEpicInput!) { createEpic(input: $input) { ${EPIC_FIELDS} } }`, { input }, as));
  return data.createEpic as { id: string; title: string; order: number };
}

/** The viewer's board as "title:order", in the order the epics query gives. */
async function board(as = token) {
  const data = ok(await gql(`{ epics(first: 100) { totalCount edges { node { title order } } } }`, {}, as));
  const titles = data.epics.edges.map((e: any) => `${e.node.title}:${e.node.order}`);
  expect(data.epics.totalCount).toBe(titles.length);
  return titles as string[];
}

/** Deletes the viewer's epics so a test starts with an empty board. */
async function clearBoard(as = token) {
  const data = ok(await gql(`{ epics(first: 100) { edges { node { id } } } }`, {}, as));
  for (const edge of data.epics.edges) ok(await gql(`mutation($id: ID!) { deleteEpic(id: $id) { deletedId } }`, { id: edge.node.id }, as));
}

async function boardOf(titles: string[], as = token) {
  await clearBoard(as);
  const epics: Record<string, string> = {};
  for (const title of titles) epics[title] = (await createEpic({ title }, as)).id;
  return epics;
}

const MOVE = `mutation($id: ID!, $position: Int, $before: ID, $after: ID) {
  moveEpic(id: $id, position: $position, before: $before, after: $after) { epic { title order } board { title order } } }`;

async function move(id: string, target: { position?: number; before?: string; after?: string }) {
  const data = ok(await gql(MOVE, { id, ...target })).moveEpic;
  const titles = data.board.map((e: any) => `${e.title}:${e.order}`);
  expect(titles).toEqual(await board());
  return { epic: `${data.epic.title}:${data.epic.order}`, board: titles };
}

describe("createEpic", () => {
  it("appends epics at the end of the viewer's board with the seed's defaults", async () => {
    const first = await createEpic({ title: "Tool usage analytics" });
    expect(first).toEqual({
      id: first.id,
      title: "Tool usage analytics",
      description: null,
      status: "PLANNED",
      priority: "MEDIUM",
      quarter: null,
      outcome: null,
      icon: null,
      color: null,
      order: 1,
    });
    const second = await createEpic({
      title: "Semantic search",
      description: "Chunk, embed and search every conversation.",
      status: "IN_PROGRESS",
      priority: "HIGH",
      quarter: "Q4 2025",
      outcome: "Hybrid search shipped",
      icon: "🔎",
      color: "#2563eb",
    });
    expect(second).toEqual({
      id: second.id,
      title: "Semantic search",
      description: "Chunk, embed and search every conversation.",
      status: "IN_PROGRESS",
      priority: "HIGH",
      quarter: "Q4 2025",
      outcome: "Hybrid search shipped",
      icon: "🔎",
      color: "#2563eb",
      order: 2,
    });
    // Another user's board is numbered on its own.
    expect((await createEpic({ title: "Their epic" }, other)).order).toBe(1);
    expect((await createEpic({ title: "Roadmap planner" })).order).toBe(3);
    expect(await board()).toEqual(["Tool usage analytics:1", "Semantic search:2", "Roadmap planner:3"]);
    expect(await board(other)).toEqual(["Their epic:1"]);
  });

  it("keeps the board dense when epics are created at the same time", async () => {
    await boardOf([]);
    const created = await Promise.all(Array.from({ length: 6 }, (_, i) => createEpic({ title: `parallel ${i}` })));
    expect(created.map((epic) => epic.order).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("rejects an empty title or a bad enum with BAD_USER_INPUT and writes nothing", async () => {
    const before = await t.db.prisma.epic.count();
    for (const input of [{ title: "" }, { title: "   " }, { title: "ok", status: "DONE" }, { title: "ok", priority: "URGENT" }, { title: "x".repeat(501) }, {}]) {
      const response = await gql(`mutation($input: CreateEpicInput!) { createEpic(input: $input) { id } }`, { input });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    }
    expect(await t.db.prisma.epic.count()).toBe(before);
  });
});

describe("updateEpic", () => {
  const UPDATE = `mutation($id: ID!, $input: UpdateEpicInput!) { updateEpic(id: $id, input: $input) { ${EPIC_FIELDS} } }`;

  it("changes the fields given, clears those set to null and keeps the rest", async () => {
    await boardOf([]);
    const epic = await createEpic({ title: "Realtime", description: "Share live", quarter: "Q1 2026", icon: "👥", color: "#6b7280" });
    await createEpic({ title: "Below" });
    const data = ok(await gql(UPDATE, { id: epic.id, input: { title: "Realtime collaboration", status: "CANCELLED", priority: "LOW", outcome: "Dropped", description: null, icon: null } }));
    expect(data.updateEpic).toEqual({
      id: epic.id,
      title: "Realtime collaboration",
      description: null,
      status: "CANCELLED",
      priority: "LOW",
      quarter: "Q1 2026",
      outcome: "Dropped",
      icon: null,
      color: "#6b7280",
      order: 1,
    });
    expect(await board()).toEqual(["Realtime collaboration:1", "Below:2"]);
  });

  it("rejects an empty or cleared title, a cleared status and a bad enum with BAD_USER_INPUT and changes nothing", async () => {
    await boardOf([]);
    const epic = await createEpic({ title: "Stable", status: "IN_PROGRESS" });
    for (const input of [{ title: "" }, { title: null }, { status: null }, { priority: null }, { status: "DONE" }, { title: "fine", color: "c".repeat(51) }]) {
      expect(errorCodes(await gql(UPDATE, { id: epic.id, input }))).toEqual(["BAD_USER_INPUT"]);
    }
    const row = await t.db.prisma.epic.findFirstOrThrow({ where: { title: "Stable" } });
    expect(row).toMatchObject({ title: "Stable", status: "IN_PROGRESS", priority: "MEDIUM", color: null, order: 1 });
  });

  it("answers NOT_FOUND for another user's epic and changes nothing", async () => {
    const theirs = await createEpic({ title: "Their untouchable epic" }, other);
    expect(errorCodes(await gql(UPDATE, { id: theirs.id, input: { title: "Mine now" } }))).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.epic.count({ where: { title: "Their untouchable epic" } })).toBe(1);
  });
});

describe("moveEpic", () => {
  it("moves the first epic to the end, the last to the top and one in the middle, renumbering 1..n", async () => {
    const e = await boardOf(["A", "B", "C", "D", "E"]);
    expect(await move(e.A, { position: 5 })).toEqual({ epic: "A:5", board: ["B:1", "C:2", "D:3", "E:4", "A:5"] });
    expect(await move(e.A, { position: 1 })).toEqual({ epic: "A:1", board: ["A:1", "B:2", "C:3", "D:4", "E:5"] });
    expect(await move(e.C, { position: 2 })).toEqual({ epic: "C:2", board: ["A:1", "C:2", "B:3", "D:4", "E:5"] });
    expect(await move(e.C, { position: 4 })).toEqual({ epic: "C:4", board: ["A:1", "B:2", "D:3", "C:4", "E:5"] });
    // Staying put is allowed and changes nothing.
    expect(await move(e.D, { position: 3 })).toEqual({ epic: "D:3", board: ["A:1", "B:2", "D:3", "C:4", "E:5"] });
  });

  it("moves an epic just before or after another", async () => {
    const e = await boardOf(["A", "B", "C", "D", "E"]);
    expect((await move(e.E, { before: e.B })).board).toEqual(["A:1", "E:2", "B:3", "C:4", "D:5"]);
    expect((await move(e.A, { after: e.D })).board).toEqual(["E:1", "B:2", "C:3", "D:4", "A:5"]);
    expect((await move(e.A, { before: e.E })).board).toEqual(["A:1", "E:2", "B:3", "C:4", "D:5"]);
    expect((await move(e.B, { after: e.D })).board).toEqual(["A:1", "E:2", "C:3", "D:4", "B:5"]);
    expect((await move(e.D, { after: e.B })).board).toEqual(["A:1", "E:2", "C:3", "B:4", "D:5"]);
  });

  it("orders the board by position even when filtered or when the list is sorted otherwise", async () => {
    const e = await boardOf(["A", "B", "C"]);
    ok(await gql(`mutation($id: ID!) { updateEpic(id: $id, input: { status: COMPLETED }) { id } }`, { id: e.B }));
    await move(e.C, { position: 1 });
    const planned = ok(await gql(`{ epics(filter: { status: [PLANNED] }) { edges { node { title order } } } }`));
    expect(planned.epics.edges.map((edge: any) => `${edge.node.title}:${edge.node.order}`)).toEqual(["C:1", "A:2"]);
  });

  it("rejects a position out of range, several targets or the epic itself with BAD_USER_INPUT and changes nothing", async () => {
    const e = await boardOf(["A", "B", "C"]);
    const cases = [{ position: 0 }, { position: 4 }, { position: -1 }, {}, { position: 1, before: e.B }, { before: e.B, after: e.C }, { before: e.A }, { after: e.A }];
    for (const target of cases) {
      expect(errorCodes(await gql(MOVE, { id: e.A, ...target }))).toEqual(["BAD_USER_INPUT"]);
    }
    expect(await board()).toEqual(["A:1", "B:2", "C:3"]);
  });

  it("answers NOT_FOUND for another user's epic, moved or as the neighbour, and changes neither board", async () => {
    const e = await boardOf(["A", "B", "C"]);
    const theirs = await boardOf(["X", "Y"], other);
    expect(errorCodes(await gql(MOVE, { id: theirs.X, position: 2 }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await gql(MOVE, { id: e.A, before: theirs.Y }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await gql(MOVE, { id: e.A, after: theirs.X }))).toEqual(["NOT_FOUND"]);
    expect(await board()).toEqual(["A:1", "B:2", "C:3"]);
    expect(await board(other)).toEqual(["X:1", "Y:2"]);
  });

  it("costs the same number of statements on a board of 3 as on a board of 30", async () => {
    const small = await boardOf(["s1", "s2", "s3"]);
    const moveFirstToLast = (id: string, size: number) => t.gql(`mutation($id: ID!, $p: Int!) { moveEpic(id: $id, position: $p) { epic { order } } }`, { id, p: size }, { token });
    const cost3 = await t.countStatements(async () => ok(await moveFirstToLast(small.s1, 3)));
    const large = await boardOf(Array.from({ length: 30 }, (_, i) => `l${i + 1}`));
    const cost30 = await t.countStatements(async () => ok(await moveFirstToLast(large.l1, 30)));
    expect(cost30.count).toBe(cost3.count);
    expect((await board()).slice(0, 2)).toEqual(["l2:1", "l3:2"]);
    expect((await board()).at(-1)).toBe("l1:30");
  });
});

describe("deleteEpic", () => {
  it("deletes an epic and closes the gap; another user's epic is NOT_FOUND", async () => {
    const e = await boardOf(["A", "B", "C", "D"]);
    const data = ok(await gql(`mutation($id: ID!) { deleteEpic(id: $id) { deletedId } }`, { id: e.B }));
    expect(data.deleteEpic.deletedId).toBe(e.B);
    expect(await board()).toEqual(["A:1", "C:2", "D:3"]);
    expect(ok(await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: e.B })).node).toBeNull();

    const theirs = await createEpic({ title: "Their keeper" }, other);
    expect(errorCodes(await gql(`mutation($id: ID!) { deleteEpic(id: $id) { deletedId } }`, { id: theirs.id }))).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.epic.count({ where: { title: "Their keeper" } })).toBe(1);
  });
});
