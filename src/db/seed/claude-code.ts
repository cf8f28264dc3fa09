import type { Prisma } from "../../generated/prisma/client.ts";
import { MARKER_SESSION_ID, setChunkEmbeddings, thread, type MessageSpec, type Seed } from "./shared.ts";

// Demo data, seed 001: Claude Code sessions.

export async function seedClaudeCodeSessions(seed: Seed) {
  const { tx, userId, hoursAgo } = seed;
  const sessions: { data: Omit<Prisma.ConversationUncheckedCreateInput, "userId">; step: number; messages: MessageSpec[] }[] = [
    {
      data: {
        sessionId: MARKER_SESSION_ID,
        projectPath: "/home/dev/arrakis",
        title: "Fix the flaky vector search test",
        description: "Similarity search test failed one run in five; traced to tied distances and a missing extension.",
        status: "ACTIVE",
        startedAt: hoursAgo(2),
        metadata: { client: "claude-code", model: "claude-sonnet-4", gitBranch: "fix/vector-search-flake" },
      },
      step: 3,
      messages: [
        { role: "USER", content: "The similarity search test in src/lib/vector-operations.test.ts fails about one run in five. Can you find out why?" },
        {
          role: "ASSISTANT",
          content: "I'll read the test and find every query that orders by embedding distance.",
          toolUses: [
            { toolName: "Read", status: "SUCCESS", durationMs: 38, parameters: { file_path: "src/lib/vector-operations.test.ts" }, response: { lines: 118, truncated: false } },
            { toolName: "Grep", status: "SUCCESS", durationMs: 112, parameters: { pattern: "<->|<=>", path: "src" }, response: { matches: 3, files: ["src/lib/vector-operations.ts"] } },
          ],
        },
        { role: "TOOL", content: "vector-operations.test.ts:42 expect(results[0].id).toBe(seeded[0].id); vector-operations.ts:17 ORDER BY embedding <-> $1::vector" },
        {
          role: "ASSISTANT",
          content: "The query ranks by L2 distance but reports 1 - distance as similarity, and the test seeds two nearly identical vectors, so ties break arbitrarily. I'll switch to cosine distance (<=>) and make the test vectors distinct.",
          toolUses: [
            { toolName: "Write", status: "SUCCESS", durationMs: 21, parameters: { file_path: "src/lib/vector-operations.ts" }, response: { bytesWritten: 2311 } },
            { toolName: "Bash", status: "ERROR", durationMs: 5_412, parameters: { command: "npm test -- vector-operations" }, response: { exitCode: 1, stderr: 'error: type "vector" does not exist' } },
          ],
        },
        { role: "TOOL", content: 'npm test -- vector-operations: 1 failed. error: type "vector" does not exist' },
        {
          role: "ASSISTANT",
          content: "The test database is created without pgvector. I added CREATE EXTENSION IF NOT EXISTS vector to the test setup and re-ran the suite.",
          toolUses: [
            { toolName: "Write", status: "SUCCESS", durationMs: 17, parameters: { file_path: "test/setup.ts" }, response: { bytesWritten: 644 } },
            { toolName: "Bash", status: "SUCCESS", durationMs: 8_123, parameters: { command: "npm test -- vector-operations" }, response: { exitCode: 0, stdout: "Tests 6 passed (6)" } },
          ],
        },
        { role: "TOOL", content: "Test Files 1 passed (1). Tests 6 passed (6). Duration 7.9s" },
        { role: "USER", content: "Nice. Can you also check the other tests that query embeddings?" },
      ],
    },
    {
      data: {
        sessionId: "seed-001-b",
        projectPath: "/home/dev/arrakis",
        title: "Tool usage statistics endpoint",
        description: "Added GET /api/stats/tools: counts and average duration grouped by tool and status.",
        status: "COMPLETED",
        startedAt: hoursAgo(50),
        endedAt: hoursAgo(49.3),
        completedAt: hoursAgo(49.3),
        metadata: { client: "claude-code", model: "claude-sonnet-4", gitBranch: "feat/tool-stats" },
      },
      step: 5,
      messages: [
        { role: "USER", content: "Add an endpoint that returns tool usage statistics grouped by tool name and status, with counts and average duration." },
        {
          role: "ASSISTANT",
          content: "Let me look at the ToolUse model and any existing groupBy queries first.",
          toolUses: [
            { toolName: "Read", status: "SUCCESS", durationMs: 44, parameters: { file_path: "prisma/schema.prisma" }, response: { lines: 212 } },
            { toolName: "Grep", status: "SUCCESS", durationMs: 97, parameters: { pattern: "groupBy", path: "src" }, response: { matches: 0 } },
          ],
        },
        { role: "TOOL", content: "model ToolUse { toolName String, duration Int?, status String? ... } and no existing groupBy calls under src/." },
        {
          role: "ASSISTANT",
          content: "I wrote src/app/api/stats/tools/route.ts using db.toolUse.groupBy by toolName and status, and will curl it.",
          toolUses: [
            { toolName: "Write", status: "SUCCESS", durationMs: 25, parameters: { file_path: "src/app/api/stats/tools/route.ts" }, response: { bytesWritten: 1187 } },
            { toolName: "Bash", status: "TIMEOUT", durationMs: 30_000, parameters: { command: "curl -s localhost:3000/api/stats/tools" }, response: { error: "command timed out after 30000 ms" } },
          ],
        },
        { role: "TOOL", content: "curl localhost:3000/api/stats/tools: command timed out after 30000 ms (is the dev server running?)" },
        {
          role: "ASSISTANT",
          content: "The dev server was not running. Started it and retried.",
          toolUses: [
            { toolName: "Bash", status: "SUCCESS", durationMs: 2_870, parameters: { command: "npm run dev & sleep 2; curl -s localhost:3000/api/stats/tools" }, response: { exitCode: 0, stdout: '[{"toolName":"Read","status":"success","count":412,"avgDuration":41}]' } },
          ],
        },
        { role: "TOOL", content: '[{"toolName":"Read","status":"success","count":412,"avgDuration":41},{"toolName":"Bash","status":"error","count":23,"avgDuration":5110}]' },
        { role: "ASSISTANT", content: "Done: GET /api/stats/tools returns count and average duration per tool and status, ordered by count." },
      ],
    },
    {
      data: {
        sessionId: "seed-001-c",
        projectPath: "/home/dev/spice-cli",
        title: "Draft the CLI README",
        status: "ARCHIVED",
        startedAt: hoursAgo(170),
        endedAt: hoursAgo(169.6),
        metadata: { client: "claude-code", model: "claude-haiku-4" },
      },
      step: 4,
      messages: [
        { role: "USER", content: "Write a README for spice-cli from its --help output." },
        {
          role: "ASSISTANT",
          content: "Reading the command definitions and the help text.",
          toolUses: [
            { toolName: "Bash", status: "SUCCESS", durationMs: 640, parameters: { command: "node bin/spice.js --help" }, response: { exitCode: 0 } },
            { toolName: "Read", status: "ERROR", durationMs: 12, parameters: { file_path: "src/commands/index.ts" }, response: { error: "ENOENT: no such file or directory" } },
          ],
        },
        { role: "TOOL", content: "Usage: spice <command> [options]. Commands: harvest, refine, ship. src/commands/index.ts: ENOENT" },
        {
          role: "ASSISTANT",
          content: "The commands live in src/cli.ts. README.md now covers install, the three commands and their options.",
          toolUses: [{ toolName: "Write", status: "SUCCESS", durationMs: 19, parameters: { file_path: "README.md" }, response: { bytesWritten: 3904 } }],
        },
      ],
    },
  ];

  let messageCount = 0;
  let chunkCount = 0;
  for (const session of sessions) {
    const messages = thread(session.data.startedAt as Date, session.step, session.messages);
    // Seed 001 chunks a conversation's text for semantic search: here three messages per chunk.
    const chunks = [];
    for (let i = 0; i < session.messages.length; i += 3) {
      const part = session.messages.slice(i, i + 3);
      chunks.push({
        chunkIndex: chunks.length,
        user: { connect: { id: userId } },
        chunkText: part.map((m) => `${m.role.toLowerCase()}: ${m.content}`).join("\n"),
        metadata: { positions: part.map((_, n) => i + n + 1) },
      });
    }
    const conversation = await tx.conversation.create({
      data: { ...session.data, userId, createdAt: session.data.startedAt, messages: { create: messages }, chunks: { create: chunks } },
      select: { chunks: { select: { id: true, chunkText: true } } },
    });
    await setChunkEmbeddings(seed, conversation.chunks);
    messageCount += messages.length;
    chunkCount += chunks.length;
  }
  const toolUses = sessions.flatMap((s) => s.messages.flatMap((m) => m.toolUses ?? [])).length;
  seed.log(`seed 001: ${sessions.length} Claude Code conversations, ${messageCount} messages, ${toolUses} tool uses, ${chunkCount} embedded chunks`);
}
