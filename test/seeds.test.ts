// The demo data covers the five seeds, and each seed's documented queries answer from it through the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../src/db/seed/index.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let local: string;

beforeAll(async () => {
  t = await startTestServer();
  expect(await seedDemoData(t.db.prisma, { localUser: "local", embedder: createEmbedder("hashing") })).toEqual({ created: true });
  local = await t.tokenFor("local");
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>, token = local) => t.gql(query, variables, { token });

describe("seeding", () => {
  it("adds nothing the second time", async () => {
    const tables = ["user", "conversation", "message", "toolUse", "memory", "epic"] as const;
    const count = () => Promise.all(tables.map((table) => (t.db.prisma[table] as { count(): Promise<number> }).count()));
    const before = await count();
    expect(await seedDemoData(t.db.prisma, { localUser: "local" })).toEqual({ created: false });
    expect(await count()).toEqual(before);
  });

  it("fills every model but API keys", async () => {
    const { prisma } = t.db;
    const counts = {
      link: await prisma.link.count(), asset: await prisma.asset.count(), action: await prisma.action.count(), preview: await prisma.preview.count(),
      chunk: await prisma.conversationChunk.count(), cluster: await prisma.memoryCluster.count(), membership: await prisma.clusterMembership.count(),
      emotionalContext: await prisma.emotionalContext.count(), dynamics: await prisma.relationshipDynamics.count(), moodScore: await prisma.moodScore.count(),
      moodDelta: await prisma.moodDelta.count(), pattern: await prisma.deltaPattern.count(), turningPoint: await prisma.turningPoint.count(),
      validation: await prisma.validationStatus.count(), validationResult: await prisma.validationResult.count(), quality: await prisma.qualityMetrics.count(),
      analysis: await prisma.analysisMetadata.count(), dedup: await prisma.deduplicationRecord.count(),
    };
    for (const [model, n] of Object.entries(counts)) expect(n, model).toBeGreaterThan(0);
  });
});

describe("seed 001: Claude Code conversations", () => {
  it("gets a conversation with its messages and tool uses in order", async () => {
    const list = ok(await gql(`{ conversations(filter: { sessionId: "seed-001-a" }) { edges { node { id } } } }`)).conversations.edges;
    expect(list).toHaveLength(1);
    const data = ok(
      await gql(
        `query($id: ID!) { conversation(id: $id) { title projectPath messages(first: 100) { edges { node { position role timestamp toolUses { toolName status durationMs timestamp } } } } } }`,
        { id: list[0].node.id },
      ),
    ).conversation;
    expect(data.title).toBe("Fix the flaky vector search test");
    const messages = data.messages.edges.map((e: any) => e.node);
    expect(messages.map((m: any) => m.position)).toEqual(messages.map((_: unknown, i: number) => i + 1));
    const times = messages.map((m: any) => Date.parse(m.timestamp));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(messages.flatMap((m: any) => m.toolUses.map((u: any) => u.toolName))).toEqual(["Read", "Grep", "Write", "Bash", "Write", "Bash"]);
  });

  it("finds the recent active conversations of a project, newest first", async () => {
    const data = ok(await gql(`{ conversations(filter: { projectPath: "/home/dev/arrakis", active: true }, first: 10) { edges { node { title endedAt } } } }`));
    const nodes = data.conversations.edges.map((e: any) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n: any) => n.endedAt === null)).toBe(true);
    expect(nodes.map((n: any) => n.title)).toContain("Fix the flaky vector search test");
  });

  it("groups tool usage by tool and status with counts and average durations, most used first", async () => {
    const stats = ok(await gql(`{ toolUsageStats { toolName status count avgDurationMs } }`)).toolUsageStats;
    const counts = stats.map((s: any) => s.count);
    expect([...counts].sort((a: number, b: number) => b - a)).toEqual(counts);
    const rows = await t.db.prisma.toolUse.findMany({ where: { message: { conversation: { user: { externalId: "local" } } } } });
    const bashSuccess = rows.filter((r) => r.toolName === "Bash" && r.status === "SUCCESS");
    expect(stats.find((s: any) => s.toolName === "Bash" && s.status === "SUCCESS")).toEqual({
      toolName: "Bash",
      status: "SUCCESS",
      count: bashSuccess.length,
      avgDurationMs: bashSuccess.reduce((sum, r) => sum + r.durationMs!, 0) / bashSuccess.length,
    });
  });

  it("searches content case-insensitively by role, with the conversation's id, title and project", async () => {
    const data = ok(await gql(`{ messages(filter: { contains: "GROUPBY", role: [ASSISTANT] }) { edges { node { role content conversation { id title projectPath } } } } }`));
    const nodes = data.messages.edges.map((e: any) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      expect(node.role).toBe("ASSISTANT");
      expect(node.content.toLowerCase()).toContain("groupby");
      expect(node.conversation.projectPath).toBe("/home/dev/arrakis");
    }
  });

  it("finds similar conversation chunks with a threshold and a limit", async () => {
    const [vector] = await createEmbedder("hashing").embed(["vector search test fails because the extension is missing"]);
    const hits = ok(
      await gql(`query($v: [Float!]) { search(vector: $v, kinds: [CHUNK], mode: VECTOR, threshold: 0.1, limit: 3) { similarity node { ... on ConversationChunk { chunkText conversation { title } } } } }`, { v: vector }),
    ).search;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.length).toBeLessThanOrEqual(3);
    for (const hit of hits) expect(hit.similarity).toBeGreaterThanOrEqual(0.1);
    const similarities = hits.map((h: any) => h.similarity);
    expect([...similarities].sort((a: number, b: number) => b - a)).toEqual(similarities);
  });
});

describe("seed 002: agent debates for Clerk users", () => {
  it("answers the Clerk user with their conversations, content source, consensus and agent messages in order with citations", async () => {
    const clerk = await t.tokenFor("user_test_123");
    const data = ok(
      await gql(
        `{ viewer { externalId email firstName lastName }
           conversations(filter: { title: "Sample Financial Analysis" }) { edges { node {
             status consensusReached finalRecommendation confidenceScore contentSource { type title author }
             messages { edges { node { position agentType agentName confidence citedSources signalReferences } } } } } } }`,
        {},
        clerk,
      ),
    );
    expect(data.viewer).toEqual({ externalId: "user_test_123", email: "test@example.com", firstName: "Test", lastName: "User" });
    const conversation = data.conversations.edges[0].node;
    expect(conversation).toMatchObject({
      status: "COMPLETED",
      consensusReached: true,
      finalRecommendation: "Moderate bullish outlook based on signal analysis",
      confidenceScore: 0.75,
      contentSource: { type: "text", title: "Sample Financial Analysis" },
    });
    expect(conversation.messages.edges.map((e: any) => e.node)).toEqual([
      { position: 1, agentType: "financial_analyst", agentName: expect.any(String), confidence: 0.8, citedSources: ["Utilities/SPY Ratio"], signalReferences: ["defensive_signal"] },
      { position: 2, agentType: "market_context", agentName: expect.any(String), confidence: 0.7, citedSources: ["Federal Reserve Data"], signalReferences: ["market_context"] },
      { position: 3, agentType: "risk_challenger", agentName: expect.any(String), confidence: 0.65, citedSources: ["Lumber/Gold Ratio", "CBOE VIX"], signalReferences: ["risk_off_signal"] },
    ]);
    // The local user does not see the Clerk user's debate.
    expect(ok(await gql(`{ conversations(filter: { title: "Sample Financial Analysis" }) { totalCount } }`)).conversations.totalCount).toBe(0);
  });
});

describe("seed 003: build contexts", () => {
  it("lists the user's contexts, finds the active one, and reads it whole with messages, actions and previews", async () => {
    const contexts = ok(await gql(`{ conversations(filter: { title: "site" }) { edges { node { title status } } } }`)).conversations.edges.map((e: any) => e.node);
    expect(contexts).toEqual(expect.arrayContaining([{ title: "Portfolio site from the Next.js starter", status: "ACTIVE" }, { title: "Docs site for spice-cli", status: "COMPLETED" }]));

    const active = ok(await gql(`{ conversations(filter: { status: [ACTIVE], title: "Portfolio" }, first: 1) { edges { node { id flow config } } } }`)).conversations.edges[0].node;
    expect(active.flow).toEqual({ resistance: "none", friction: "minimal", direction: "natural" });
    const full = ok(
      await gql(
        `query($id: ID!) { conversation(id: $id) { messages { totalCount } actions { edges { node { type status } } } previews { totalCount } } }`,
        { id: active.id },
      ),
    ).conversation;
    expect(full.messages.totalCount).toBe(5);
    expect(full.actions.edges.map((e: any) => e.node)).toEqual([
      { type: "clone_template", status: "COMPLETED" },
      { type: "configure_tooling", status: "COMPLETED" },
      { type: "modify_files", status: "RUNNING" },
      { type: "deploy", status: "PENDING" },
    ]);
    expect(full.previews.totalCount).toBeGreaterThan(0);
  });

  it("gets pending actions, updates an action's status, and reads action results", async () => {
    const active = ok(await gql(`{ conversations(filter: { status: [ACTIVE], title: "Portfolio" }, first: 1) { edges { node { id } } } }`)).conversations.edges[0].node;
    const pending = ok(await gql(`query($id: ID!) { conversation(id: $id) { actions(status: PENDING) { edges { node { id type } } } } }`, { id: active.id })).conversation.actions.edges;
    expect(pending.map((e: any) => e.node.type)).toEqual(["deploy"]);
    ok(await gql(`mutation($a: ID!) { updateActionStatus(id: $a, status: COMPLETED, result: { url: "https://portfolio.example.com" }) { id } }`, { a: pending[0].node.id }));
    const results = ok(await gql(`query($id: ID!) { conversation(id: $id) { actions(status: COMPLETED) { edges { node { type result } } } } }`, { id: active.id })).conversation.actions.edges.map(
      (e: any) => e.node,
    );
    expect(results.map((r: any) => r.type)).toEqual(["clone_template", "configure_tooling", "deploy"]);
    expect(results[2].result).toEqual({ url: "https://portfolio.example.com" });
  });
});

describe("planning board (seed 001's future additions)", () => {
  it("lists epics in board order, filters by status and orders by priority", async () => {
    const board = ok(await gql(`{ epics { totalCount edges { node { title status priority quarter order } } } }`)).epics;
    expect(board.totalCount).toBe(4);
    const orders = board.edges.map((e: any) => e.node.order);
    expect([...orders].sort((a: number, b: number) => a - b)).toEqual(orders);
    const open = ok(await gql(`{ epics(filter: { status: [PLANNED, IN_PROGRESS] }, orderBy: [{ priority: Desc }]) { edges { node { title priority } } } }`)).epics;
    expect(open.edges.map((e: any) => e.node)).toEqual([
      { title: "Semantic search across conversations", priority: "HIGH" },
      { title: "Roadmap planner", priority: "MEDIUM" },
    ]);
  });
});

describe("seeds 000 and 004: memories and emotional context, readable through their conversations", () => {
  it("reads memories with importance, emotional context, quality and validation; mood scores and turning points", async () => {
    const chat = ok(
      await gql(`{ conversations(filter: { title: "WhatsApp" }) { edges { node {
        messages(first: 100) { totalCount edges { node { sender links { domain } } } }
        moodScores(first: 100) { edges { node { participant score delta { direction } } } }
        turningPoints { type magnitude }
        memories(first: 20) { edges { node { importance emotionalContext { mood } qualityMetrics { overall } validationStatus { status results { rule passed } } clusterMemberships { cluster { name } } } } } } } } }`),
    ).conversations.edges[0].node;
    expect(chat.messages.totalCount).toBeGreaterThan(0);
    expect(chat.messages.edges.every((e: any) => e.node.sender)).toBe(true);
    expect(chat.moodScores.edges.some((e: any) => e.node.delta !== null)).toBe(true);
    expect(chat.turningPoints.length).toBeGreaterThan(0);
    const memories = chat.memories.edges.map((e: any) => e.node);
    expect(memories.some((m: any) => m.emotionalContext && m.qualityMetrics && m.validationStatus?.results.length)).toBe(true);
  });
});
