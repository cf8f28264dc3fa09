import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, ok, startTestServer, type TestServer } from "./support/server.ts";

let t: TestServer;
let token: string;

beforeAll(async () => {
  t = await startTestServer();
  token = await t.tokenFor("user_conversations", { email: "conv@example.com", name: "Conv Tester" });
});
afterAll(() => t?.close());

const gql = (query: string, variables?: Record<string, unknown>) => t.gql(query, variables, { token });

async function createConversation(input: Record<string, unknown>) {
  const data = ok(await gql(`mutation($input: CreateConversationInput!) { createConversation(input: $input) { id title status active } }`, { input }));
  return data.createConversation as { id: string; title: string; status: string; active: boolean };
}

describe("viewer", () => {
  it("creates the user on first sight from the token's claims", async () => {
    const data = ok(await gql(`{ viewer { externalId email name conversationCount } }`));
    expect(data.viewer).toEqual({ externalId: "user_conversations", email: "conv@example.com", name: "Conv Tester", conversationCount: 0 });
  });
});

describe("conversation lifecycle", () => {
  it("creates, updates, ends and deletes a conversation, cascading to its messages", async () => {
    const created = await createConversation({ title: "Refactor auth", projectPath: "/work/app", sessionId: "s-1" });
    expect(created).toMatchObject({ title: "Refactor auth", status: "ACTIVE", active: true });

    const updated = ok(
      await gql(`mutation($id: ID!) { updateConversation(id: $id, input: { description: "split the module", metadata: { tokens: 12 } }) { title description metadata } }`, {
        id: created.id,
      }),
    );
    expect(updated.updateConversation).toEqual({ title: "Refactor auth", description: "split the module", metadata: { tokens: 12 } });

    ok(await gql(`mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "hello" }]) { inserted } }`, { id: created.id }));

    const ended = ok(await gql(`mutation($id: ID!) { endConversation(id: $id) { status active endedAt completedAt } }`, { id: created.id }));
    expect(ended.endConversation.status).toBe("COMPLETED");
    expect(ended.endConversation.active).toBe(false);
    expect(ended.endConversation.endedAt).toBe(ended.endConversation.completedAt);

    const deleted = ok(await gql(`mutation($id: ID!) { deleteConversation(id: $id) { deletedId } }`, { id: created.id }));
    expect(deleted.deleteConversation.deletedId).toBe(created.id);
    expect(ok(await gql(`query($id: ID!) { conversation(id: $id) { id } }`, { id: created.id })).conversation).toBeNull();
    expect(await t.db.prisma.message.count({ where: { content: "hello" } })).toBe(0);
  });

  it("stores seed 002's content source, consensus and recommendation", async () => {
    const data = ok(
      await gql(
        `mutation($input: CreateConversationInput!) { createConversation(input: $input) {
           status consensusReached finalRecommendation confidenceScore
           contentSource { type title body url author publishedAt metadata } } }`,
        {
          input: {
            status: "COMPLETED",
            consensusReached: true,
            finalRecommendation: "Moderate bullish outlook",
            confidenceScore: 0.75,
            contentSource: { type: "text", title: "Sample Financial Analysis", body: "Signals...", url: "https://example.com/a", author: "Analyst", publishedAt: "2025-09-28T12:00:00.000Z", metadata: { lang: "en" } },
          },
        },
      ),
    );
    expect(data.createConversation).toEqual({
      status: "COMPLETED",
      consensusReached: true,
      finalRecommendation: "Moderate bullish outlook",
      confidenceScore: 0.75,
      contentSource: { type: "text", title: "Sample Financial Analysis", body: "Signals...", url: "https://example.com/a", author: "Analyst", publishedAt: "2025-09-28T12:00:00.000Z", metadata: { lang: "en" } },
    });
  });
});

describe("appendMessages", () => {
  it("stores messages in order with tool uses, assets and extracted links, skipping the same message sent again", async () => {
    const { id } = await createConversation({ title: "Ingest" });
    const first = ok(
      await gql(
        `mutation($id: ID!, $messages: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $messages) {
           inserted duplicates messages { position role content sender links { url domain } assets { type filename sizeBytes } toolUses { toolName status durationMs parameters } } } }`,
        {
          id,
          messages: [
            { role: "USER", sender: "Ana", timestamp: "2025-03-01T10:00:00Z", content: "Read https://docs.example.com/guide. Also see http://foo.org/x?y=1!" },
            {
              role: "ASSISTANT",
              content: "Reading the guide now",
              externalId: "msg-2",
              toolUses: [{ toolName: "Read", status: "SUCCESS", durationMs: 42, parameters: { path: "guide.md" } }],
              assets: [{ type: "image", filename: "diagram.png", mimeType: "image/png", sizeBytes: 2048 }],
            },
            { role: "USER", sender: "Ana", timestamp: "2025-03-01T10:00:00Z", content: "Read https://docs.example.com/guide. Also see http://foo.org/x?y=1!" },
          ],
        },
      ),
    );
    expect(first.appendMessages.inserted).toBe(2);
    expect(first.appendMessages.duplicates).toBe(1);
    expect(first.appendMessages.messages).toEqual([
      {
        position: 1,
        role: "USER",
        sender: "Ana",
        content: "Read https://docs.example.com/guide. Also see http://foo.org/x?y=1!",
        links: [
          { url: "https://docs.example.com/guide", domain: "docs.example.com" },
          { url: "http://foo.org/x?y=1", domain: "foo.org" },
        ],
        assets: [],
        toolUses: [],
      },
      {
        position: 2,
        role: "ASSISTANT",
        sender: null,
        content: "Reading the guide now",
        links: [],
        assets: [{ type: "image", filename: "diagram.png", sizeBytes: 2048 }],
        toolUses: [{ toolName: "Read", status: "SUCCESS", durationMs: 42, parameters: { path: "guide.md" } }],
      },
    ]);

    // The same externalId is the same message, whatever its text; the same words at another time are a new one.
    const second = ok(
      await gql(
        `mutation($id: ID!) { appendMessages(conversationId: $id, messages: [
          { role: ASSISTANT, externalId: "msg-2", content: "Reading the guide now (edited)" },
          { role: USER, sender: "Ana", timestamp: "2025-03-01T10:07:00Z", content: "Read https://docs.example.com/guide. Also see http://foo.org/x?y=1!" },
          { role: USER, sender: "Ana", timestamp: "2025-03-01T10:00:00Z", content: "Read https://docs.example.com/guide.  Also see http://foo.org/x?y=1!" },
          { role: USER, content: "next" }, { role: USER, content: "next" }]) { inserted duplicates messages { position } } }`,
        { id },
      ),
    );
    expect(second.appendMessages).toEqual({ inserted: 4, duplicates: 1, messages: [{ position: 3 }, { position: 4 }, { position: 5 }, { position: 6 }] });
    const latest = ok(await gql(`query($id: ID!) { conversation(id: $id) { messageCount lastMessage { position content } } }`, { id }));
    expect(latest.conversation).toEqual({ messageCount: 6, lastMessage: { position: 6, content: "next" } });
  });

  it("writes nothing when any message in the batch is invalid", async () => {
    const { id } = await createConversation({ title: "Atomic" });
    const response = await gql(
      `mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "fine" }, { role: USER, content: "bad", confidence: 7 }]) { inserted } }`,
      { id },
    );
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors![0].message).toContain("messages[1].confidence");
    const data = ok(await gql(`query($id: ID!) { conversation(id: $id) { messages { totalCount } } }`, { id }));
    expect(data.conversation.messages.totalCount).toBe(0);
  });

  it("rolls back the whole batch when the database rejects part of it", async () => {
    const { id } = await createConversation({ title: "Rollback" });
    // PostgreSQL's jsonb rejects \u0000: the tool-use insert fails after the messages were inserted.
    const response = await gql(
      `mutation($id: ID!, $params: JSON) { appendMessages(conversationId: $id, messages: [{ role: USER, content: "one" }, { role: ASSISTANT, content: "two", toolUses: [{ toolName: "Bash", parameters: $params }] }]) { inserted } }`,
      { id, params: { command: "echo \u0000" } },
    );
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(await t.db.prisma.message.count({ where: { conversation: { title: "Rollback" } } })).toBe(0);
  });

  it("keeps positions unique when appends to one conversation race", async () => {
    const { id } = await createConversation({ title: "Race" });
    const batches = Array.from({ length: 5 }, (_, b) =>
      gql(`mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, {
        id,
        m: Array.from({ length: 4 }, (_, i) => ({ role: "USER", content: `batch ${b} message ${i}` })),
      }),
    );
    for (const response of await Promise.all(batches)) expect(ok(response).appendMessages.inserted).toBe(4);
    const data = ok(await gql(`query($id: ID!) { conversation(id: $id) { messages(first: 50) { edges { node { position } } } } }`, { id }));
    expect(data.conversation.messages.edges.map((e: any) => e.node.position)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe("conversations query", () => {
  it("filters by project, activity, status, title text and time range, newest first", async () => {
    const project = "/srv/filters";
    const a = await createConversation({ title: "Alpha planning", projectPath: project, startedAt: "2025-01-01T00:00:00Z" });
    const b = await createConversation({ title: "beta debugging", projectPath: project, startedAt: "2025-02-01T00:00:00Z" });
    await createConversation({ title: "Gamma", projectPath: "/elsewhere", startedAt: "2025-03-01T00:00:00Z" });
    ok(await gql(`mutation($id: ID!) { endConversation(id: $id, status: FAILED) { id } }`, { id: a.id }));

    const query = `query($filter: ConversationFilter) { conversations(filter: $filter, first: 10) { totalCount edges { node { title } } } }`;
    const titles = async (filter: Record<string, unknown>) => {
      const data = ok(await gql(query, { filter }));
      return { total: data.conversations.totalCount, titles: data.conversations.edges.map((e: any) => e.node.title) };
    };
    expect(await titles({ projectPath: project })).toEqual({ total: 2, titles: ["beta debugging", "Alpha planning"] });
    expect(await titles({ projectPath: project, active: true })).toEqual({ total: 1, titles: ["beta debugging"] });
    expect(await titles({ projectPath: project, status: ["FAILED"] })).toEqual({ total: 1, titles: ["Alpha planning"] });
    expect(await titles({ title: "DEBUG" })).toEqual({ total: 1, titles: ["beta debugging"] });
    expect(await titles({ startedAt: { from: "2025-01-15T00:00:00Z", to: "2025-02-15T00:00:00Z" } })).toEqual({ total: 1, titles: ["beta debugging"] });
    const ordered = ok(await gql(`{ conversations(filter: { projectPath: "${project}" }, orderBy: [{ title: Asc }]) { edges { node { id } } } }`));
    expect(ordered.conversations.edges.map((e: any) => e.node.id)).toEqual([a.id, b.id]);
  });

  it("pages forwards and backwards with cursors and reports totalCount", async () => {
    const project = "/srv/pages";
    for (let i = 0; i < 5; i++) await createConversation({ title: `page ${i}`, projectPath: project, startedAt: `2024-0${i + 1}-01T00:00:00Z` });
    const query = `query($after: String, $before: String, $first: Int, $last: Int) {
      conversations(filter: { projectPath: "${project}" }, first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { title } } } }`;
    const page1 = ok(await gql(query, { first: 2 })).conversations;
    expect(page1.totalCount).toBe(5);
    expect(page1.edges.map((e: any) => e.node.title)).toEqual(["page 4", "page 3"]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(await gql(query, { first: 2, after: page1.pageInfo.endCursor })).conversations;
    expect(page2.edges.map((e: any) => e.node.title)).toEqual(["page 2", "page 1"]);
    const back = ok(await gql(query, { last: 2, before: page2.pageInfo.startCursor })).conversations;
    expect(back.edges.map((e: any) => e.node.title)).toEqual(["page 4", "page 3"]);
  });
});

describe("messages query", () => {
  it("searches content case-insensitively by role, and by full-text match, across conversations", async () => {
    const c1 = await createConversation({ title: "Search one" });
    const c2 = await createConversation({ title: "Search two" });
    const append = (id: string, messages: unknown[]) =>
      gql(`mutation($id: ID!, $m: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $m) { inserted } }`, { id, m: messages });
    ok(await append(c1.id, [{ role: "USER", content: "How do I configure the Postgres pool?" }, { role: "ASSISTANT", content: "Configure POSTGRES pooling with max=10." }]));
    ok(await append(c2.id, [{ role: "ASSISTANT", content: "The pool of connections is configured in env." }]));

    const search = `query($filter: MessageFilter) { messages(filter: $filter, first: 20) { totalCount edges { node { content conversation { title } } } } }`;
    const byRole = ok(await gql(search, { filter: { contains: "postgres", role: ["ASSISTANT"] } })).messages;
    expect(byRole.totalCount).toBe(1);
    expect(byRole.edges[0].node).toEqual({ content: "Configure POSTGRES pooling with max=10.", conversation: { title: "Search one" } });

    const fullText = ok(await gql(search, { filter: { matches: "configuring pools" } })).messages;
    expect(fullText.edges.map((e: any) => e.node.conversation.title).sort()).toEqual(["Search one", "Search one", "Search two"]);

    const inOne = ok(await gql(search, { filter: { matches: "pool", conversationId: c2.id } })).messages;
    expect(inOne.totalCount).toBe(1);
  });
});

describe("tool uses", () => {
  it("records a tool call and its outcome, and aggregates usage by tool and status, most used first", async () => {
    const { id } = await createConversation({ title: "Tools" });
    const appended = ok(
      await gql(
        `mutation($id: ID!) { appendMessages(conversationId: $id, messages: [{ role: ASSISTANT, content: "running tools", toolUses: [
          { toolName: "Bash", status: SUCCESS, durationMs: 100 }, { toolName: "Bash", status: SUCCESS, durationMs: 300 },
          { toolName: "Bash", status: ERROR, durationMs: 50 }, { toolName: "Read", status: SUCCESS, durationMs: 10 } ] }]) { messages { id } } }`,
        { id },
      ),
    );
    const messageId = appended.appendMessages.messages[0].id;
    const recorded = ok(
      await gql(`mutation($m: ID!) { recordToolUse(messageId: $m, input: { toolName: "Grep", parameters: { pattern: "TODO" } }) { id status } }`, { m: messageId }),
    ).recordToolUse;
    expect(recorded.status).toBe("PENDING");
    const updated = ok(
      await gql(`mutation($id: ID!) { updateToolUse(id: $id, input: { status: TIMEOUT, durationMs: 30000, response: { error: "timed out" } }) { status durationMs response message { id } } }`, {
        id: recorded.id,
      }),
    ).updateToolUse;
    expect(updated).toEqual({ status: "TIMEOUT", durationMs: 30000, response: { error: "timed out" }, message: { id: messageId } });

    const stats = ok(await gql(`query($id: ID!) { toolUsageStats(filter: { conversationId: $id }) { toolName status count avgDurationMs p95DurationMs } }`, { id })).toolUsageStats;
    expect(stats).toEqual([
      { toolName: "Bash", status: "SUCCESS", count: 2, avgDurationMs: 200, p95DurationMs: 290 },
      { toolName: "Bash", status: "ERROR", count: 1, avgDurationMs: 50, p95DurationMs: 50 },
      { toolName: "Grep", status: "TIMEOUT", count: 1, avgDurationMs: 30000, p95DurationMs: 30000 },
      { toolName: "Read", status: "SUCCESS", count: 1, avgDurationMs: 10, p95DurationMs: 10 },
    ]);
  });
});

describe("actions and previews (seed 003)", () => {
  it("creates actions, lists the pending ones, moves them along with results, and tracks previews", async () => {
    const { id } = await createConversation({ title: "Build my app", flow: { resistance: "none" }, config: { template: "next" } });
    const create = (type: string) =>
      gql(`mutation($id: ID!, $type: String!) { createAction(conversationId: $id, type: $type, payload: { step: $type }) { id status type payload } }`, { id, type });
    const clone = ok(await create("clone_template")).createAction;
    const deploy = ok(await create("deploy")).createAction;
    expect(clone).toMatchObject({ status: "PENDING", type: "clone_template", payload: { step: "clone_template" } });

    ok(await gql(`mutation($a: ID!) { updateActionStatus(id: $a, status: RUNNING) { status } }`, { a: clone.id }));
    const done = ok(await gql(`mutation($a: ID!) { updateActionStatus(id: $a, status: COMPLETED, result: { files: 12 }) { status result } }`, { a: clone.id }));
    expect(done.updateActionStatus).toEqual({ status: "COMPLETED", result: { files: 12 } });

    const preview = ok(await gql(`mutation($id: ID!) { createPreview(conversationId: $id, deploymentId: "dep_1") { id status } }`, { id })).createPreview;
    expect(preview.status).toBe("GENERATING");
    ok(await gql(`mutation($p: ID!) { updatePreviewStatus(id: $p, status: LIVE, url: "https://preview.example.com") { status url } }`, { p: preview.id }));

    const full = ok(
      await gql(
        `query($id: ID!) { conversation(id: $id) { flow config
           pending: actions(status: PENDING) { totalCount edges { node { id type } } }
           actions { edges { node { type status result } } }
           previews { edges { node { status url deploymentId } } } } }`,
        { id },
      ),
    ).conversation;
    expect(full.flow).toEqual({ resistance: "none" });
    expect(full.pending).toEqual({ totalCount: 1, edges: [{ node: { id: deploy.id, type: "deploy" } }] });
    expect(full.actions.edges.map((e: any) => e.node)).toEqual([
      { type: "clone_template", status: "COMPLETED", result: { files: 12 } },
      { type: "deploy", status: "PENDING", result: null },
    ]);
    expect(full.previews.edges[0].node).toEqual({ status: "LIVE", url: "https://preview.example.com", deploymentId: "dep_1" });
  });
});
