// Multi-row writes that race: each trial sends its writes at once over real HTTP, so on PostgreSQL
// (a connection per request) they interleave inside the database. Nothing may be lost or stored
// twice, and a request that loses a race answers with a documented code, never
// INTERNAL_SERVER_ERROR. Many trials; more on PostgreSQL, where the races are real.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type GraphQLResponse, type TestServer } from "./support/server.ts";

const ON_POSTGRES = Boolean(process.env.TEST_DATABASE_URL);
const TRIALS = ON_POSTGRES ? 15 : 3;

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor(`user_races_${randomUUID()}`);
});
afterAll(() => t?.close());

const gql = (query: string, variables: Record<string, unknown>) => t.gql(query, variables, { token });
const createConversation = async (title: string) =>
  ok(await gql(`mutation($t: String) { createConversation(input: { title: $t }) { id } }`, { t: title })).createConversation.id as string;
const createMemory = async (content: string) => ok(await gql(`mutation($c: String!) { createMemory(input: { content: $c }) { id } }`, { c: content })).createMemory.id as string;
const noInternalErrors = (answers: GraphQLResponse[]) => expect(answers.flatMap(errorCodes)).not.toContain("INTERNAL_SERVER_ERROR");

const APPEND = `mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted duplicates } }`;
const IMPORT = `mutation($input: ConversationImportInput!) { importConversation(input: $input) { created inserted duplicates conversations { id } } }`;

describe(`concurrent writes (${TRIALS} trials each)`, () => {
  it("gives concurrent appends to one conversation distinct, contiguous positions", async () => {
    const WRITERS = 6;
    const EACH = 5;
    for (let trial = 0; trial < TRIALS; trial++) {
      const id = await createConversation(`appends ${trial}`);
      const answers = await Promise.all(
        Array.from({ length: WRITERS }, (_, w) => gql(APPEND, { id, m: Array.from({ length: EACH }, (_, i) => ({ role: "USER", content: `w${w} m${i}` })) })),
      );
      for (const answer of answers) expect(ok(answer).appendMessages.inserted).toBe(EACH);
      const rows = await t.db.prisma.message.findMany({ where: { conversationId: Buffer.from(id, "base64").toString().split(":")[1] }, orderBy: { position: "asc" } });
      expect(rows.map((row) => row.position)).toEqual(Array.from({ length: WRITERS * EACH }, (_, i) => i + 1));
      // Each writer's batch is contiguous and in its order: appends are serialised whole.
      for (let w = 0; w < WRITERS; w++) {
        const mine = rows.filter((row) => row.content.startsWith(`w${w} `));
        expect(mine.map((row) => row.content)).toEqual(Array.from({ length: EACH }, (_, i) => `w${w} m${i}`));
        expect(mine[EACH - 1].position - mine[0].position).toBe(EACH - 1);
      }
    }
  }, 300_000);

  it("stores each message once when the same batch (same externalIds) is appended several times at once", async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const id = await createConversation(`same batch ${trial}`);
      const batch = Array.from({ length: 10 }, (_, i) => ({ role: "USER", content: `line ${i}`, externalId: `ext-${i}` }));
      const answers = await Promise.all(Array.from({ length: 4 }, () => gql(APPEND, { id, m: batch })));
      const results = answers.map((answer) => ok(answer).appendMessages);
      expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(10);
      expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(30);
      const { messageCount } = ok(await gql(`query($id: ID!) { conversation(id: $id) { messageCount } }`, { id })).conversation;
      expect(messageCount).toBe(10);
    }
  }, 300_000);

  it("creates one conversation and stores each message once when the same import is sent several times at once", async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const externalId = `claude-code:${randomUUID()}`;
      const input = { externalId, title: "imported", messages: Array.from({ length: 10 }, (_, i) => ({ role: "USER", content: `line ${i}`, externalId: `${externalId}:${i}` })) };
      const answers = await Promise.all(Array.from({ length: 4 }, () => gql(IMPORT, { input })));
      noInternalErrors(answers);
      // Every sender is told the same outcome a sequential resend gets: nobody needs to retry.
      const results = answers.map((answer) => ok(answer).importConversation);
      expect(results.reduce((sum, r) => sum + r.created, 0)).toBe(1);
      expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(10);
      expect(new Set(results.map((r) => r.conversations[0].id)).size).toBe(1);
      const stored = await t.db.prisma.conversation.findMany({ where: { externalId }, include: { _count: { select: { messages: true } } } });
      expect(stored.map((c) => c._count.messages)).toEqual([10]);
    }
  }, 300_000);

  it("imports files that hold the same conversations in opposite orders at once, each conversation and message once", async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const sessions = [randomUUID(), randomUUID()];
      const conversation = (uuid: string) => ({
        uuid,
        name: `chat ${uuid}`,
        created_at: "2025-05-10T08:00:00.000000Z",
        updated_at: "2025-05-10T08:20:00.000000Z",
        chat_messages: [0, 1, 2].map((i) => ({
          uuid: `${uuid}-${i}`,
          text: `hello ${i}`,
          content: [{ type: "text", text: `hello ${i}` }],
          sender: i % 2 ? "assistant" : "human",
          created_at: `2025-05-10T08:0${i}:00.000000Z`,
        })),
      });
      const upload = (order: string[]) =>
        gql(`mutation($c: String!) { importConversations(format: CLAUDE, content: $c) { created inserted } }`, { c: JSON.stringify(order.map(conversation)) });
      const answers = await Promise.all([upload(sessions), upload([...sessions].reverse()), upload(sessions), upload([...sessions].reverse())]);
      noInternalErrors(answers);
      const results = answers.map((answer) => ok(answer).importConversations);
      expect(results.reduce((sum, r) => sum + r.created, 0)).toBe(2);
      expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(6);
      const counts = await t.db.prisma.conversation.findMany({
        where: { OR: sessions.map((session) => ({ externalId: { endsWith: session } })) },
        select: { _count: { select: { messages: true } } },
      });
      expect(counts.map((c) => c._count.messages)).toEqual([3, 3]);
    }
  }, 300_000);

  it("stores each memory record once when the same records are imported several times at once", async () => {
    const RECORDS = `mutation($input: MemoryRecordsImportInput!) { importMemoryRecords(input: $input) {
      memories { stored alreadyThere } moodScores { stored alreadyThere } turningPoints { stored alreadyThere }
      clusters { stored alreadyThere } clusterMembers { stored alreadyThere } conversationRecords { stored alreadyThere } } }`;
    const SENDERS = 4;
    for (let trial = 0; trial < TRIALS; trial++) {
      const chat = `chat:${randomUUID()}`;
      const at = (minute: number) => `2025-06-14T09:${String(minute).padStart(2, "0")}:00.000Z`;
      ok(await gql(IMPORT, { input: { externalId: chat, messages: [1, 2, 3].map((i) => ({ role: "USER", content: `line ${i}`, externalId: `m${i}`, timestamp: at(i) })) } }));
      const memory = (id: string, minute: number) => ({
        externalId: `${chat}:${id}`,
        content: `memory ${id}`,
        sourceMessageExternalIds: ["m1"],
        createdAt: at(minute),
        emotionalContext: { mood: "calm", intensity: 0.3 },
        validation: { status: "VALID", results: [{ rule: "r", passed: true }] },
        moodScores: [{ score: 0.2 + minute / 100, measuredAt: at(minute), messageExternalId: "m2" }],
        turningPoints: [{ type: "shift", magnitude: 0.5, occurredAt: at(minute) }],
      });
      const input = {
        conversationExternalId: chat,
        memories: [memory("a", 10), memory("b", 11), memory("c", 12)],
        moodScores: [{ score: -0.5, measuredAt: at(20), participant: "Maya" }, { score: 0.5, measuredAt: at(21), participant: "Maya" }],
        turningPoints: [{ type: "repair", magnitude: 0.8, occurredAt: at(22) }],
        relationshipDynamics: [{ participants: ["Maya", "Jonah"], closeness: 0.7, createdAt: at(23) }],
        analyses: [{ analyzer: "mood", createdAt: at(24) }],
        clusters: [{ name: `home ${chat}`, members: ["a", "b", "c"].map((id) => ({ memoryExternalId: `${chat}:${id}`, score: 0.9 })) }],
      };
      const answers = await Promise.all(Array.from({ length: SENDERS }, () => gql(RECORDS, { input })));
      noInternalErrors(answers);
      // Every sender succeeds, told what a sequential resend is told: one stored it all, the others found it there.
      const results = answers.map((answer) => ok(answer).importMemoryRecords);
      const total = (kind: string) => results.reduce((sum, r) => sum + r[kind].stored, 0);
      expect(["memories", "moodScores", "turningPoints", "clusters", "clusterMembers", "conversationRecords"].map(total)).toEqual([3, 5, 4, 1, 3, 2]);
      for (const r of results) expect(r.memories.stored + r.memories.alreadyThere).toBe(3);
      const p = t.db.prisma;
      const inChat = { conversation: { externalId: chat } };
      expect({
        memories: await p.memory.count({ where: { externalId: { startsWith: `${chat}:` } } }),
        emotionalContexts: await p.emotionalContext.count({ where: { memory: { externalId: { startsWith: `${chat}:` } } } }),
        validationResults: await p.validationResult.count({ where: { validationStatus: { memory: { externalId: { startsWith: `${chat}:` } } } } }),
        moodScores: await p.moodScore.count({ where: inChat }),
        moodDeltas: await p.moodDelta.count({ where: inChat }),
        turningPoints: await p.turningPoint.count({ where: inChat }),
        dynamics: await p.relationshipDynamics.count({ where: { ...inChat, memoryId: null } }),
        analyses: await p.analysisMetadata.count({ where: { ...inChat, memoryId: null } }),
        clusters: await p.memoryCluster.count({ where: { name: `home ${chat}` } }),
        members: await p.clusterMembership.count({ where: { cluster: { name: `home ${chat}` } } }),
      }).toEqual({ memories: 3, emotionalContexts: 3, validationResults: 3, moodScores: 5, moodDeltas: 3, turningPoints: 4, dynamics: 1, analyses: 1, clusters: 1, members: 3 });
    }
  }, 300_000);

  it("keeps a memory's overall quality the mean of the scores on record when scores are recorded at once", async () => {
    const RECORD = `mutation($id: ID!, $input: RecordQualityMetricsInput!) { recordQualityMetrics(memoryId: $id, input: $input) { overall } }`;
    for (let trial = 0; trial < TRIALS; trial++) {
      const id = await createMemory(`scored ${trial}`);
      const answers = await Promise.all([
        gql(RECORD, { id, input: { completeness: 1 } }),
        gql(RECORD, { id, input: { accuracy: 0 } }),
        gql(RECORD, { id, input: { relevance: 1 } }),
        gql(RECORD, { id, input: { clarity: 0.5 } }),
      ]);
      noInternalErrors(answers);
      answers.forEach((answer) => ok(answer));
      const { qualityMetrics } = ok(await gql(`query($id: ID!) { node(id: $id) { ... on Memory { qualityMetrics { overall completeness accuracy relevance clarity } } } }`, { id })).node;
      expect(qualityMetrics).toMatchObject({ completeness: 1, accuracy: 0, relevance: 1, clarity: 0.5 });
      expect(qualityMetrics.overall).toBeCloseTo(0.625, 6);
    }
  }, 300_000);

  it("moves a cluster membership added while the memory is merged away to the kept memory, or refuses it", async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const [kept, merged] = await Promise.all([createMemory(`kept ${trial}`), createMemory(`merged ${trial}`)]);
      const cluster = ok(await gql(`mutation($n: String!) { createMemoryCluster(input: { name: $n }) { id } }`, { n: `cluster ${trial}` })).createMemoryCluster.id;
      const [added, merge] = await Promise.all([
        gql(`mutation($c: ID!, $m: ID!) { addToCluster(clusterId: $c, members: [{ memoryId: $m, score: 0.9 }]) { id } }`, { c: cluster, m: merged }),
        gql(`mutation($k: ID!, $m: [ID!]!) { mergeMemories(keepId: $k, mergeIds: $m) { memory { id } } }`, { k: kept, m: [merged] }),
      ]);
      ok(merge);
      noInternalErrors([added]);
      const members = ok(await gql(`query($id: ID!) { node(id: $id) { ... on MemoryCluster { members { edges { node { memory { id } } } } } } }`, { id: cluster })).node.members;
      const ids = members.edges.map((edge: any) => edge.node.memory.id);
      // Added first: the merge carried the membership over to the kept memory. Merged first: the
      // merged-away memory is refused, and nothing is added that the merge could no longer carry.
      if (added.errors) {
        expect(errorCodes(added)).toEqual(["BAD_USER_INPUT"]);
        expect(ids).toEqual([]);
      } else {
        expect(ids).toContain(kept);
      }
    }
  }, 300_000);

  it("upserts overlapping chunks sent at once in opposite orders without failing", async () => {
    const UPSERT = `mutation($id: ID!, $c: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $c) { chunkIndex } }`;
    for (let trial = 0; trial < TRIALS; trial++) {
      const id = await createConversation(`chunks ${trial}`);
      const chunks = Array.from({ length: 20 }, (_, i) => ({ chunkIndex: i, chunkText: `chunk ${i}` }));
      const answers = await Promise.all([gql(UPSERT, { id, c: chunks }), gql(UPSERT, { id, c: [...chunks].reverse() }), gql(UPSERT, { id, c: chunks.slice(5, 15) })]);
      answers.forEach((answer) => ok(answer));
      expect(await t.db.prisma.conversationChunk.count({ where: { conversation: { title: `chunks ${trial}` } } })).toBe(20);
    }
  }, 300_000);

  it("queues a burst of heavy writes rather than failing them: sixteen upserts of 200 vectors each at once", async () => {
    // On the embedded database's one connection, the last of these waits for the fifteen before it,
    // longer than Prisma's default 2 s to start a transaction: every one must still be stored.
    const UPSERT = `mutation($id: ID!, $c: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $c) { chunkIndex } }`;
    const ids = await Promise.all(Array.from({ length: 16 }, (_, i) => createConversation(`burst ${i}`)));
    const vector = (seed: number) => Array.from({ length: 512 }, (_, d) => Math.sin(seed * 31 + d));
    const answers = await Promise.all(
      ids.map((id, c) =>
        gql(UPSERT, { id, c: Array.from({ length: 200 }, (_, i) => ({ chunkIndex: i, chunkText: `burst ${c} chunk ${i}`, embedding: vector(c * 200 + i), model: "client-512" })) }),
      ),
    );
    noInternalErrors(answers);
    answers.forEach((answer) => expect(ok(answer).upsertChunks).toHaveLength(200));
    expect(await t.db.prisma.conversationChunk.count({ where: { conversation: { title: { startsWith: "burst " } } } })).toBe(16 * 200);
  }, 300_000);

  it("deletes an account while its user appends, without an error a client cannot act on", async () => {
    for (let trial = 0; trial < Math.min(TRIALS, 8); trial++) {
      const externalId = `user_leaving_${randomUUID()}`;
      const leaving = await t.tokenFor(externalId);
      const id = ok(await t.gql(`mutation { createConversation(input: { title: "last words" }) { id } }`, {}, { token: leaving })).createConversation.id;
      const appends = Array.from({ length: 3 }, (_, i) => t.gql(APPEND, { id, m: [{ role: "USER", content: `bye ${i}` }] }, { token: leaving }));
      const deletion = t.gql(`mutation($c: String!) { deleteViewer(confirm: $c) { conversations } }`, { c: externalId }, { token: leaving });
      const answers = await Promise.all([...appends, deletion]);
      ok(answers[3]);
      // An append that came after the deletion finds nothing to append to (or no user).
      for (const answer of answers.slice(0, 3)) if (answer.errors) expect(["NOT_FOUND", "UNAUTHENTICATED"]).toContain(errorCodes(answer)[0]);
      expect(await t.db.prisma.user.count({ where: { externalId } })).toBe(0);
      expect(await t.db.prisma.message.count({ where: { content: { startsWith: "bye " }, conversation: { user: { externalId } } } })).toBe(0);
    }
  }, 300_000);
});
