// Seed 000's emotional intelligence: emotional contexts, mood scores with their deltas, the mood
// timeline, turning points, relationship dynamics and delta patterns.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;
let other: string;
let viewerId: string;
let otherId: string;

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_emotion");
  other = await t.tokenFor("user_emotion_other");
  ok(await t.gql(`{ viewer { id } }`, {}, { token }));
  ok(await t.gql(`{ viewer { id } }`, {}, { token: other }));
  viewerId = (await t.db.prisma.user.findUniqueOrThrow({ where: { externalId: "user_emotion" } })).id;
  otherId = (await t.db.prisma.user.findUniqueOrThrow({ where: { externalId: "user_emotion_other" } })).id;
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>, as = token) => t.gql(query, variables, { token: as });

async function conversation(title: string, as = token): Promise<string> {
  return ok(await gql(`mutation($title: String) { createConversation(input: { title: $title }) { id } }`, { title }, as)).createConversation.id;
}

async function messages(conversationId: string, list: { content: string; sender?: string; timestamp?: string }[], as = token): Promise<string[]> {
  const data = ok(
    await gql(
      `mutation($id: ID!, $messages: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $messages) { messages { id } } }`,
      { id: conversationId, messages: list.map((m) => ({ role: "USER", ...m })) },
      as,
    ),
  );
  return data.appendMessages.messages.map((m: { id: string }) => m.id);
}

async function memory(userId: string, content: string): Promise<string> {
  const row = await t.db.prisma.memory.create({ data: { userId, content } });
  return encodeGlobalID("Memory", row.id);
}

const at = (time: string) => `2025-01-01T${time}:00.000Z`;

describe("setEmotionalContext", () => {
  const SET = `mutation($memoryId: ID, $messageId: ID, $input: EmotionalContextInput!) {
    setEmotionalContext(memoryId: $memoryId, messageId: $messageId, input: $input) {
      id mood intensity themes markers metadata memory { id } message { id } } }`;

  it("sets a message's emotional context, and setting it again replaces the reading in place", async () => {
    const [messageId] = await messages(await conversation("flat hunt"), [{ content: "I'm just tired of looking, honestly." }]);
    const first = ok(
      await gql(SET, { messageId, input: { mood: "frustrated", intensity: 0.6, themes: ["fatigue", "housing"], markers: ["tired of looking"], metadata: { model: "v1" } } }),
    ).setEmotionalContext;
    expect(first).toMatchObject({
      mood: "frustrated",
      intensity: 0.6,
      themes: ["fatigue", "housing"],
      markers: ["tired of looking"],
      metadata: { model: "v1" },
      memory: null,
      message: { id: messageId },
    });

    const second = ok(await gql(SET, { messageId, input: { mood: "resigned", themes: ["housing"] } })).setEmotionalContext;
    expect(second).toEqual({ id: first.id, mood: "resigned", intensity: null, themes: ["housing"], markers: [], metadata: null, memory: null, message: { id: messageId } });
    const read = ok(await gql(`query($id: ID!) { node(id: $id) { ... on Message { emotionalContext { id mood } } } }`, { id: messageId }));
    expect(read.node.emotionalContext).toEqual({ id: first.id, mood: "resigned" });
    expect(await t.db.prisma.emotionalContext.count({ where: { message: { conversation: { userId: viewerId } } } })).toBe(1);
  });

  it("sets a memory's emotional context", async () => {
    const memoryId = await memory(viewerId, "They booked a viewing for Saturday.");
    const data = ok(await gql(SET, { memoryId, input: { mood: "grateful", intensity: 0.7, themes: ["repair"], markers: ["thank you"] } })).setEmotionalContext;
    expect(data).toMatchObject({ mood: "grateful", intensity: 0.7, themes: ["repair"], markers: ["thank you"], metadata: null, memory: { id: memoryId }, message: null });
    const read = ok(await gql(`query($id: ID!) { node(id: $id) { ... on Memory { emotionalContext { mood } } } }`, { id: memoryId }));
    expect(read.node.emotionalContext).toEqual({ mood: "grateful" });
  });

  it("rejects both or neither subject and out-of-range intensity, writing nothing", async () => {
    const memoryId = await memory(viewerId, "A memory without a reading");
    const [messageId] = await messages(await conversation("no reading"), [{ content: "neutral" }]);
    const before = await t.db.prisma.emotionalContext.count();
    for (const variables of [
      { memoryId, messageId, input: { mood: "calm" } },
      { input: { mood: "calm" } },
      { memoryId, input: { mood: "calm", intensity: 1.5 } },
      { messageId, input: { mood: "calm", intensity: -0.1 } },
      { messageId, input: { mood: "  " } },
      { memoryId: messageId, input: { mood: "calm" } },
    ]) {
      expect(errorCodes(await gql(SET, variables))).toEqual(["BAD_USER_INPUT"]);
    }
    expect(await t.db.prisma.emotionalContext.count()).toBe(before);
  });

  it("hides another user's memory and message behind NOT_FOUND, writing nothing", async () => {
    const foreignMemory = await memory(otherId, "someone else's memory");
    const [foreignMessage] = await messages(await conversation("theirs", other), [{ content: "their message" }], other);
    const before = await t.db.prisma.emotionalContext.count();
    expect(errorCodes(await gql(SET, { memoryId: foreignMemory, input: { mood: "nosy" } }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await gql(SET, { messageId: foreignMessage, input: { mood: "nosy" } }))).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.emotionalContext.count()).toBe(before);
  });
});

const RECORD_SCORE = `mutation($c: ID!, $input: MoodScoreInput!) { recordMoodScore(conversationId: $c, input: $input) {
  id participant score label confidence factors measuredAt message { id }
  delta { id delta magnitude direction significance fromScore { id } toScore { id } } } }`;

async function score(conversationId: string, input: Record<string, unknown>, as = token) {
  return ok(await gql(RECORD_SCORE, { c: conversationId, input }, as)).recordMoodScore;
}

/** The conversation's scores in time order, each with where its delta comes from. */
async function series(conversationId: string) {
  const data = ok(
    await gql(
      `query($id: ID!) { conversation(id: $id) { moodScores(first: 100) { edges { node {
         participant score measuredAt delta { id delta direction fromScore { measuredAt } } } } } } }`,
      { id: conversationId },
    ),
  );
  return data.conversation.moodScores.edges.map((edge: { node: unknown }) => edge.node);
}

describe("recordMoodScore", () => {
  it("records each participant's delta from their own previous score", async () => {
    const c = await conversation("Maya and Jonah");
    const maya1 = await score(c, { participant: "Maya", score: 0.3, label: "hopeful", confidence: 0.8, factors: { lexicon: 0.6 }, measuredAt: at("10:00") });
    expect(maya1).toMatchObject({ participant: "Maya", score: 0.3, label: "hopeful", confidence: 0.8, factors: { lexicon: 0.6 }, measuredAt: at("10:00"), message: null, delta: null });

    const jonah1 = await score(c, { participant: "Jonah", score: 0, measuredAt: at("10:01") });
    expect(jonah1.delta).toBeNull();

    const maya2 = await score(c, { participant: "Maya", score: -0.35, label: "frustrated", measuredAt: at("10:02") });
    expect(maya2.delta).toEqual({
      id: expect.any(String),
      delta: -0.65,
      magnitude: 0.65,
      direction: "DOWN",
      significance: 1,
      fromScore: { id: maya1.id },
      toScore: { id: maya2.id },
    });

    const jonah2 = await score(c, { participant: "Jonah", score: 0.02, measuredAt: at("10:03") });
    expect(jonah2.delta).toMatchObject({ delta: 0.02, magnitude: 0.02, direction: "STABLE", significance: 0.04, fromScore: { id: jonah1.id } });

    const maya3 = await score(c, { participant: "Maya", score: 0.4, measuredAt: at("10:04") });
    expect(maya3.delta).toMatchObject({ delta: 0.75, magnitude: 0.75, direction: "UP", significance: 1, fromScore: { id: maya2.id } });

    // 0.45 - 0.4 is 0.04999999999999999 in floating point: exactly the STABLE threshold, so UP.
    const maya4 = await score(c, { participant: "Maya", score: 0.45, measuredAt: at("10:05") });
    expect(maya4.delta).toMatchObject({ delta: 0.05, magnitude: 0.05, direction: "UP", significance: 0.1 });

    const mayaDown = await score(c, { participant: "Maya", score: 0.41, measuredAt: at("10:06") });
    expect(mayaDown.delta).toMatchObject({ delta: -0.04, magnitude: 0.04, direction: "STABLE", significance: 0.08 });

    const deltas = await t.db.prisma.moodDelta.count({ where: { conversationId: Buffer.from(c, "base64").toString().split(":")[1] } });
    expect(deltas).toBe(5);
  });

  it("keeps scores without a participant in their own series", async () => {
    const c = await conversation("unattributed");
    await score(c, { participant: "Ana", score: 0.5, measuredAt: at("09:00") });
    const first = await score(c, { score: -0.5, measuredAt: at("09:10") });
    expect(first).toMatchObject({ participant: null, delta: null });
    const second = await score(c, { score: 0, measuredAt: at("09:20") });
    expect(second.delta).toMatchObject({ delta: 0.5, direction: "UP", fromScore: { id: first.id } });
    const ana = await score(c, { participant: "Ana", score: 0.5, measuredAt: at("09:30") });
    expect(ana.delta).toMatchObject({ delta: 0, magnitude: 0, direction: "STABLE", significance: 0 });
  });

  it("inserts a backfilled score into the series, re-linking the later score's delta", async () => {
    const c = await conversation("backfill");
    const ten = await score(c, { participant: "Ana", score: 0, measuredAt: at("10:00") });
    const twenty = await score(c, { participant: "Ana", score: 0.5, measuredAt: at("10:20") });
    const original = twenty.delta;
    expect(original).toMatchObject({ delta: 0.5, fromScore: { id: ten.id } });

    const { count, result: between } = await countWith(() => score(c, { participant: "Ana", score: 0.25, measuredAt: at("10:10") }));
    expect(between.delta).toMatchObject({ delta: 0.25, direction: "UP", fromScore: { id: ten.id }, toScore: { id: between.id } });
    const beforeAll = await score(c, { participant: "Ana", score: -0.5, measuredAt: at("09:50") });
    expect(beforeAll.delta).toBeNull();
    await score(c, { participant: "Ben", score: 1, measuredAt: at("10:15") }); // another series is untouched

    expect(await series(c)).toEqual([
      { participant: "Ana", score: -0.5, measuredAt: at("09:50"), delta: null },
      { participant: "Ana", score: 0, measuredAt: at("10:00"), delta: { id: expect.any(String), delta: 0.5, direction: "UP", fromScore: { measuredAt: at("09:50") } } },
      { participant: "Ana", score: 0.25, measuredAt: at("10:10"), delta: { id: between.delta.id, delta: 0.25, direction: "UP", fromScore: { measuredAt: at("10:00") } } },
      { participant: "Ben", score: 1, measuredAt: at("10:15"), delta: null },
      // The later score's delta keeps its id, now measured from the backfilled score.
      { participant: "Ana", score: 0.5, measuredAt: at("10:20"), delta: { id: original.id, delta: 0.25, direction: "UP", fromScore: { measuredAt: at("10:10") } } },
    ]);
    const dbId = Buffer.from(c, "base64").toString().split(":")[1];
    expect(await t.db.prisma.moodDelta.count({ where: { conversationId: dbId } })).toBe(3);

    // Recording into the middle of a longer series costs the same number of statements.
    for (let i = 0; i < 10; i++) await score(c, { participant: "Ana", score: 0, measuredAt: at(`11:${String(i).padStart(2, "0")}`) });
    const { count: later } = await countWith(() => score(c, { participant: "Ana", score: 0.1, measuredAt: at("11:04") }));
    expect(later).toBe(count);
  });

  it("keeps a series chained in time order when its scores arrive at once, out of order", async () => {
    const c = await conversation("concurrent");
    const minutes = [7, 2, 9, 4, 1, 6, 3, 8, 5, 0];
    await Promise.all(minutes.map((m) => score(c, { participant: "Ana", score: (m % 4) * 0.25 - 0.5, measuredAt: at(`12:0${m}`) })));
    const list = await series(c);
    expect(list.map((s: { measuredAt: string }) => s.measuredAt)).toEqual(minutes.toSorted().map((m) => at(`12:0${m}`)));
    list.forEach((s: { score: number; delta: { delta: number; fromScore: { measuredAt: string } } | null }, i: number) => {
      if (i === 0) return expect(s.delta).toBeNull();
      expect(s.delta).toMatchObject({ delta: s.score - list[i - 1].score, fromScore: { measuredAt: list[i - 1].measuredAt } });
    });
  });

  it("measures at the message's timestamp unless told otherwise", async () => {
    const c = await conversation("with messages");
    const [messageId] = await messages(c, [{ content: "Booked for 11:00 💛", sender: "Maya", timestamp: "2025-06-14T09:48:00.000Z" }]);
    const fromMessage = await score(c, { participant: "Maya", score: 0.75, messageId });
    expect(fromMessage).toMatchObject({ measuredAt: "2025-06-14T09:48:00.000Z", message: { id: messageId } });
    const explicit = await score(c, { participant: "Maya", score: 0.8, messageId, measuredAt: "2025-06-14T10:00:00.000Z" });
    expect(explicit).toMatchObject({ measuredAt: "2025-06-14T10:00:00.000Z", delta: { delta: 0.05, direction: "UP" } });
    const now = Date.now();
    const unstamped = await score(c, { participant: "Jonah", score: 0 });
    expect(Math.abs(Date.parse(unstamped.measuredAt) - now)).toBeLessThan(60_000);
  });

  it("rejects out-of-range values and a message of another conversation, writing nothing", async () => {
    const c = await conversation("invalid scores");
    await score(c, { participant: "Ana", score: 0, measuredAt: at("08:00") });
    const [elsewhere] = await messages(await conversation("elsewhere"), [{ content: "a message elsewhere" }]);
    const before = { scores: await t.db.prisma.moodScore.count(), deltas: await t.db.prisma.moodDelta.count() };
    for (const input of [
      { participant: "Ana", score: 1.5 },
      { participant: "Ana", score: -1.01 },
      { participant: "Ana", score: 0.5, confidence: 2 },
      { participant: "", score: 0.5 },
      { participant: "Ana", score: 0.5, messageId: elsewhere },
      { participant: "Ana", score: 0.5, messageId: c },
    ]) {
      const response = await gql(RECORD_SCORE, { c, input });
      expect(errorCodes(response), JSON.stringify(input)).toEqual(["BAD_USER_INPUT"]);
    }
    expect(errorCodes(await gql(RECORD_SCORE, { c: "not-an-id", input: { score: 0 } }))).toEqual(["BAD_USER_INPUT"]);
    expect({ scores: await t.db.prisma.moodScore.count(), deltas: await t.db.prisma.moodDelta.count() }).toEqual(before);
  });

  it("hides another user's conversation and message behind NOT_FOUND, writing nothing", async () => {
    const theirs = await conversation("their mood", other);
    await score(theirs, { participant: "Zoe", score: 0.2 }, other);
    const [theirMessage] = await messages(theirs, [{ content: "their words" }], other);
    const mine = await conversation("my mood");
    const before = { scores: await t.db.prisma.moodScore.count(), deltas: await t.db.prisma.moodDelta.count() };
    expect(errorCodes(await gql(RECORD_SCORE, { c: theirs, input: { participant: "Zoe", score: -0.9 } }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await gql(RECORD_SCORE, { c: mine, input: { score: 0.1, messageId: theirMessage } }))).toEqual(["NOT_FOUND"]);
    expect({ scores: await t.db.prisma.moodScore.count(), deltas: await t.db.prisma.moodDelta.count() }).toEqual(before);
  });
});

async function countWith<T>(fn: () => Promise<T>): Promise<{ count: number; result: T }> {
  let result!: T;
  const { count } = await t.countStatements(async () => {
    result = await fn();
  });
  return { count, result };
}

describe("moodTimeline", () => {
  const TIMELINE = `query($c: ID!, $participant: String, $bucket: MoodBucket) {
    moodTimeline(conversationId: $c, participant: $participant, bucket: $bucket) { start end participant averageScore minScore maxScore count delta } }`;
  let c: string;

  beforeAll(async () => {
    c = await conversation("timeline");
    const readings: [string | null, string, number][] = [
      ["Ana", "10:05", 0.5],
      ["Ben", "10:20", 0],
      [null, "10:30", -0.5],
      ["Ana", "10:40", 0.25],
      ["Ana", "11:10", -0.25],
      ["Ben", "11:50", 0.5],
      ["Ana", "13:30", 0.5],
    ];
    for (const [participant, time, value] of readings) await score(c, { participant, score: value, measuredAt: at(time) });
  });

  const bucket = (start: string, end: string, participant: string | null, averageScore: number, minScore: number, maxScore: number, count: number, delta: number | null) => ({
    start,
    end,
    participant,
    averageScore,
    minScore,
    maxScore,
    count,
    delta,
  });

  it("averages each participant's scores per hour, with the change from their previous non-empty hour", async () => {
    const data = ok(await gql(TIMELINE, { c }));
    expect(data.moodTimeline).toEqual([
      bucket(at("10:00"), at("11:00"), "Ana", 0.375, 0.25, 0.5, 2, null),
      bucket(at("10:00"), at("11:00"), "Ben", 0, 0, 0, 1, null),
      bucket(at("10:00"), at("11:00"), null, -0.5, -0.5, -0.5, 1, null),
      bucket(at("11:00"), at("12:00"), "Ana", -0.25, -0.25, -0.25, 1, -0.625),
      bucket(at("11:00"), at("12:00"), "Ben", 0.5, 0.5, 0.5, 1, 0.5),
      // 12:00 is empty: Ana's 13:00 bucket is compared with her 11:00 one.
      bucket(at("13:00"), at("14:00"), "Ana", 0.5, 0.5, 0.5, 1, 0.75),
    ]);
  });

  it("follows one participant, in minute, day and week buckets", async () => {
    const minutes = ok(await gql(TIMELINE, { c, participant: "Ana", bucket: "MINUTE" })).moodTimeline;
    expect(minutes).toEqual([
      bucket(at("10:05"), at("10:06"), "Ana", 0.5, 0.5, 0.5, 1, null),
      bucket(at("10:40"), at("10:41"), "Ana", 0.25, 0.25, 0.25, 1, -0.25),
      bucket(at("11:10"), at("11:11"), "Ana", -0.25, -0.25, -0.25, 1, -0.5),
      bucket(at("13:30"), at("13:31"), "Ana", 0.5, 0.5, 0.5, 1, 0.75),
    ]);
    const days = ok(await gql(TIMELINE, { c, participant: "Ana", bucket: "DAY" })).moodTimeline;
    expect(days).toEqual([bucket("2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z", "Ana", 0.25, -0.25, 0.5, 4, null)]);
    // 2025-01-01 is a Wednesday; its week starts on Monday 2024-12-30.
    const weeks = ok(await gql(TIMELINE, { c, bucket: "WEEK" })).moodTimeline;
    expect(weeks.map((w: { start: string; end: string; participant: string | null; count: number }) => [w.start, w.end, w.participant, w.count])).toEqual([
      ["2024-12-30T00:00:00.000Z", "2025-01-06T00:00:00.000Z", "Ana", 4],
      ["2024-12-30T00:00:00.000Z", "2025-01-06T00:00:00.000Z", "Ben", 2],
      ["2024-12-30T00:00:00.000Z", "2025-01-06T00:00:00.000Z", null, 1],
    ]);
    expect(ok(await gql(TIMELINE, { c, participant: "Nobody" })).moodTimeline).toEqual([]);
  });

  it("is one SQL statement however many scores there are", async () => {
    const small = await conversation("small timeline");
    await score(small, { participant: "Ana", score: 0.1, measuredAt: at("10:00") });
    const { count: one } = await t.countStatements(async () => ok(await gql(TIMELINE, { c: small })));
    const { count: many } = await t.countStatements(async () => ok(await gql(TIMELINE, { c })));
    expect(many).toBe(one);
  });

  it("is empty for another user's conversation and rejects a malformed id", async () => {
    expect(ok(await gql(TIMELINE, { c }, other)).moodTimeline).toEqual([]);
    expect(ok(await gql(TIMELINE, { c: encodeGlobalID("Conversation", "no-such-conversation") })).moodTimeline).toEqual([]);
    expect(errorCodes(await gql(TIMELINE, { c: "not-an-id" }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(TIMELINE, { c: encodeGlobalID("Memory", "x") }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("turning points", () => {
  const RECORD = `mutation($c: ID!, $input: TurningPointInput!) { recordTurningPoint(conversationId: $c, input: $input) {
    id type magnitude description occurredAt metadata message { id } conversation { id } } }`;
  const LIST = `query($c: ID!, $min: Float) { turningPoints(conversationId: $c, minMagnitude: $min) { type magnitude occurredAt } }`;

  it("records turning points and lists them in time order, filtered by magnitude", async () => {
    const c = await conversation("turns");
    const [apology] = await messages(c, [{ content: "Sorry, that came out harsh.", sender: "Jonah", timestamp: "2025-06-14T09:33:00.000Z" }]);
    const reconciliation = ok(
      await gql(RECORD, { c, input: { type: "reconciliation", magnitude: 0.75, description: "Jonah apologises", messageId: apology, metadata: { by: "Jonah" } } }),
    ).recordTurningPoint;
    expect(reconciliation).toEqual({
      id: expect.any(String),
      type: "reconciliation",
      magnitude: 0.75,
      description: "Jonah apologises",
      occurredAt: "2025-06-14T09:33:00.000Z",
      metadata: { by: "Jonah" },
      message: { id: apology },
      conversation: { id: c },
    });
    ok(await gql(RECORD, { c, input: { type: "escalation", magnitude: 0.5, occurredAt: "2025-06-14T09:20:00.000Z" } }));
    ok(await gql(RECORD, { c, input: { type: "relief", magnitude: 0.25, occurredAt: "2025-06-14T09:45:00.000Z" } }));

    expect(ok(await gql(LIST, { c })).turningPoints).toEqual([
      { type: "escalation", magnitude: 0.5, occurredAt: "2025-06-14T09:20:00.000Z" },
      { type: "reconciliation", magnitude: 0.75, occurredAt: "2025-06-14T09:33:00.000Z" },
      { type: "relief", magnitude: 0.25, occurredAt: "2025-06-14T09:45:00.000Z" },
    ]);
    expect(ok(await gql(LIST, { c, min: 0.5 })).turningPoints.map((p: { type: string }) => p.type)).toEqual(["escalation", "reconciliation"]);
    expect(ok(await gql(LIST, { c }, other)).turningPoints).toEqual([]);
    expect(errorCodes(await gql(LIST, { c: "nope" }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("rejects invalid turning points and hides other users' conversations, writing nothing", async () => {
    const c = await conversation("bad turns");
    const [elsewhere] = await messages(await conversation("other turns"), [{ content: "elsewhere" }]);
    const theirs = await conversation("their turns", other);
    const before = await t.db.prisma.turningPoint.count();
    expect(errorCodes(await gql(RECORD, { c, input: { type: "spike", magnitude: 1.2 } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(RECORD, { c, input: { type: "", magnitude: 0.2 } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(RECORD, { c, input: { type: "spike", magnitude: 0.2, messageId: elsewhere } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(RECORD, { c: theirs, input: { type: "spike", magnitude: 0.2 } }))).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.turningPoint.count()).toBe(before);
  });
});

describe("recordRelationshipDynamics", () => {
  const RECORD = `mutation($c: ID, $m: ID, $input: RelationshipDynamicsInput!) { recordRelationshipDynamics(conversationId: $c, memoryId: $m, input: $input) {
    participants closeness tension support patterns metadata conversation { id } memory { id } } }`;

  it("records dynamics of a conversation, a memory, or both", async () => {
    const c = await conversation("dynamics");
    const m = await memory(viewerId, "After a tense moment they booked a viewing.");
    const input = { participants: ["Maya", "Jonah"], closeness: 0.78, tension: 0.35, support: 0.82, patterns: { repairAttempts: 1, repairInitiator: "Jonah" } };
    expect(ok(await gql(RECORD, { c, m, input })).recordRelationshipDynamics).toEqual({ ...input, metadata: null, conversation: { id: c }, memory: { id: m } });
    expect(ok(await gql(RECORD, { c, input: { participants: ["Maya"] } })).recordRelationshipDynamics).toEqual({
      participants: ["Maya"],
      closeness: null,
      tension: null,
      support: null,
      patterns: null,
      metadata: null,
      conversation: { id: c },
      memory: null,
    });
    expect(ok(await gql(RECORD, { m, input: { tension: 0, metadata: { note: "calm" } } })).recordRelationshipDynamics).toMatchObject({
      tension: 0,
      metadata: { note: "calm" },
      conversation: null,
      memory: { id: m },
    });
    const read = ok(await gql(`query($c: ID!) { conversation(id: $c) { relationshipDynamics { participants } } }`, { c }));
    expect(read.conversation.relationshipDynamics).toEqual([{ participants: ["Maya", "Jonah"] }, { participants: ["Maya"] }]);
  });

  it("rejects a missing subject and out-of-range scores, and hides other users' subjects, writing nothing", async () => {
    const c = await conversation("bad dynamics");
    const theirMemory = await memory(otherId, "their memory");
    const theirConversation = await conversation("their dynamics", other);
    const before = await t.db.prisma.relationshipDynamics.count();
    expect(errorCodes(await gql(RECORD, { input: { closeness: 0.5 } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(RECORD, { c, input: { closeness: 1.5 } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(RECORD, { c, input: { support: -1 } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(RECORD, { c, m: theirMemory, input: { closeness: 0.5 } }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await gql(RECORD, { c: theirConversation, input: { closeness: 0.5 } }))).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.relationshipDynamics.count()).toBe(before);
  });
});

describe("recordDeltaPattern", () => {
  const RECORD = `mutation($c: ID!, $input: DeltaPatternInput!) { recordDeltaPattern(conversationId: $c, input: $input) {
    patternType description confidence deltas { delta direction } } }`;

  it("groups a conversation's mood deltas into a pattern", async () => {
    const c = await conversation("v recovery");
    await score(c, { participant: "Maya", score: 0.3, measuredAt: at("10:00") });
    const dip = await score(c, { participant: "Maya", score: -0.35, measuredAt: at("10:02") });
    const recovery = await score(c, { participant: "Maya", score: 0.4, measuredAt: at("10:04") });
    const input = { patternType: "v_recovery", description: "dip and recovery", confidence: 0.82, deltaIds: [recovery.delta.id, dip.delta.id, dip.delta.id] };
    expect(ok(await gql(RECORD, { c, input })).recordDeltaPattern).toEqual({
      patternType: "v_recovery",
      description: "dip and recovery",
      confidence: 0.82,
      deltas: [
        { delta: -0.65, direction: "DOWN" },
        { delta: 0.75, direction: "UP" },
      ],
    });
  });

  it("rejects deltas of another conversation or user, writing nothing", async () => {
    const c = await conversation("pattern here");
    const elsewhere = await conversation("pattern elsewhere");
    await score(elsewhere, { score: 0, measuredAt: at("10:00") });
    const foreignDelta = (await score(elsewhere, { score: 0.5, measuredAt: at("10:01") })).delta.id;
    const theirs = await conversation("their pattern", other);
    await score(theirs, { score: 0, measuredAt: at("10:00") }, other);
    const theirDelta = (await score(theirs, { score: 0.5, measuredAt: at("10:01") }, other)).delta.id;
    const before = await t.db.prisma.deltaPattern.count();
    expect(errorCodes(await gql(RECORD, { c, input: { patternType: "x", deltaIds: [foreignDelta] } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(RECORD, { c, input: { patternType: "x", deltaIds: [] } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await gql(RECORD, { c, input: { patternType: "x", deltaIds: [theirDelta] } }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await gql(RECORD, { c: theirs, input: { patternType: "x", deltaIds: [theirDelta] } }))).toEqual(["NOT_FOUND"]);
    expect(await t.db.prisma.deltaPattern.count()).toBe(before);
  });
});
