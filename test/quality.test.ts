// Seed 000's data quality: validation status and results, quality metrics, analysis runs.
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;
let other: string;

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_quality");
  other = await t.tokenFor("user_quality_other");
  // A first request creates each user.
  ok(await t.gql(`{ viewer { id } }`, {}, { token }));
  ok(await t.gql(`{ viewer { id } }`, {}, { token: other }));
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>, as = token) => t.gql(query, variables, { token: as });

/** A memory written straight to the database (memory mutations are tested elsewhere): its global and database ids. */
async function memoryOf(externalId: string, content: string) {
  const user = await t.db.prisma.user.findUniqueOrThrow({ where: { externalId } });
  const memory = await t.db.prisma.memory.create({ data: { userId: user.id, content } });
  return { id: encodeGlobalID("Memory", memory.id), dbId: memory.id };
}

async function conversationOf(as: string, title: string) {
  const data = ok(await gql(`mutation($title: String) { createConversation(input: { title: $title }) { id } }`, { title }, as));
  return data.createConversation.id as string;
}

const between = (iso: string | null, from: Date, to: Date) => {
  expect(iso).not.toBeNull();
  const at = new Date(iso!).getTime();
  expect(at).toBeGreaterThanOrEqual(from.getTime());
  expect(at).toBeLessThanOrEqual(to.getTime());
};

const RECORD_VALIDATION = `mutation($memoryId: ID!, $input: RecordValidationInput!) {
  recordValidation(memoryId: $memoryId, input: $input) {
    status errors resolvedAt resolvedBy memory { id } results { rule passed severity message } } }`;

describe("recordValidation", () => {
  it("records a status with results, resolves it, keeps the resolution when repeated and reopens it", async () => {
    const memory = await memoryOf("user_quality", "The deploy runs on Fridays");

    const pending = ok(
      await gql(RECORD_VALIDATION, {
        memoryId: memory.id,
        input: {
          status: "PENDING",
          errors: { missing: ["source"] },
          results: [
            { rule: "content_not_empty", passed: true },
            { rule: "has_source", passed: false, severity: "WARNING", message: "no source message" },
          ],
        },
      }),
    ).recordValidation;
    expect(pending).toEqual({
      status: "PENDING",
      errors: { missing: ["source"] },
      resolvedAt: null,
      resolvedBy: null,
      memory: { id: memory.id },
      results: [
        { rule: "content_not_empty", passed: true, severity: "INFO", message: null },
        { rule: "has_source", passed: false, severity: "WARNING", message: "no source message" },
      ],
    });

    const before = new Date();
    const valid = ok(
      await gql(RECORD_VALIDATION, {
        memoryId: memory.id,
        input: { status: "VALID", errors: null, resolvedBy: "reviewer@example.com", results: [{ rule: "has_source", passed: true, severity: "ERROR" }] },
      }),
    ).recordValidation;
    between(valid.resolvedAt, before, new Date());
    expect(valid).toEqual({
      status: "VALID",
      errors: null,
      resolvedAt: valid.resolvedAt,
      resolvedBy: "reviewer@example.com",
      memory: { id: memory.id },
      results: [
        { rule: "content_not_empty", passed: true, severity: "INFO", message: null },
        { rule: "has_source", passed: false, severity: "WARNING", message: "no source message" },
        { rule: "has_source", passed: true, severity: "ERROR", message: null },
      ],
    });

    // The same verdict again: resolvedAt and resolvedBy stay, absent errors stay.
    const again = ok(await gql(RECORD_VALIDATION, { memoryId: memory.id, input: { status: "VALID" } })).recordValidation;
    expect(again).toMatchObject({ status: "VALID", errors: null, resolvedAt: valid.resolvedAt, resolvedBy: "reviewer@example.com" });
    expect(again.results).toHaveLength(3);

    // A changed verdict is a new resolution.
    const invalid = ok(await gql(RECORD_VALIDATION, { memoryId: memory.id, input: { status: "INVALID", resolvedBy: "linter" } })).recordValidation;
    expect(invalid).toMatchObject({ status: "INVALID", resolvedBy: "linter" });
    expect(new Date(invalid.resolvedAt).getTime()).toBeGreaterThanOrEqual(new Date(valid.resolvedAt).getTime());

    const reopened = ok(await gql(RECORD_VALIDATION, { memoryId: memory.id, input: { status: "NEEDS_REVIEW", errors: ["contradicts memory X"] } })).recordValidation;
    expect(reopened).toMatchObject({ status: "NEEDS_REVIEW", errors: ["contradicts memory X"], resolvedAt: null, resolvedBy: null });

    const seen = ok(await gql(`query($id: ID!) { node(id: $id) { ... on Memory { validationStatus { status results { rule } } } } }`, { id: memory.id }));
    expect(seen.node.validationStatus).toEqual({ status: "NEEDS_REVIEW", results: [{ rule: "content_not_empty" }, { rule: "has_source" }, { rule: "has_source" }] });
    expect(await t.db.prisma.validationStatus.count({ where: { memoryId: memory.dbId } })).toBe(1);
  });

  it("rejects bad input with BAD_USER_INPUT and writes nothing", async () => {
    const memory = await memoryOf("user_quality", "Validation input checks");
    const cases: [Record<string, unknown>, string?][] = [
      [{ status: "PENDING", resolvedBy: "someone" }, "input.resolvedBy"],
      [{ status: "VALID", results: [{ rule: "ok", passed: true }, { rule: "  ", passed: false }] }, "input.results[1].rule"],
      [{ status: "DONE" }],
      [{ status: "VALID", results: [{ rule: "ok", passed: true, severity: "FATAL" }] }],
      [{ status: "VALID", results: Array.from({ length: 501 }, (_, i) => ({ rule: `r${i}`, passed: true })) }, "input.results"],
    ];
    for (const [input, field] of cases) {
      const response = await gql(RECORD_VALIDATION, { memoryId: memory.id, input });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      if (field) expect(response.errors![0].extensions!.field).toBe(field);
    }
    const wrongType = await gql(RECORD_VALIDATION, { memoryId: await conversationOf(token, "not a memory"), input: { status: "VALID" } });
    expect(errorCodes(wrongType)).toEqual(["BAD_USER_INPUT"]);
    expect(await t.db.prisma.validationStatus.count({ where: { memoryId: memory.dbId } })).toBe(0);
    expect(await t.db.prisma.validationResult.count({ where: { validationStatus: { memoryId: memory.dbId } } })).toBe(0);
  });

  it("answers NOT_FOUND for another user's memory and writes nothing", async () => {
    const theirs = await memoryOf("user_quality_other", "Not yours");
    const response = await gql(RECORD_VALIDATION, { memoryId: theirs.id, input: { status: "INVALID", results: [{ rule: "x", passed: false }] } });
    expect(errorCodes(response)).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.validationStatus.count({ where: { memoryId: theirs.dbId } })).toBe(0);
    expect(await t.db.prisma.validationResult.count({ where: { validationStatus: { memoryId: theirs.dbId } } })).toBe(0);
  });

  it("costs the same number of statements for 3 results as for 30", async () => {
    const [few, many] = [await memoryOf("user_quality", "three"), await memoryOf("user_quality", "thirty")];
    const results = (n: number) => Array.from({ length: n }, (_, i) => ({ rule: `rule_${i}`, passed: i % 2 === 0, message: `check ${i}` }));
    const record = async (memoryId: string, n: number) => {
      const data = ok(await gql(RECORD_VALIDATION, { memoryId, input: { status: "VALID", resolvedBy: "bot", results: results(n) } }));
      // Appended after any earlier results, in the order given.
      expect(data.recordValidation.results.slice(-n).map((r: { rule: string }) => r.rule)).toEqual(results(n).map((r) => r.rule));
    };
    const cost3 = await t.countStatements(() => record(few.id, 3));
    const cost30 = await t.countStatements(() => record(many.id, 30));
    expect(cost30.count).toBe(cost3.count);
    // Again on existing statuses (the update path), still the same.
    const again3 = await t.countStatements(() => record(few.id, 3));
    const again30 = await t.countStatements(() => record(many.id, 30));
    expect(again30.count).toBe(again3.count);
    expect(await t.db.prisma.validationResult.count({ where: { validationStatus: { memoryId: many.dbId } } })).toBe(60);
  });
});

const RECORD_METRICS = `mutation($memoryId: ID!, $input: RecordQualityMetricsInput!) {
  recordQualityMetrics(memoryId: $memoryId, input: $input) { overall completeness accuracy relevance clarity dimensions memory { id } } }`;

describe("recordQualityMetrics", () => {
  it("creates and updates a memory's metrics, deriving overall from the scores unless given", async () => {
    const memory = await memoryOf("user_quality", "Metrics");
    const record = async (input: Record<string, unknown>) => ok(await gql(RECORD_METRICS, { memoryId: memory.id, input })).recordQualityMetrics;

    expect(await record({ completeness: 0.5, accuracy: 1, relevance: 0.75, clarity: 0.25 })).toEqual({
      overall: 0.625,
      completeness: 0.5,
      accuracy: 1,
      relevance: 0.75,
      clarity: 0.25,
      dimensions: null,
      memory: { id: memory.id },
    });
    // An explicit overall wins; absent scores stay.
    expect(await record({ overall: 0.9, dimensions: { novelty: 0.4 } })).toEqual({
      overall: 0.9,
      completeness: 0.5,
      accuracy: 1,
      relevance: 0.75,
      clarity: 0.25,
      dimensions: { novelty: 0.4 },
      memory: { id: memory.id },
    });
    // Only dimensions change: overall stays.
    expect((await record({ dimensions: { novelty: 0.5 } })).overall).toBe(0.9);
    // A score changes without an overall: overall follows the scores on record.
    expect(await record({ clarity: 0.75 })).toMatchObject({ overall: 0.75, clarity: 0.75, dimensions: { novelty: 0.5 } });
    // null clears a score (and dimensions); the mean is over the scores left.
    const cleared = await record({ accuracy: null, completeness: 0, dimensions: null });
    expect(cleared).toEqual({ overall: 0.5, completeness: 0, accuracy: null, relevance: 0.75, clarity: 0.75, dimensions: null, memory: { id: memory.id } });
    expect(await record({ overall: null })).toMatchObject({ overall: null, completeness: 0 });

    const seen = ok(await gql(`query($id: ID!) { node(id: $id) { ... on Memory { qualityMetrics { overall relevance } } } }`, { id: memory.id }));
    expect(seen.node.qualityMetrics).toEqual({ overall: null, relevance: 0.75 });
    expect(await t.db.prisma.qualityMetrics.count({ where: { memoryId: memory.dbId } })).toBe(1);
  });

  it("leaves overall empty when no score is known", async () => {
    const memory = await memoryOf("user_quality", "Only dimensions");
    const data = ok(await gql(RECORD_METRICS, { memoryId: memory.id, input: { dimensions: { tone: "neutral" } } }));
    expect(data.recordQualityMetrics).toEqual({ overall: null, completeness: null, accuracy: null, relevance: null, clarity: null, dimensions: { tone: "neutral" }, memory: { id: memory.id } });
  });

  it("rejects a score outside 0..1 and writes nothing", async () => {
    const memory = await memoryOf("user_quality", "Out of range");
    for (const input of [{ overall: 1.5 }, { completeness: -0.1 }, { accuracy: 0.5, clarity: 2 }, { relevance: "high" }]) {
      const response = await gql(RECORD_METRICS, { memoryId: memory.id, input });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    }
    expect(await t.db.prisma.qualityMetrics.count({ where: { memoryId: memory.dbId } })).toBe(0);
  });

  it("answers NOT_FOUND for another user's memory and writes nothing", async () => {
    const theirs = await memoryOf("user_quality_other", "Their metrics");
    const response = await gql(RECORD_METRICS, { memoryId: theirs.id, input: { overall: 0.2 } });
    expect(errorCodes(response)).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.qualityMetrics.count({ where: { memoryId: theirs.dbId } })).toBe(0);
  });
});

const ANALYSIS_FIELDS = `analyzer version status config startedAt completedAt error conversation { id } memory { id }`;
const RECORD_ANALYSIS = `mutation($input: RecordAnalysisInput!) { recordAnalysis(input: $input) { id ${ANALYSIS_FIELDS} } }`;
const UPDATE_ANALYSIS = `mutation($id: ID!, $input: UpdateAnalysisInput!) { updateAnalysis(id: $id, input: $input) { ${ANALYSIS_FIELDS} } }`;

describe("recordAnalysis and updateAnalysis", () => {
  it("records a pending run over a conversation and moves it to running and completed", async () => {
    const conversationId = await conversationOf(token, "Analysed");
    const created = ok(await gql(RECORD_ANALYSIS, { input: { conversationId, analyzer: "sentiment", version: "2.1", config: { model: "small" } } })).recordAnalysis;
    expect(created).toEqual({
      id: created.id,
      analyzer: "sentiment",
      version: "2.1",
      status: "PENDING",
      config: { model: "small" },
      startedAt: null,
      completedAt: null,
      error: null,
      conversation: { id: conversationId },
      memory: null,
    });

    let before = new Date();
    const running = ok(await gql(UPDATE_ANALYSIS, { id: created.id, input: { status: "RUNNING" } })).updateAnalysis;
    between(running.startedAt, before, new Date());
    expect(running).toMatchObject({ status: "RUNNING", completedAt: null, config: { model: "small" } });

    before = new Date();
    const completed = ok(await gql(UPDATE_ANALYSIS, { id: created.id, input: { status: "COMPLETED", config: { model: "small", tokens: 912 } } })).updateAnalysis;
    between(completed.completedAt, before, new Date());
    expect(completed).toMatchObject({ status: "COMPLETED", startedAt: running.startedAt, config: { model: "small", tokens: 912 }, error: null });

    // A finished run stays finished.
    const restarted = await gql(UPDATE_ANALYSIS, { id: created.id, input: { status: "RUNNING" } });
    expect(errorCodes(restarted)).toEqual(["CONFLICT"]);
    const listed = ok(await gql(`query($id: ID!) { conversation(id: $id) { analyses { analyzer status } } }`, { id: conversationId }));
    expect(listed.conversation.analyses).toEqual([{ analyzer: "sentiment", status: "COMPLETED" }]);
  });

  it("records a run over a memory and a conversation with the times given, and a failure with its error", async () => {
    const conversationId = await conversationOf(token, "Both");
    const memory = await memoryOf("user_quality", "Analysed memory");
    const created = ok(
      await gql(RECORD_ANALYSIS, {
        input: { conversationId, memoryId: memory.id, analyzer: "dedupe", status: "RUNNING", startedAt: "2025-05-01T10:00:00.000Z" },
      }),
    ).recordAnalysis;
    expect(created).toMatchObject({ status: "RUNNING", startedAt: "2025-05-01T10:00:00.000Z", completedAt: null, conversation: { id: conversationId }, memory: { id: memory.id } });

    const failed = ok(await gql(UPDATE_ANALYSIS, { id: created.id, input: { status: "FAILED", completedAt: "2025-05-01T10:05:00.000Z", error: "timeout" } })).updateAnalysis;
    expect(failed).toEqual({
      analyzer: "dedupe",
      version: null,
      status: "FAILED",
      config: null,
      startedAt: "2025-05-01T10:00:00.000Z",
      completedAt: "2025-05-01T10:05:00.000Z",
      error: "timeout",
      conversation: { id: conversationId },
      memory: { id: memory.id },
    });
    const cleared = ok(await gql(UPDATE_ANALYSIS, { id: created.id, input: { error: null } })).updateAnalysis;
    expect(cleared).toMatchObject({ status: "FAILED", error: null });

    const before = new Date();
    const done = ok(await gql(RECORD_ANALYSIS, { input: { memoryId: memory.id, analyzer: "summary", status: "COMPLETED" } })).recordAnalysis;
    between(done.completedAt, before, new Date());
    expect(done).toMatchObject({ status: "COMPLETED", startedAt: null, conversation: null, memory: { id: memory.id } });
    const seen = ok(await gql(`query($id: ID!) { node(id: $id) { ... on Memory { analyses { analyzer } } } }`, { id: memory.id }));
    expect(seen.node.analyses).toEqual([{ analyzer: "dedupe" }, { analyzer: "summary" }]);
  });

  it("rejects bad input with BAD_USER_INPUT and writes nothing", async () => {
    const conversationId = await conversationOf(token, "Bad analysis input");
    const cases: Record<string, unknown>[] = [
      { analyzer: "no target" },
      { conversationId, analyzer: " " },
      { conversationId, analyzer: "x", status: "DONE" },
      { conversationId, analyzer: "x", completedAt: "2025-01-01T00:00:00Z" },
      { conversationId, analyzer: "x", startedAt: "2025-01-01T00:00:00Z" },
      { conversationId, analyzer: "x", status: "COMPLETED", startedAt: "2025-01-02T00:00:00Z", completedAt: "2025-01-01T00:00:00Z" },
      { conversationId, memoryId: conversationId, analyzer: "x" },
    ];
    for (const input of cases) expect(errorCodes(await gql(RECORD_ANALYSIS, { input }))).toEqual(["BAD_USER_INPUT"]);
    expect(await t.db.prisma.analysisMetadata.count({ where: { conversation: { title: "Bad analysis input" } } })).toBe(0);

    const run = ok(await gql(RECORD_ANALYSIS, { input: { conversationId, analyzer: "x", status: "RUNNING", startedAt: "2025-01-02T00:00:00Z" } })).recordAnalysis;
    for (const input of [{ status: null }, { status: "PENDING" }, { completedAt: "2025-01-03T00:00:00Z" }, { status: "COMPLETED", completedAt: "2025-01-01T00:00:00Z" }]) {
      const response = await gql(UPDATE_ANALYSIS, { id: run.id, input });
      expect(errorCodes(response)).toEqual([input.status === "PENDING" ? "CONFLICT" : "BAD_USER_INPUT"]);
    }
    const unchanged = await t.db.prisma.analysisMetadata.findFirstOrThrow({ where: { conversation: { title: "Bad analysis input" } } });
    expect(unchanged).toMatchObject({ status: "RUNNING", startedAt: new Date("2025-01-02T00:00:00Z"), completedAt: null });
  });

  it("answers NOT_FOUND for another user's conversation, memory or run, and writes nothing", async () => {
    const theirConversation = await conversationOf(other, "Their analysed conversation");
    const theirMemory = await memoryOf("user_quality_other", "Their analysed memory");
    const mine = await conversationOf(token, "Mine, with theirs");
    for (const input of [
      { conversationId: theirConversation, analyzer: "x" },
      { memoryId: theirMemory.id, analyzer: "x" },
      { conversationId: mine, memoryId: theirMemory.id, analyzer: "x" },
    ]) {
      expect(errorCodes(await gql(RECORD_ANALYSIS, { input }))).toEqual(["NOT_FOUND"]);
    }
    expect(await t.db.prisma.analysisMetadata.count({ where: { OR: [{ memoryId: theirMemory.dbId }, { conversation: { title: { in: ["Their analysed conversation", "Mine, with theirs"] } } }] } })).toBe(0);

    const theirRun = ok(await gql(RECORD_ANALYSIS, { input: { conversationId: theirConversation, analyzer: "theirs" } }, other)).recordAnalysis;
    expect(errorCodes(await gql(UPDATE_ANALYSIS, { id: theirRun.id, input: { status: "RUNNING", error: "hijacked" } }))).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.analysisMetadata.findFirstOrThrow({ where: { analyzer: "theirs" } })).toMatchObject({ status: "PENDING", error: null, startedAt: null });
  });
});
