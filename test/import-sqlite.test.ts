// The emotional-memory system's SQLite file, imported as its team would: a database built from the
// system's schema (test/fixtures/import/sqlite/schema.sql) with a chat, memories and every kind of
// record about them, sent twice through the CLI's code path over real HTTP. Every row arrives once;
// the team's documented questions are answered from Threadline.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import initSqlJs from "sql.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";
import { runImport } from "../src/import/run.ts";

const SCHEMA = fs.readFileSync(path.join(import.meta.dirname, "fixtures/import/sqlite/schema.sql"), "utf8");
let t: TestServer;
let tmp: string;
let dbFile: string;

const at = (iso: string) => Date.parse(iso);
const J = (value: unknown) => JSON.stringify(value);

// Maya and Jonah's chat: repeated short lines ("ok" by each, "ok" twice by Maya, two media lines),
// a media-only message, a link in the text and one the system recorded beside it.
const MESSAGES: [number, string | number, string, string | null][] = [
  [1, at("2025-06-14T09:00:00Z"), "Maya", "Did you see the flat I sent? https://www.idealista.pt/imovel/33412345/"],
  [2, at("2025-06-14T09:05:00Z"), "Jonah", "ok"],
  [3, at("2025-06-14T09:06:00Z"), "Maya", "ok"],
  [4, at("2025-06-14T09:07:00Z"), "Maya", "<Media omitted>"],
  [5, at("2025-06-14T09:08:00Z"), "Maya", "<Media omitted>"],
  [6, at("2025-06-14T09:19:00Z"), "Jonah", null],
  [7, "2025-06-14 09:40:00", "Maya", "Booked the viewing for Saturday at 11:00."],
  [8, at("2025-06-15T10:00:00Z"), "Maya", "ok"],
  [9, at("2025-06-15T10:02:00Z"), "Jonah", "The rent is way over what we said."],
  [10, at("2025-06-15T10:03:00Z"), "Maya", "I know. Let's talk tonight."],
  [11, at("2025-06-15T21:00:00Z"), "Jonah", "ok"],
  [12, at("2025-06-15T21:01:00Z"), "Jonah", "Thanks for listening ❤️"],
];

function buildDatabase(SQL: Awaited<ReturnType<typeof initSqlJs>>) {
  const db = new SQL.Database();
  db.exec(SCHEMA);
  const updated = at("2025-06-16T00:00:00Z");
  for (const [id, time, sender, text] of MESSAGES) {
    db.run(`INSERT INTO "Message" (id, timestamp, sender, senderId, message, hash, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      id, time, sender, sender === "Maya" ? "+351910000001" : "+351910000002", text, `hash-${id}`, updated, updated,
    ]);
  }
  db.run(`INSERT INTO "Link" (url, messageId) VALUES ('https://www.idealista.pt/imovel/33412345/', 1), ('https://maps.app.goo.gl/Rua-Saraiva', 1)`);
  db.run(`INSERT INTO "Asset" (filename, messageId, type) VALUES ('IMG-20250614-WA0007.jpg', 6, 'image'), ('IMG-20250614-WA0008.jpg', 6, 'image'), ('PTT-20250614-WA0009.opus', 4, NULL)`);

  const memory = (id: string, summary: string, confidence: number, sources: number[], created: string) =>
    db.run(`INSERT INTO "Memory" (id, sourceMessageIds, participants, summary, confidence, contentHash, extractedAt, createdAt, updatedAt, clusterParticipationCount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, [
      id, J(sources.map(String)), J([{ id: "maya", name: "Maya", role: "self" }, { id: "jonah", name: "Jonah", role: "partner" }]), summary, confidence, `ch-${id}`, at(created), at(created), updated,
    ]);
  memory("mem_flat", "Maya and Jonah want a two-bedroom flat in Lisbon within the rent they agreed on.", 8, [1, 2, 3], "2025-06-14T12:00:00Z");
  memory("mem_viewing", "The viewing is booked for Saturday at 11:00.", 9, [7], "2025-06-14T12:01:00Z");
  memory("mem_rent", "They disagree about the rent, then make up.", 6, [9, 10, 11, 12], "2025-06-16T08:00:00Z");
  for (const [a, b] of [["mem_flat", 1], ["mem_flat", 2], ["mem_viewing", 7], ["mem_rent", 9], ["mem_rent", 12]] as const) db.run(`INSERT INTO "_MemoryMessages" (A, B) VALUES (?, ?)`, [a, b]);

  db.run(`INSERT INTO "EmotionalContext" VALUES ('ec1', 'mem_flat', 'positive', 7, ?, ?, ?, ?, ?, ?)`, [
    J([{ theme: "housing", intensity: 0.8 }, { theme: "budget", intensity: 0.5 }]), J([{ marker: "lovely", type: "lexical" }, { marker: "way over", type: "lexical" }]),
    J([{ event: "flat found" }]), J([]), at("2025-06-14T12:00:05Z"), updated,
  ]);
  db.run(`INSERT INTO "EmotionalContext" VALUES ('ec2', 'mem_rent', 'mixed', 8, ?, ?, '[]', '[]', ?, ?)`, [J(["money", "repair"]), J(["I know", "❤️"]), at("2025-06-16T08:00:05Z"), updated]);
  db.run(`INSERT INTO "RelationshipDynamics" VALUES ('rd1', 'mem_rent', ?, ?, ?, ?, ?, ?)`, [
    J({ closeness: 0.78, tension: 0.35, supportiveness: 0.82 }), J([{ participant: "Maya", role: "initiator" }, { participant: "Jonah", role: "repairer" }]),
    J([{ pattern: "repair_attempt", initiator: "Jonah" }]), J({ score: 7.5 }), at("2025-06-16T08:00:06Z"), updated,
  ]);
  db.run(`INSERT INTO "ValidationStatus" VALUES ('vs1', 'mem_flat', 'approved', 'reviewer@team', ?, 2, 0, '[]', ?, ?, ?)`, [
    at("2025-06-17T09:00:00Z"), J([{ round: 1, decision: "needs_refinement" }, { round: 2, decision: "approved" }]), at("2025-06-16T09:00:00Z"), updated,
  ]);
  db.run(`INSERT INTO "ValidationStatus" VALUES ('vs2', 'mem_rent', 'needs_refinement', NULL, NULL, 1, 1, ?, '[]', ?, ?)`, [
    J([{ field: "summary", suggestion: "'tonight' is relative to the chat date" }]), at("2025-06-16T09:05:00Z"), updated,
  ]);
  db.run(`INSERT INTO "ValidationResult" VALUES ('vr1', 'mem_flat', 7, 6.5, 0.9, 0.5, 'expert-1', 'expert_review', 'Reads right.', '[]', ?, ?, ?)`, [J([{ metric: "mae", value: 0.5 }]), at("2025-06-16T10:00:00Z"), at("2025-06-16T10:00:00Z")]);
  db.run(`INSERT INTO "ValidationResult" VALUES ('vr2', 'mem_flat', 3, 6.5, 0.3, 3.5, 'crowd-7', 'crowd_sourced', NULL, ?, '[]', ?, ?)`, [J([{ bias: "positivity" }]), at("2025-06-16T11:00:00Z"), at("2025-06-16T11:00:00Z")]);
  db.run(`INSERT INTO "QualityMetrics" VALUES ('q1', 'mem_flat', 7, ?, 0.7, 0.8, 0.6, ?, 'weighted_v1')`, [J({ completeness: 7, accuracy: 8, relevance: 9, clarity: 6 }), at("2025-06-16T12:00:00Z")]);
  db.run(`INSERT INTO "QualityMetrics" VALUES ('q2', 'mem_flat', 8, ?, 0.8, 0.85, 0.7, ?, 'weighted_v2')`, [J({ completeness: 8, accuracy: 9, relevance: 9, clarity: 7 }), at("2025-06-18T12:00:00Z")]);
  db.run(`INSERT INTO "QualityMetrics" VALUES ('q3', 'mem_viewing', 9, '{}', 0.9, 0.9, 0.9, ?, 'weighted_v2')`, [at("2025-06-18T12:00:00Z")]);
  const score = (id: string, mem: string, value: number, when: string, descriptors: string[]) =>
    db.run(`INSERT INTO "MoodScore" VALUES (?, ?, ?, 0.8, ?, 'mood-v2.1', 42, ?, ?, ?)`, [id, mem, value, J(descriptors), at(when), at(when), updated]);
  score("ms1", "mem_flat", 6.5, "2025-06-14T12:00:10Z", ["hopeful", "excited"]);
  score("ms2", "mem_viewing", 8.5, "2025-06-14T12:01:10Z", ["relieved"]);
  score("ms3", "mem_rent", 3, "2025-06-16T08:00:10Z", ["frustrated", "tense"]);
  db.run(`INSERT INTO "MoodFactor" VALUES ('mf1', 'ms1', 'sentiment_analysis', 0.6, 'Positive words', ?, 0.7, ?)`, [J(["lovely"]), at("2025-06-14T12:00:10Z")]);
  db.run(`INSERT INTO "MoodFactor" VALUES ('mf2', 'ms1', 'psychological_indicator', 0.4, 'Future planning', ?, NULL, ?)`, [J(["viewing"]), at("2025-06-14T12:00:10Z")]);
  db.run(`INSERT INTO "MoodDelta" (id, memoryId, magnitude, direction, type, confidence, factors, significance, previousScore, currentScore) VALUES ('md1', 'mem_viewing', 2, 'positive', 'celebration', 0.8, '[]', 0.6, 6.5, 8.5), ('md2', 'mem_rent', 5.5, 'negative', 'decline', 0.7, '[]', 0.9, 8.5, 3)`);
  db.run(`INSERT INTO "TurningPoint" VALUES ('tp1', 'mem_viewing', 'md1', ?, 'breakthrough', 0.6, 'The viewing is booked.', '[]', 0.7, '{}', ?)`, [at("2025-06-14T09:40:00Z"), at("2025-06-14T12:01:20Z")]);
  db.run(`INSERT INTO "AnalysisMetadata" VALUES ('am1', 'mem_flat', 1250, 0.85, ?, ?, ?)`, [J({ coherence: 0.9 }), J(["relative date"]), at("2025-06-14T12:00:30Z")]);
  db.run(`INSERT INTO "CalibrationHistory" (id, calibrationId, adjustmentType, targetComponent, previousValue, newValue, performanceMetrics, status) VALUES ('cal1', 'c-1', 'weight_adjustment', 'sentiment_analysis', '{}', '{}', '{}', 'applied')`);
  db.run(`INSERT INTO "MemoryCluster" VALUES ('mc1', 'cl-home', 'Moving in together', 'hopeful', 0.82, 0.7, ?, ?, 2, ?, ?, NULL)`, [J(["Maya leads, Jonah follows"]), J({ algorithm: "hdbscan" }), at("2025-06-18T00:00:00Z"), updated]);
  db.run(`INSERT INTO "MemoryCluster" VALUES ('mc2', 'cl-money', 'Money', 'tense', 0.7, 0.5, '[]', '{}', 1, ?, ?, NULL)`, [at("2025-06-18T00:00:00Z"), updated]);
  db.run(`INSERT INTO "ClusterMembership" VALUES ('cm1', 'cl-home', 'mem_flat', 0.9, 0.6, ?), ('cm2', 'cl-home', 'mem_viewing', 0.8, 0.4, ?), ('cm3', 'cl-money', 'mem_rent', 0.95, 1, ?)`, [
    at("2025-06-18T00:00:01Z"), at("2025-06-18T00:00:02Z"), at("2025-06-18T00:00:03Z"),
  ]);
  db.run(`INSERT INTO "PatternAnalysis" VALUES ('pa1', 'p-1', 'cl-home', 'emotional_theme', 'Shared plans lift both', 3, 0.7, 0.85, '[]', '[]', ?)`, [at("2025-06-18T00:00:04Z")]);
  db.run(`INSERT INTO "ClusterQualityMetrics" VALUES ('cq1', 'cl-home', 0.82, 0.8, 0.9, 0.75, 0, '[]', '[]', 0.9, ?)`, [at("2025-06-18T00:00:05Z")]);
  const bytes = db.export();
  db.close();
  return bytes;
}

beforeAll(async () => {
  t = await startTestServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-sqlite-"));
  dbFile = path.join(tmp, "maya-and-jonah.db");
  fs.writeFileSync(dbFile, buildDatabase(await initSqlJs()));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const importAs = async (user: string, file = dbFile) => runImport({ format: "sqlite", paths: [file], target: { url: t.url, token: await t.tokenFor(user) } });

async function snapshot(user: string) {
  const p = t.db.prisma;
  const mine = { user: { externalId: user } };
  const inChat = { conversation: mine };
  return {
    conversations: await p.conversation.count({ where: mine }),
    messages: await p.message.count({ where: inChat }),
    links: await p.link.count({ where: { message: inChat } }),
    assets: await p.asset.count({ where: { message: inChat } }),
    memories: await p.memory.count({ where: mine }),
    emotionalContexts: await p.emotionalContext.count({ where: { memory: mine } }),
    relationshipDynamics: await p.relationshipDynamics.count({ where: { memory: mine } }),
    validationStatuses: await p.validationStatus.count({ where: { memory: mine } }),
    validationResults: await p.validationResult.count({ where: { validationStatus: { memory: mine } } }),
    qualityMetrics: await p.qualityMetrics.count({ where: { memory: mine } }),
    analyses: await p.analysisMetadata.count({ where: { memory: mine } }),
    moodScores: await p.moodScore.count({ where: inChat }),
    moodDeltas: await p.moodDelta.count({ where: inChat }),
    turningPoints: await p.turningPoint.count({ where: inChat }),
    clusters: await p.memoryCluster.count({ where: mine }),
    clusterMembers: await p.clusterMembership.count({ where: { cluster: mine } }),
  };
}

describe("sqlite (the emotional-memory system's database)", () => {
  it("imports every row once, and a second run adds nothing", async () => {
    const first = await importAs("sq_user");
    expect(first).toMatchObject({
      files: 1,
      conversations: 1,
      created: 1,
      messages: MESSAGES.length,
      duplicates: 0,
      kinds: {
        memories: { stored: 3, alreadyThere: 0 },
        moodScores: { stored: 3, alreadyThere: 0 },
        turningPoints: { stored: 1, alreadyThere: 0 },
        clusters: { stored: 2, alreadyThere: 0 },
        clusterMembers: { stored: 3, alreadyThere: 0 },
      },
      skipped: {
        "mood deltas (computed again from the mood scores)": 2,
        "calibration history (the analyzer's own tuning, not a user's data)": 1,
      },
    });
    const after = await snapshot("sq_user");
    expect(after).toEqual({
      conversations: 1,
      messages: 12,
      links: 2,
      assets: 3,
      memories: 3,
      emotionalContexts: 2,
      relationshipDynamics: 1,
      validationStatuses: 2,
      validationResults: 2,
      qualityMetrics: 2,
      analyses: 1,
      moodScores: 3,
      moodDeltas: 2,
      turningPoints: 1,
      clusters: 2,
      clusterMembers: 3,
    });

    const again = await importAs("sq_user");
    expect(again).toMatchObject({
      created: 0,
      messages: 0,
      duplicates: 12,
      kinds: {
        memories: { stored: 0, alreadyThere: 3 },
        moodScores: { stored: 0, alreadyThere: 3 },
        turningPoints: { stored: 0, alreadyThere: 1 },
        clusters: { stored: 0, alreadyThere: 2 },
        clusterMembers: { stored: 0, alreadyThere: 3 },
      },
    });
    expect(await snapshot("sq_user")).toEqual(after);
  });

  it("keeps every message of the file: each source id once, repeated short lines, media-only lines, both kinds of link", async () => {
    const token = await t.tokenFor("sq_user");
    const data = ok(
      await t.gql(
        `{ conversations(first: 5) { edges { node { id externalId title startedAt endedAt
           messages(first: 100) { edges { node { externalId position sender content timestamp metadata links { url domain } assets { type filename } } } } } } } }`,
        {},
        { token },
      ),
    );
    const [chat] = data.conversations.edges.map((e: any) => e.node);
    expect(chat).toMatchObject({ externalId: "sqlite:maya-and-jonah.db", title: "maya-and-jonah", startedAt: "2025-06-14T09:00:00.000Z", endedAt: "2025-06-15T21:01:00.000Z" });
    const messages = chat.messages.edges.map((e: any) => e.node);
    expect(messages.map((m: any) => m.externalId).sort((a: string, b: string) => Number(a) - Number(b))).toEqual(MESSAGES.map(([id]) => String(id)));
    expect(messages.filter((m: any) => m.content === "ok").map((m: any) => [m.sender, m.timestamp])).toEqual([
      ["Jonah", "2025-06-14T09:05:00.000Z"],
      ["Maya", "2025-06-14T09:06:00.000Z"],
      ["Maya", "2025-06-15T10:00:00.000Z"],
      ["Jonah", "2025-06-15T21:00:00.000Z"],
    ]);
    expect(messages.filter((m: any) => m.content === "<Media omitted>")).toHaveLength(2);
    const byId = Object.fromEntries(messages.map((m: any) => [m.externalId, m]));
    expect(byId["1"].links.map((l: any) => l.url).sort()).toEqual(["https://maps.app.goo.gl/Rua-Saraiva", "https://www.idealista.pt/imovel/33412345/"]);
    expect(byId["6"]).toMatchObject({ content: "", assets: [{ type: "image", filename: "IMG-20250614-WA0007.jpg" }, { type: "image", filename: "IMG-20250614-WA0008.jpg" }] });
    expect(byId["4"].assets).toEqual([{ type: "file", filename: "PTT-20250614-WA0009.opus" }]);
    expect(byId["7"].timestamp).toBe("2025-06-14T09:40:00.000Z"); // a text DateTime
    expect(byId["2"].metadata).toMatchObject({ hash: "hash-2", senderId: "+351910000002" });
  });

  it("answers the team's documented questions: the chat's analysis, memories and clusters, mood timeline and scores, turning points", async () => {
    const token = await t.tokenFor("sq_user");
    const { conversations } = ok(await t.gql(`{ conversations(first: 1) { edges { node { id } } } }`, {}, { token }));
    const id = conversations.edges[0].node.id;
    const analysis = ok(
      await t.gql(
        `query ChatAnalysis($id: ID!) { conversation(id: $id) {
          relationshipDynamics { participants closeness tension support patterns }
          memories(first: 50) { totalCount edges { node {
            content summary confidence participants sourceMessageIds createdAt metadata
            emotionalContext { mood intensity themes markers }
            qualityMetrics { overall completeness accuracy relevance clarity dimensions }
            validationStatus { status errors resolvedAt resolvedBy metadata results { rule passed severity message metadata createdAt } }
            clusterMemberships { score addedAt metadata cluster { name themes memberCount metadata } }
            analyses { analyzer status startedAt completedAt config }
            relationshipDynamics { participants closeness tension support }
          } } } } }`,
        { id },
        { token },
      ),
    ).conversation;
    expect(analysis.relationshipDynamics).toEqual([
      { participants: ["Maya", "Jonah"], closeness: 0.78, tension: 0.35, support: 0.82, patterns: [{ pattern: "repair_attempt", initiator: "Jonah" }] },
    ]);
    expect(analysis.memories.totalCount).toBe(3);
    const memories = Object.fromEntries(analysis.memories.edges.map((e: any) => [e.node.metadata.contentHash, e.node]));
    const flat = memories["ch-mem_flat"];
    expect(flat).toMatchObject({
      content: "Maya and Jonah want a two-bedroom flat in Lisbon within the rent they agreed on.",
      confidence: 0.8,
      participants: ["Maya", "Jonah"],
      createdAt: "2025-06-14T12:00:00.000Z",
      emotionalContext: { mood: "positive", intensity: 0.7, themes: ["housing", "budget"], markers: ["lovely", "way over"] },
      qualityMetrics: { overall: 0.8, completeness: 0.8, accuracy: 0.9, relevance: 0.9, clarity: 0.7 },
      validationStatus: {
        status: "VALID",
        resolvedAt: "2025-06-17T09:00:00.000Z",
        resolvedBy: "reviewer@team",
        metadata: { validationRound: 2, requiresRefinement: false },
      },
      analyses: [{ analyzer: "memory-analysis", status: "COMPLETED", startedAt: "2025-06-14T12:00:28.750Z", completedAt: "2025-06-14T12:00:30.000Z" }],
    });
    expect(flat.sourceMessageIds).toHaveLength(3); // the JSON column and the join table, united
    expect(flat.qualityMetrics.dimensions.records.map((r: any) => r.calculationMethod)).toEqual(["weighted_v1", "weighted_v2"]);
    expect(flat.validationStatus.results).toMatchObject([
      { rule: "mood_score:expert_review", passed: true, message: "Reads right.", metadata: { humanScore: 7, algorithmScore: 6.5, agreement: 0.9 }, createdAt: "2025-06-16T10:00:00.000Z" },
      { rule: "mood_score:crowd_sourced", passed: false, severity: "WARNING", message: null, metadata: { agreement: 0.3, biasIndicators: [{ bias: "positivity" }] } },
    ]);
    expect(flat.clusterMemberships).toMatchObject([
      { score: 0.9, addedAt: "2025-06-18T00:00:01.000Z", metadata: { contributionScore: 0.6 }, cluster: { name: "Moving in together", themes: ["Moving in together", "hopeful"], memberCount: 2 } },
    ]);
    expect(flat.clusterMemberships[0].cluster.metadata).toMatchObject({ coherenceScore: 0.82, patternAnalyses: [{ patternType: "emotional_theme" }], qualityMetrics: { overallCoherence: 0.82 } });
    expect(memories["ch-mem_rent"].validationStatus).toMatchObject({ status: "NEEDS_REVIEW", resolvedAt: null, errors: [{ field: "summary" }] });

    const clusters = ok(
      await t.gql(`{ memoryClusters(theme: "tense") { edges { node { name members(first: 20) { edges { node { score memory { summary } } } } } } } }`, {}, { token }),
    );
    expect(clusters.memoryClusters.edges.map((e: any) => e.node)).toEqual([
      { name: "Money", members: { edges: [{ node: { score: 0.95, memory: { summary: "They disagree about the rent, then make up." } } }] } },
    ]);

    const mood = ok(
      await t.gql(
        `query Mood($id: ID!) {
          moodTimeline(conversationId: $id, bucket: DAY) { start averageScore count }
          conversation(id: $id) { moodScores(first: 100) { edges { node { score label confidence factors measuredAt message { sender content }
            delta { direction fromScore { score } } } } } moodDeltas { direction } }
          turningPoints(conversationId: $id, minMagnitude: 0.5) { type magnitude description occurredAt message { content } } }`,
        { id },
        { token },
      ),
    );
    expect(mood.moodTimeline).toEqual([
      { start: "2025-06-14T00:00:00.000Z", averageScore: 0.5, count: 2 },
      { start: "2025-06-16T00:00:00.000Z", averageScore: -0.4, count: 1 },
    ]);
    const scores = mood.conversation.moodScores.edges.map((e: any) => e.node);
    expect(scores.map((s: any) => [s.score, s.label, s.measuredAt, s.delta?.direction ?? null])).toEqual([
      [0.3, "hopeful", "2025-06-14T12:00:10.000Z", null],
      [0.7, "relieved", "2025-06-14T12:01:10.000Z", "UP"],
      [-0.4, "frustrated", "2025-06-16T08:00:10.000Z", "DOWN"],
    ]);
    expect(scores[0].factors).toMatchObject({ score: 6.5, algorithmVersion: "mood-v2.1", factors: [{ type: "sentiment_analysis" }, { type: "psychological_indicator" }] });
    expect(scores[0].message).toEqual({ sender: "Maya", content: "Did you see the flat I sent? https://www.idealista.pt/imovel/33412345/" });
    expect(mood.turningPoints).toEqual([
      { type: "breakthrough", magnitude: 0.6, description: "The viewing is booked.", occurredAt: "2025-06-14T09:40:00.000Z", message: { content: "Booked the viewing for Saturday at 11:00." } },
    ]);
  });

  it("refuses a file that is not the system's database, and one cut short, writing nothing", async () => {
    const text = path.join(tmp, "notes.db");
    fs.writeFileSync(text, "this is not a database\n".repeat(20));
    const cut = path.join(tmp, "cut.db");
    fs.writeFileSync(cut, fs.readFileSync(dbFile).subarray(0, 4096 + 100));
    const other = path.join(tmp, "other.db");
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`);
    fs.writeFileSync(other, db.export());
    for (const file of [text, cut, other]) {
      await expect(importAs("sq_bad", file)).rejects.toThrow(/nothing was imported/);
    }
    // A good file next to a bad one: refused together.
    await expect(runImport({ format: "sqlite", paths: [dbFile, text], target: { url: t.url, token: await t.tokenFor("sq_bad") } })).rejects.toThrow(/notes\.db/);
    expect(Object.values(await snapshot("sq_bad")).every((n) => n === 0)).toBe(true);
  });
});

describe("importMemoryRecords", () => {
  it("refuses a bad record, an unknown message or a repeated id with BAD_USER_INPUT, storing nothing of the call", async () => {
    const token = await t.tokenFor("records_user");
    ok(await t.gql(`mutation { importConversation(input: { externalId: "chat-1", messages: [{ externalId: "m1", role: USER, content: "hi", timestamp: "2025-01-01T00:00:00Z" }] }) { created } }`, {}, { token }));
    const before = await snapshot("records_user");
    const send = (input: unknown) =>
      t.gql(`mutation($input: MemoryRecordsImportInput!) { importMemoryRecords(input: $input) { memories { stored } } }`, { input }, { token });
    const good = { externalId: "a", content: "fine", emotionalContext: { mood: "calm", intensity: 0.2 } };
    for (const input of [
      { conversationExternalId: "chat-1", memories: [good, { externalId: "b", content: "too intense", emotionalContext: { mood: "angry", intensity: 7 } }] },
      { conversationExternalId: "chat-1", memories: [good, { externalId: "c", content: "from nowhere", sourceMessageExternalIds: ["m404"] }] },
      { conversationExternalId: "chat-1", memories: [good, good] },
      { memories: [good], moodScores: [{ score: 0.1, measuredAt: "2025-01-01T00:00:00Z" }] },
      { conversationExternalId: "chat-1", memories: [good], clusters: [{ name: "x", members: [{ memoryExternalId: "nobody" }] }] },
    ]) {
      expect(errorCodes(await send(input))).toEqual(["BAD_USER_INPUT"]);
    }
    expect(errorCodes(await send({ conversationExternalId: "someone-elses", memories: [good] }))).toEqual(["NOT_FOUND"]);
    expect(await snapshot("records_user")).toEqual(before);
  });

  it("never reaches another user's conversation or memories", async () => {
    const owner = await t.tokenFor("records_owner");
    ok(await t.gql(`mutation { importConversation(input: { externalId: "shared-name", messages: [{ externalId: "m1", role: USER, content: "mine", timestamp: "2025-01-01T00:00:00Z" }] }) { created } }`, {}, { token: owner }));
    ok(await t.gql(`mutation { importMemoryRecords(input: { conversationExternalId: "shared-name", memories: [{ externalId: "secret", content: "owner's" }] }) { memories { stored } } }`, {}, { token: owner }));
    const other = await t.tokenFor("records_other");
    const before = await snapshot("records_owner");
    expect(errorCodes(await t.gql(`mutation { importMemoryRecords(input: { conversationExternalId: "shared-name", memories: [{ externalId: "x", content: "y" }] }) { memories { stored } } }`, {}, { token: other }))).toEqual(["NOT_FOUND"]);
    // The same memory id in another account is another memory: clusters only ever take the caller's.
    expect(errorCodes(await t.gql(`mutation { importMemoryRecords(input: { clusters: [{ name: "c", members: [{ memoryExternalId: "secret" }] }] }) { clusters { stored } } }`, {}, { token: other }))).toEqual(["BAD_USER_INPUT"]);
    expect(await snapshot("records_owner")).toEqual(before);
  });
});

describe("importConversations(format: SQLITE): the file uploaded, base64-encoded", () => {
  const UPLOAD = `mutation($c: String!, $n: String) { importConversations(format: SQLITE, content: $c, name: $n) {
    created inserted duplicates skipped { reason count } conversations { externalId title }
    records { memories { stored alreadyThere } moodScores { stored alreadyThere } turningPoints { stored alreadyThere }
              clusters { stored alreadyThere } clusterMembers { stored alreadyThere } } } }`;
  const upload = async (user: string, bytes: Uint8Array | string, name = "maya-and-jonah.db") =>
    t.gql(UPLOAD, { c: typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("base64"), n: name }, { token: await t.tokenFor(user) });
  const reasonOf = (answer: { errors?: { extensions?: Record<string, unknown> }[] }) => answer.errors?.map((e) => [e.extensions?.code, e.extensions?.reason]);

  /** What a user holds, without ids: the chat's messages and every memory with what was recorded about it. */
  async function contents(user: string) {
    const token = await t.tokenFor(user);
    const data = ok(
      await t.gql(
        `{ conversations(first: 5) { edges { node { externalId title startedAt endedAt
             messages(first: 100) { edges { node { externalId position sender content timestamp metadata links { url } assets { type filename } } } }
             moodScores(first: 100) { edges { node { score label measuredAt delta { direction } message { externalId } } } }
             memories(first: 50) { edges { node { content summary confidence participants createdAt metadata
               emotionalContext { mood intensity themes markers } qualityMetrics { overall dimensions }
               validationStatus { status resolvedAt results { rule passed metadata } } analyses { analyzer startedAt completedAt }
               relationshipDynamics { participants closeness tension support }
               clusterMemberships { score addedAt cluster { name themes memberCount metadata } } } } } } } } }`,
        {},
        { token },
      ),
    );
    return data.conversations.edges.map((e: any) => e.node);
  }

  it("stores what `npm run import -- sqlite` stores; a second upload, and then the CLI, add nothing", async () => {
    const bytes = fs.readFileSync(dbFile);
    const first = ok(await upload("up_user", bytes)).importConversations;
    expect(first).toMatchObject({
      created: 1,
      inserted: MESSAGES.length,
      duplicates: 0,
      conversations: [{ externalId: "sqlite:maya-and-jonah.db", title: "maya-and-jonah" }],
      records: {
        memories: { stored: 3, alreadyThere: 0 },
        moodScores: { stored: 3, alreadyThere: 0 },
        turningPoints: { stored: 1, alreadyThere: 0 },
        clusters: { stored: 2, alreadyThere: 0 },
        clusterMembers: { stored: 3, alreadyThere: 0 },
      },
    });
    expect(Object.fromEntries(first.skipped.map((s: any) => [s.reason, s.count]))).toEqual({
      "mood deltas (computed again from the mood scores)": 2,
      "calibration history (the analyzer's own tuning, not a user's data)": 1,
    });

    // The same file through the CLI, for another user: the same rows and the same data.
    await importAs("up_cli_twin");
    const after = await snapshot("up_user");
    expect(after).toEqual(await snapshot("up_cli_twin"));
    expect(after).toMatchObject({ messages: 12, memories: 3, moodScores: 3, moodDeltas: 2, clusters: 2, clusterMembers: 3, validationResults: 2 });
    expect(await contents("up_user")).toEqual(await contents("up_cli_twin"));

    const again = ok(await upload("up_user", bytes)).importConversations;
    expect(again).toMatchObject({
      created: 0,
      inserted: 0,
      duplicates: 12,
      records: {
        memories: { stored: 0, alreadyThere: 3 },
        moodScores: { stored: 0, alreadyThere: 3 },
        turningPoints: { stored: 0, alreadyThere: 1 },
        clusters: { stored: 0, alreadyThere: 2 },
        clusterMembers: { stored: 0, alreadyThere: 3 },
      },
    });
    expect(await snapshot("up_user")).toEqual(after);
    // An upload and a CLI import of one file are one import: the CLI afterwards finds everything there.
    const cli = await importAs("up_user");
    expect(cli).toMatchObject({ created: 0, messages: 0, duplicates: 12, kinds: { memories: { stored: 0, alreadyThere: 3 }, clusterMembers: { stored: 0, alreadyThere: 3 } } });
    expect(await snapshot("up_user")).toEqual(after);
  });

  it("accepts base64 with line breaks and the URL-safe alphabet", async () => {
    const text = Buffer.from(fs.readFileSync(dbFile)).toString("base64url");
    const wrapped = text.replace(/.{76}/g, "$&\n");
    expect(ok(await upload("up_wrapped", wrapped)).importConversations).toMatchObject({ created: 1, inserted: 12 });
  });

  it("refuses bad base64, a file that is not SQLite, one cut short, another schema, a bad record, too many messages or memories and a file too large, writing nothing", async () => {
    const SQL = await initSqlJs();
    const other = new SQL.Database();
    other.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`);
    const otherBytes = other.export();
    other.close();
    // The fixture plus one memory the API refuses (a blank summary: a memory's content may not be empty):
    // the file's messages, though fine, are not stored either.
    const bad = new SQL.Database(fs.readFileSync(dbFile));
    bad.run(`INSERT INTO "Memory" (id, sourceMessageIds, participants, summary, confidence, contentHash, extractedAt, createdAt, updatedAt) VALUES ('mem_empty', '[]', '[]', '   ', 5, 'x', 0, 0, 0)`);
    const badBytes = bad.export();
    bad.close();
    const many = new SQL.Database();
    many.exec(SCHEMA);
    many.exec("BEGIN");
    for (let i = 1; i <= 20_001; i++) many.run(`INSERT INTO "Message" (id, timestamp, sender, message, hash, createdAt, updatedAt) VALUES (?, ?, 'Maya', 'ok', ?, 0, 0)`, [i, 1_750_000_000_000 + i, `h${i}`]);
    many.exec("COMMIT");
    const manyBytes = many.export();
    many.close();
    const memories = new SQL.Database(fs.readFileSync(dbFile));
    memories.exec("BEGIN");
    for (let i = 0; i < 5_001; i++) memories.run(`INSERT INTO "Memory" (id, sourceMessageIds, participants, summary, confidence, contentHash, extractedAt, createdAt, updatedAt) VALUES (?, '[]', '[]', 'x', 5, ?, 0, 0, 0)`, [`m${i}`, `h${i}`]);
    memories.exec("COMMIT");
    const memoriesBytes = memories.export();
    memories.close();
    const whole = fs.readFileSync(dbFile);
    const cases: [string | Uint8Array, string][] = [
      ["this is not base64!", "INVALID_BASE64"],
      ["QUJD=A", "INVALID_BASE64"],
      [Buffer.from("this is not a database\n".repeat(20)), "NOT_SQLITE"],
      [whole.subarray(0, 4096 + 100), "NOT_SQLITE"],
      [otherBytes, "WRONG_SCHEMA"],
      [badBytes, "INVALID_RECORD"],
      [manyBytes, "TOO_MANY_MESSAGES"],
      [memoriesBytes, "TOO_MANY_RECORDS"],
      ["A".repeat(Math.ceil(16_000_001 / 3) * 4), "FILE_TOO_LARGE"],
    ];
    for (const [content, reason] of cases) {
      const answer = await upload("up_bad", content);
      expect(reasonOf(answer), reason).toEqual([["BAD_USER_INPUT", reason]]);
      expect(answer.errors![0].extensions).toMatchObject({ field: "content" });
    }
    expect(Object.values(await snapshot("up_bad")).every((n) => n === 0)).toBe(true);
  }, 120_000); // builds three databases and sends a 21 MB request: seconds, more on a loaded machine
});
