// Demo data for every seed's use case, owned by the local single user (plus seed 002's Clerk users),
// written in one transaction: `npm run db:seed`, or THREADLINE_SEED=1 on start. Running it twice adds nothing.
import pgvector from "pgvector";
import type { MessageRole, Prisma, PrismaClient } from "../generated/prisma/client.ts";
import { contentHash, extractLinks } from "../schema/conversations/content.ts";
import { createHashingEmbedder, type Embedder } from "../search/embedders/hashing.ts";

type Tx = Prisma.TransactionClient;

export interface SeedOptions {
  log?: (line: string) => void;
  /** The single user's externalId in local mode; defaults like the server's config. */
  localUser?: string;
  /** Must be the embedder the server searches with, or text search will not find the seeded vectors. */
  embedder?: Embedder;
}

/** The local user's first Claude Code session: present means the demo data was already loaded. */
const MARKER_SESSION_ID = "seed-001-a";

export async function seedDemoData(prisma: PrismaClient, options: SeedOptions = {}): Promise<{ created: boolean }> {
  const log = options.log ?? (() => {});
  const externalId = options.localUser ?? (process.env.THREADLINE_LOCAL_USER || "local");
  const embedder = options.embedder ?? createHashingEmbedder(512);
  // Reported after commit: a failed seed writes nothing and so reports nothing.
  const lines: string[] = [];

  const result = await prisma.$transaction(
    async (tx) => {
      const marker = await tx.conversation.findFirst({
        where: { sessionId: MARKER_SESSION_ID, user: { externalId } },
        select: { id: true },
      });
      if (marker) return { created: false };
      const user = await tx.user.upsert({
        where: { externalId },
        create: { externalId, name: "Local User" },
        update: {},
      });
      const now = Date.now();
      const hoursAgo = (hours: number) => new Date(now - hours * 3_600_000);
      const seed: Seed = { tx, userId: user.id, embedder, hoursAgo, log: (line) => lines.push(line) };
      await seedClaudeCodeSessions(seed);
      await seedAgentDebates(seed);
      await seedBuildContexts(seed);
      await seedChatImport(seed);
      await seedSessionMemories(seed);
      await seedRoadmap(seed);
      return { created: true };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  if (result.created) {
    for (const line of lines) log(line);
    log(`seed: demo data loaded for user "${externalId}" (embeddings: ${embedder.model}, ${embedder.dimensions} dimensions)`);
  } else {
    log(`seed: demo data already present for user "${externalId}": nothing added`);
  }
  return result;
}

interface Seed {
  tx: Tx;
  userId: string;
  embedder: Embedder;
  /** A moment `hours` before the seed ran, so "recent" and "active" read naturally in the demo. */
  hoursAgo: (hours: number) => Date;
  log: (line: string) => void;
}

// ─────────────────────────────── building blocks ───────────────────────────────

const minutesAfter = (date: Date, minutes: number) => new Date(date.getTime() + minutes * 60_000);

interface MessageSpec {
  role: MessageRole;
  content: string;
  sender?: string;
  agentType?: string;
  agentName?: string;
  confidence?: number;
  citedSources?: string[];
  signalReferences?: string[];
  metadata?: Prisma.InputJsonValue;
  toolUses?: { toolName: string; status: "SUCCESS" | "ERROR" | "TIMEOUT"; durationMs: number; parameters: Prisma.InputJsonValue; response: Prisma.InputJsonValue }[];
  assets?: Omit<Prisma.AssetCreateWithoutMessageInput, "createdAt">[];
}

/** Messages in order: positions 1..n, timestamps `stepMinutes` apart, content hashes, links found in the text. */
function thread(startedAt: Date, stepMinutes: number, specs: MessageSpec[]): Prisma.MessageCreateWithoutConversationInput[] {
  return specs.map(({ toolUses, assets, ...spec }, i) => {
    const timestamp = minutesAfter(startedAt, i * stepMinutes);
    const links = extractLinks(spec.content);
    return {
      ...spec,
      position: i + 1,
      timestamp,
      contentHash: contentHash(spec.content),
      // Seed 001 records the calls on the message and each execution as a ToolUse.
      toolCalls: toolUses?.map((use, n) => ({ id: `toolu_${i + 1}_${n + 1}`, name: use.toolName, input: use.parameters })),
      toolUses: toolUses && { create: toolUses.map((use, n) => ({ ...use, timestamp: minutesAfter(timestamp, 0.1 * (n + 1)) })) },
      links: links.length ? { create: links } : undefined,
      assets: assets && { create: assets },
    };
  });
}

const withMessages = { messages: { select: { id: true, position: true, timestamp: true }, orderBy: { position: "asc" } } } as const;

async function setChunkEmbeddings(seed: Seed, chunks: { id: string; chunkText: string }[]) {
  const { tx, embedder } = seed;
  const vectors = await embedder.embed(chunks.map((chunk) => chunk.chunkText));
  for (const [i, chunk] of chunks.entries()) {
    await tx.$executeRaw`UPDATE conversation_chunks SET embedding = ${pgvector.toSql(vectors[i])}::vector, embedding_model = ${embedder.model}, embedding_dimensions = ${embedder.dimensions} WHERE id = ${chunk.id}`;
  }
}

async function setMemoryEmbeddings(seed: Seed, memories: { id: string; content: string }[]): Promise<number[][]> {
  const { tx, embedder } = seed;
  const vectors = await embedder.embed(memories.map((memory) => memory.content));
  for (const [i, memory] of memories.entries()) {
    await tx.$executeRaw`UPDATE memories SET embedding = ${pgvector.toSql(vectors[i])}::vector, embedding_model = ${embedder.model}, embedding_dimensions = ${embedder.dimensions} WHERE id = ${memory.id}`;
  }
  return vectors;
}

// ─────────────────────── seed 001: Claude Code sessions ───────────────────────

async function seedClaudeCodeSessions(seed: Seed) {
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

// ─────────────────────── seed 002: agent debates over content ───────────────────────

const agents = {
  financial_analyst: "Financial Analyst",
  market_context: "Market Context Agent",
  risk_challenger: "Risk Challenger",
} as const;

function agentMessage(agentType: keyof typeof agents, content: string, confidence: number, citedSources: string[], signalReferences: string[]): MessageSpec {
  return { role: "ASSISTANT", agentType, agentName: agents[agentType], content, confidence, citedSources, signalReferences };
}

async function seedAgentDebates(seed: Seed) {
  const { tx, hoursAgo } = seed;
  // Seed 002's own users, keyed by their Clerk ids.
  const clerkUsers = [
    { externalId: "user_test_123", email: "test@example.com", name: "Test User", firstName: "Test", lastName: "User" },
    { externalId: "user_test_456", email: "analyst@example.com", name: "Dana Whitfield", firstName: "Dana", lastName: "Whitfield" },
  ];
  const ids: string[] = [];
  for (const { externalId, ...profile } of clerkUsers) {
    const user = await tx.user.upsert({ where: { externalId }, create: { externalId, ...profile }, update: {} });
    ids.push(user.id);
  }

  const debates: { userId: string; data: Omit<Prisma.ConversationUncheckedCreateInput, "userId">; messages: MessageSpec[] }[] = [
    {
      userId: ids[0],
      data: {
        title: "Sample Financial Analysis",
        contentType: "text",
        contentTitle: "Sample Financial Analysis",
        contentBody: "Utilities have outperformed the S&P 500 for four straight weeks while lumber lags gold. Historically this combination has preceded higher volatility.",
        contentUrl: "https://example.com/research/sample-financial-analysis",
        contentAuthor: "Threadline Research Desk",
        contentPublishedAt: hoursAgo(30),
        contentMetadata: { wordCount: 24, source: "seed 002" },
        status: "COMPLETED",
        consensusReached: true,
        finalRecommendation: "Moderate bullish outlook based on signal analysis",
        confidenceScore: 0.75,
        startedAt: hoursAgo(28),
        completedAt: hoursAgo(27.8),
      },
      messages: [
        agentMessage("financial_analyst", "Based on current Gayed signals, defensive positioning suggests caution in the near term, but the trend remains intact.", 0.8, ["Utilities/SPY Ratio"], ["defensive_signal"]),
        agentMessage("market_context", "Current market conditions show easing inflation and a steady labour market, which supports a moderately bullish stance.", 0.7, ["Federal Reserve Data"], ["market_context"]),
        agentMessage("risk_challenger", "The lumber/gold ratio argues for hedging: size positions modestly and keep a stop below the 200-day average.", 0.65, ["Lumber/Gold Ratio", "CBOE VIX"], ["risk_off_signal"]),
      ],
    },
    {
      userId: ids[0],
      data: {
        title: "Treasury yields and the lumber/gold ratio",
        contentType: "url",
        contentTitle: "Why the lumber/gold ratio still matters",
        contentBody: "An article arguing that the lumber/gold ratio leads 10-year Treasury yields by several weeks.",
        contentUrl: "https://example.com/articles/lumber-gold-ratio",
        contentAuthor: "M. Gayed",
        contentPublishedAt: hoursAgo(80),
        status: "ACTIVE",
        startedAt: hoursAgo(1),
      },
      messages: [
        agentMessage("financial_analyst", "The ratio turned down three weeks ago; if the lead holds, 10-year yields should soften by next month.", 0.6, ["Lumber/Gold Ratio", "10Y Treasury Yield"], ["yield_signal"]),
        agentMessage("market_context", "Supply disruptions in lumber distort the ratio this year, so its lead may be weaker than usual.", 0.55, ["USDA Lumber Report"], ["market_context"]),
      ],
    },
    {
      userId: ids[1],
      data: {
        title: "Utilities after the earnings season",
        contentType: "text",
        contentTitle: "Q3 utilities earnings summary",
        contentBody: "Regulated utilities beat earnings estimates by 4% on average; guidance was unchanged.",
        contentAuthor: "Dana Whitfield",
        contentPublishedAt: hoursAgo(120),
        status: "COMPLETED",
        consensusReached: false,
        finalRecommendation: "No consensus: the analyst sees value, the risk challenger sees crowded positioning.",
        confidenceScore: 0.42,
        startedAt: hoursAgo(118),
        completedAt: hoursAgo(117.7),
      },
      messages: [
        agentMessage("financial_analyst", "Earnings beats with unchanged guidance make utilities look fairly valued, not expensive.", 0.7, ["Company filings"], ["valuation_signal"]),
        agentMessage("risk_challenger", "Utilities are the most crowded defensive trade this quarter; a rotation out could be sharp.", 0.6, ["Fund flow data"], ["crowding_signal"]),
      ],
    },
    {
      userId: seed.userId,
      data: {
        title: "Small caps and a steepening curve",
        contentType: "text",
        contentTitle: "Curve steepening and small-cap leadership",
        contentBody: "The 2s10s spread has turned positive for the first time in two years; small caps rallied 6% in a month.",
        contentUrl: "https://example.com/notes/curve-steepening",
        contentAuthor: "Local User",
        contentPublishedAt: hoursAgo(10),
        status: "COMPLETED",
        consensusReached: true,
        finalRecommendation: "Tilt modestly toward small caps while the curve keeps steepening; review in four weeks.",
        confidenceScore: 0.68,
        startedAt: hoursAgo(9),
        completedAt: hoursAgo(8.9),
      },
      messages: [
        agentMessage("financial_analyst", "A positive 2s10s spread has historically favoured small caps over the following quarter.", 0.72, ["2s10s Treasury Spread"], ["offensive_signal"]),
        agentMessage("market_context", "Credit spreads are tight and bank lending is recovering, consistent with early-cycle leadership.", 0.66, ["Federal Reserve Senior Loan Officer Survey"], ["market_context"]),
        agentMessage("risk_challenger", "A steepening driven by term premium rather than growth would hurt small caps; keep the tilt small.", 0.6, ["ACM Term Premium"], ["risk_off_signal"]),
      ],
    },
  ];

  for (const debate of debates) {
    const startedAt = debate.data.startedAt as Date;
    await tx.conversation.create({
      data: { ...debate.data, userId: debate.userId, createdAt: startedAt, messages: { create: thread(startedAt, 1, debate.messages) } },
    });
  }
  seed.log(`seed 002: users ${clerkUsers.map((u) => u.externalId).join(", ")}; ${debates.length} agent conversations (one for the local user)`);
}

// ─────────────────────── seed 003: build contexts ───────────────────────

const naturalFlow = { resistance: "none", friction: "minimal", direction: "natural" };

async function seedBuildContexts(seed: Seed) {
  const { tx, userId, hoursAgo } = seed;
  const activeStart = hoursAgo(0.5);
  await tx.conversation.create({
    data: {
      userId,
      title: "Portfolio site from the Next.js starter",
      status: "ACTIVE",
      flow: naturalFlow,
      config: { template: "nextjs-portfolio", tooling: ["pnpm", "typescript", "tailwindcss", "eslint"], features: ["blog", "contact-form", "dark-mode"] },
      metadata: { customizations: { accentColor: "#c2410c", font: "Inter" } },
      startedAt: activeStart,
      createdAt: activeStart,
      messages: {
        create: thread(activeStart, 2, [
          { role: "SYSTEM", content: "You set up and deploy web projects for the user. Prefer templates and sensible defaults." },
          { role: "USER", content: "I want a portfolio site with a blog and a contact form." },
          { role: "ASSISTANT", content: "Starting from the Next.js portfolio template with a blog and a contact form; installing the tooling now.", metadata: { intent: "create_site", entities: ["blog", "contact form"], confidence: 0.93 } },
          { role: "USER", content: "Make the accent colour burnt orange." },
          { role: "ASSISTANT", content: "Updating the Tailwind theme and global styles to burnt orange (#c2410c).", metadata: { intent: "customize_theme", entities: ["accent colour"], confidence: 0.88 } },
        ]),
      },
      actions: {
        create: [
          { type: "clone_template", status: "COMPLETED", createdAt: minutesAfter(activeStart, 3), payload: { template: "nextjs-portfolio", destination: "portfolio" }, result: { repository: "github.com/local/portfolio", commit: "4f2a9c1" } },
          { type: "configure_tooling", status: "COMPLETED", createdAt: minutesAfter(activeStart, 4), payload: { tooling: ["pnpm", "typescript", "tailwindcss", "eslint"] }, result: { installed: 214, durationMs: 18_400 } },
          { type: "modify_files", status: "RUNNING", createdAt: minutesAfter(activeStart, 9), payload: { files: ["tailwind.config.ts", "app/globals.css"], instruction: "accent colour #c2410c" } },
          { type: "deploy", status: "PENDING", createdAt: minutesAfter(activeStart, 9.5), payload: { provider: "vercel", branch: "main" } },
        ],
      },
      previews: { create: [{ status: "GENERATING", deploymentId: "dpl_7Hq2mXcA9", metadata: { provider: "vercel", branch: "main" } }] },
    },
  });

  const doneStart = hoursAgo(26);
  const doneEnd = minutesAfter(doneStart, 40);
  await tx.conversation.create({
    data: {
      userId,
      title: "Docs site for spice-cli",
      status: "COMPLETED",
      flow: naturalFlow,
      config: { template: "astro-starlight", tooling: ["npm", "astro"], features: ["search", "versioning"] },
      startedAt: doneStart,
      endedAt: doneEnd,
      completedAt: doneEnd,
      createdAt: doneStart,
      messages: {
        create: thread(doneStart, 8, [
          { role: "USER", content: "Publish documentation for spice-cli with search." },
          { role: "ASSISTANT", content: "Using the Astro Starlight template, which ships with search. Deploying a preview.", metadata: { intent: "create_docs", entities: ["spice-cli", "search"], confidence: 0.9 } },
          { role: "ASSISTANT", content: "The first deploy failed because SITE_URL was not set. I set it and redeployed.", metadata: { intent: "report_failure", confidence: 0.97 } },
          { role: "USER", content: "Looks great, thanks." },
        ]),
      },
      actions: {
        create: [
          { type: "clone_template", status: "COMPLETED", createdAt: minutesAfter(doneStart, 2), payload: { template: "astro-starlight", destination: "spice-docs" }, result: { repository: "github.com/local/spice-docs", commit: "b71e0d4" } },
          { type: "configure_tooling", status: "COMPLETED", createdAt: minutesAfter(doneStart, 3), payload: { tooling: ["npm", "astro"] }, result: { installed: 388, durationMs: 26_050 } },
          { type: "deploy", status: "FAILED", createdAt: minutesAfter(doneStart, 9), payload: { provider: "netlify", branch: "main" }, result: { error: "Build failed: SITE_URL is not defined", exitCode: 1 } },
          { type: "modify_files", status: "COMPLETED", createdAt: minutesAfter(doneStart, 16), payload: { files: ["astro.config.mjs"], instruction: "set site to https://spice-docs.netlify.app" }, result: { changedFiles: 1 } },
          { type: "deploy", status: "COMPLETED", createdAt: minutesAfter(doneStart, 18), payload: { provider: "netlify", branch: "main" }, result: { url: "https://spice-docs.netlify.app", deploymentId: "6650a1f2c3" } },
        ],
      },
      previews: {
        create: [
          { status: "ERROR", deploymentId: "6650a0b7e1", createdAt: minutesAfter(doneStart, 9), metadata: { error: "Build failed: SITE_URL is not defined" } },
          { status: "LIVE", url: "https://spice-docs.netlify.app", deploymentId: "6650a1f2c3", createdAt: minutesAfter(doneStart, 18) },
        ],
      },
    },
  });
  seed.log("seed 003: 2 build contexts (one active) with 9 actions and 3 previews");
}

// ─────────────────────── seed 000: chat export and emotional analysis ───────────────────────

async function seedChatImport(seed: Seed) {
  const { tx, userId, hoursAgo } = seed;
  const chatStart = hoursAgo(72);
  const conversation = await tx.conversation.create({
    data: {
      userId,
      title: "WhatsApp chat with Maya",
      status: "COMPLETED",
      startedAt: chatStart,
      endedAt: minutesAfter(chatStart, 42),
      createdAt: hoursAgo(60),
      metadata: { source: "whatsapp-export", file: "WhatsApp Chat with Maya.txt", participants: ["Maya", "Jonah"] },
      messages: {
        create: thread(chatStart, 7, [
          { role: "USER", sender: "Maya", content: "Did you see the flat I sent? https://www.idealista.pt/imovel/33412345/ Two bedrooms, right by Jardim da Estrela." },
          { role: "USER", sender: "Jonah", content: "I did. It's lovely, but the rent is way over what we agreed." },
          { role: "USER", sender: "Maya", content: "I know. I'm just tired of looking, honestly. Third weekend in a row." },
          { role: "USER", sender: "Jonah", content: "Sorry, that came out harsh. What if we widen the search to Campo de Ourique? https://www.imovirtual.com/arrendar/apartamento/campo-de-ourique/" },
          {
            role: "USER",
            sender: "Maya",
            content: "OK, that actually helps. Photos from the one on Rua Saraiva de Carvalho:",
            assets: [{ type: "image", filename: "IMG-20250614-WA0007.jpg", mimeType: "image/jpeg", sizeBytes: 284_133, metadata: { width: 1600, height: 1200 } }],
          },
          { role: "USER", sender: "Jonah", content: "That kitchen! Let's book a viewing for Saturday." },
          { role: "USER", sender: "Maya", content: "Booked for 11:00. Thank you for not giving up on this 💛" },
        ]),
      },
    },
    include: withMessages,
  });
  const message = conversation.messages; // message[i] is position i + 1
  await tx.emotionalContext.create({
    data: { messageId: message[2].id, mood: "frustrated", intensity: 0.6, themes: ["fatigue", "housing"], markers: ["tired of looking", "third weekend"] },
  });

  // Mood per participant over the chat, then the change between each participant's consecutive scores.
  const readings = [
    { at: 0, participant: "Maya", score: 0.3, label: "hopeful" },
    { at: 1, participant: "Jonah", score: 0.0, label: "cautious" },
    { at: 2, participant: "Maya", score: -0.35, label: "frustrated" },
    { at: 3, participant: "Jonah", score: 0.02, label: "apologetic" },
    { at: 4, participant: "Maya", score: 0.4, label: "relieved" },
    { at: 5, participant: "Jonah", score: 0.6, label: "excited" },
    { at: 6, participant: "Maya", score: 0.75, label: "grateful" },
  ];
  const scores = [];
  for (const { at, ...reading } of readings) {
    scores.push(
      await tx.moodScore.create({
        data: { ...reading, conversationId: conversation.id, messageId: message[at].id, measuredAt: message[at].timestamp, confidence: 0.8, factors: { lexicon: 0.6, emoji: at === 6 ? 0.3 : 0 } },
      }),
    );
  }
  const deltas = [];
  for (const participant of ["Maya", "Jonah"]) {
    const own = scores.filter((s) => s.participant === participant);
    for (let i = 1; i < own.length; i++) {
      const delta = Number((own[i].score - own[i - 1].score).toFixed(4));
      const magnitude = Math.abs(delta);
      deltas.push(
        await tx.moodDelta.create({
          data: {
            conversationId: conversation.id,
            fromScoreId: own[i - 1].id,
            toScoreId: own[i].id,
            delta,
            magnitude,
            direction: magnitude < 0.05 ? "STABLE" : delta > 0 ? "UP" : "DOWN",
            significance: Math.min(1, magnitude / 0.5),
          },
        }),
      );
    }
  }
  // Maya's dip and recovery: her first two deltas.
  await tx.deltaPattern.create({
    data: {
      conversationId: conversation.id,
      patternType: "v_recovery",
      description: "Maya's mood dropped over search fatigue and recovered after Jonah's new suggestion.",
      confidence: 0.82,
      members: { create: deltas.slice(0, 2).map((d) => ({ deltaId: d.id })) },
    },
  });
  await tx.turningPoint.create({
    data: {
      conversationId: conversation.id,
      messageId: message[3].id,
      type: "reconciliation",
      magnitude: 0.75,
      description: "Jonah apologises and proposes widening the search; the tone turns cooperative.",
      occurredAt: message[3].timestamp,
    },
  });

  const memoryBase = { userId, conversationId: conversation.id, participants: ["Maya", "Jonah"], createdAt: hoursAgo(60) };
  const flatHunt = await tx.memory.create({
    data: {
      ...memoryBase,
      content: "Maya and Jonah are looking for a two-bedroom flat in Lisbon; the rent they agreed on rules out Estrela.",
      summary: "Flat hunting in Lisbon on a fixed budget",
      kind: "fact",
      importance: 0.7,
      confidence: 0.9,
      sourceMessageIds: [message[0].id, message[1].id],
      tags: ["lisbon", "housing"],
      emotionalContext: { create: { mood: "hopeful", intensity: 0.4, themes: ["housing", "budget"], markers: ["lovely", "way over"] } },
      validationStatus: {
        create: {
          status: "VALID",
          results: {
            create: [
              { rule: "has_participants", passed: true, severity: "INFO", message: "2 participants" },
              { rule: "source_messages_exist", passed: true, severity: "INFO" },
            ],
          },
        },
      },
      qualityMetrics: { create: { overall: 0.86, completeness: 0.8, accuracy: 0.92, relevance: 0.85, clarity: 0.88, dimensions: { specificity: 0.7 } } },
    },
  });
  const viewing = await tx.memory.create({
    data: {
      ...memoryBase,
      content: "After a tense moment over the rent, Jonah apologised and suggested Campo de Ourique; they booked a viewing for Saturday at 11:00.",
      summary: "Reconciled and booked a flat viewing",
      kind: "event",
      importance: 0.85,
      confidence: 0.85,
      sourceMessageIds: message.slice(2).map((m) => m.id),
      tags: ["lisbon", "housing", "plans"],
      emotionalContext: { create: { mood: "grateful", intensity: 0.7, themes: ["repair", "partnership"], markers: ["sorry", "thank you", "💛"] } },
      validationStatus: {
        create: {
          status: "NEEDS_REVIEW",
          errors: [{ rule: "absolute_date", message: "'Saturday' is relative to the chat date" }],
          results: {
            create: [
              { rule: "has_participants", passed: true, severity: "INFO", message: "2 participants" },
              { rule: "absolute_date", passed: false, severity: "WARNING", message: "'Saturday' is relative to the chat date" },
            ],
          },
        },
      },
      qualityMetrics: { create: { overall: 0.78, completeness: 0.9, accuracy: 0.8, relevance: 0.9, clarity: 0.7, dimensions: { temporalPrecision: 0.4 } } },
      relationshipDynamics: {
        create: {
          conversationId: conversation.id,
          participants: ["Maya", "Jonah"],
          closeness: 0.78,
          tension: 0.35,
          support: 0.82,
          patterns: { repairAttempts: 1, repairInitiator: "Jonah", conflictTopic: "rent" },
        },
      },
    },
  });
  // A near-duplicate extracted by a second pass, merged into `viewing` and soft-deleted.
  const duplicate = await tx.memory.create({
    data: {
      ...memoryBase,
      content: "Viewing booked for Saturday 11:00 at the flat on Rua Saraiva de Carvalho.",
      kind: "event",
      importance: 0.6,
      sourceMessageIds: [message[6].id],
      tags: ["lisbon", "housing"],
      deletedAt: hoursAgo(59),
      metadata: { mergedInto: viewing.id },
    },
  });
  await tx.deduplicationRecord.create({
    data: {
      memoryId: viewing.id,
      mergedMemoryIds: [duplicate.id],
      strategy: "embedding_similarity",
      conflicts: [{ field: "content", kept: "Campo de Ourique", merged: "Rua Saraiva de Carvalho", resolution: "kept the broader memory" }],
    },
  });
  const vectors = await setMemoryEmbeddings(seed, [flatHunt, viewing, duplicate]);

  const cluster = await tx.memoryCluster.create({
    data: {
      userId,
      name: "Flat hunting in Lisbon",
      themes: ["housing", "lisbon", "partnership"],
      description: "The search for a shared flat and the moments around it.",
      memberships: { create: [{ memoryId: flatHunt.id, score: 0.91 }, { memoryId: viewing.id, score: 0.87 }] },
    },
  });
  const centroid = normalise(vectors[0].map((value, i) => value + vectors[1][i]));
  await tx.$executeRaw`UPDATE memory_clusters SET centroid = ${pgvector.toSql(centroid)}::vector, centroid_model = ${seed.embedder.model}, centroid_dimensions = ${seed.embedder.dimensions} WHERE id = ${cluster.id}`;

  const analysisStart = hoursAgo(60);
  await tx.analysisMetadata.createMany({
    data: [
      { conversationId: conversation.id, analyzer: "mood-timeline", version: "1.2.0", status: "COMPLETED", config: { window: 1, lexicon: "vader" }, startedAt: analysisStart, completedAt: minutesAfter(analysisStart, 0.4) },
      { memoryId: viewing.id, analyzer: "memory-extractor", version: "0.9.1", status: "COMPLETED", config: { minConfidence: 0.6 }, startedAt: analysisStart, completedAt: minutesAfter(analysisStart, 1.1) },
      { conversationId: conversation.id, analyzer: "relationship-dynamics", version: "0.3.0", status: "FAILED", startedAt: analysisStart, completedAt: minutesAfter(analysisStart, 0.2), error: "participant alias table missing for 'M.'" },
    ],
  });
  seed.log(`seed 000: chat import with ${message.length} messages, 2 links, 1 asset; ${scores.length} mood scores, ${deltas.length} deltas, 3 memories (1 merged), 1 cluster`);
}

function normalise(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return vector.map((value) => value / norm);
}

// ─────────────────────── seed 004: a session and its memories ───────────────────────

async function seedSessionMemories(seed: Seed) {
  const { tx, userId, hoursAgo } = seed;
  const sessionStart = hoursAgo(75);
  const session = await tx.conversation.create({
    data: {
      userId,
      sessionId: "seed-004-session",
      title: "Weekly planning with the assistant",
      status: "COMPLETED",
      startedAt: sessionStart,
      endedAt: minutesAfter(sessionStart, 25),
      createdAt: sessionStart,
    },
  });
  const memories: Omit<Prisma.MemoryUncheckedCreateInput, "userId">[] = [
    { conversationId: session.id, content: "Prefers TypeScript in strict mode and ESM-only packages.", kind: "preference", importance: 0.8, tags: ["coding", "preferences"], accessCount: 5, lastAccessedAt: hoursAgo(3) },
    { conversationId: session.id, content: "Working on Arrakis, an archive of Claude Code conversations with pgvector semantic search.", kind: "fact", importance: 0.9, tags: ["arrakis", "projects"], accessCount: 9, lastAccessedAt: hoursAgo(2) },
    { conversationId: session.id, content: "Goal: ship semantic search over conversations before the end of the quarter.", kind: "goal", importance: 0.85, tags: ["arrakis", "roadmap"], accessCount: 2, lastAccessedAt: hoursAgo(20) },
    { content: "Runs PostgreSQL 17 locally on port 5432; tests use a throwaway database.", kind: "fact", importance: 0.5, tags: ["infrastructure"] },
    { content: "Drinks oat-milk flat whites and avoids meetings before 10:00.", kind: "preference", importance: 0.2, tags: ["personal"] },
    // Soft-deleted (seed 004): superseded, kept for history and hidden from normal reads.
    { conversationId: session.id, content: "Uses Jest for unit tests.", kind: "fact", importance: 0.4, tags: ["coding"], deletedAt: hoursAgo(1), metadata: { deletedReason: "superseded: the project moved to Vitest" } },
  ];
  const created = [];
  for (const [i, memory] of memories.entries()) {
    created.push(await tx.memory.create({ data: { ...memory, userId, createdAt: minutesAfter(sessionStart, 2 + i * 3) }, select: { id: true, content: true } }));
  }
  await setMemoryEmbeddings(seed, created);
  seed.log(`seed 004: 1 session, ${created.length} embedded memories (1 soft-deleted)`);
}

// ─────────────────────── planning: the roadmap ───────────────────────

async function seedRoadmap(seed: Seed) {
  const epics: Omit<Prisma.EpicUncheckedCreateInput, "userId">[] = [
    { title: "Tool usage analytics", description: "Counts and durations per tool and status.", status: "COMPLETED", priority: "MEDIUM", quarter: "Q3 2025", outcome: "Shipped GET /api/stats/tools.", icon: "📊", color: "#16a34a" },
    { title: "Semantic search across conversations", description: "Chunk, embed and search every conversation.", status: "IN_PROGRESS", priority: "HIGH", quarter: "Q4 2025", icon: "🔎", color: "#2563eb" },
    { title: "Roadmap planner", description: "Epics on a board, ordered by drag and drop.", status: "PLANNED", priority: "MEDIUM", quarter: "Q1 2026", icon: "🗺️", color: "#9333ea" },
    { title: "Realtime collaboration", description: "Share a live conversation with a teammate.", status: "CANCELLED", priority: "LOW", quarter: "Q1 2026", outcome: "Dropped: single-user focus for now.", icon: "👥", color: "#6b7280" },
  ];
  // One at a time so `order` (autoincrement) follows the list.
  for (const epic of epics) await seed.tx.epic.create({ data: { ...epic, userId: seed.userId } });
  seed.log(`planning: ${epics.length} epics`);
}
