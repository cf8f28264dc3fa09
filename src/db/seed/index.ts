// Demo data for every seed's use case, owned by the local single user (plus seed 002's Clerk users),
// written in one transaction: `npm run db:seed`, or THREADLINE_SEED=1 on start. Running it twice adds nothing.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { createHashingEmbedder, type Embedder } from "../../search/embedders/hashing.ts";
import { MARKER_SESSION_ID, type Seed } from "./shared.ts";
import { seedClaudeCodeSessions } from "./claude-code.ts";
import { seedAgentDebates } from "./agent-debates.ts";
import { seedBuildContexts } from "./build-contexts.ts";
import { seedChatImport } from "./chat-export.ts";
import { seedSessionMemories } from "./session-memories.ts";
import { seedRoadmap } from "./roadmap.ts";

export interface SeedOptions {
  log?: (line: string) => void;
  /** The single user's externalId in local mode; defaults like the server's config. */
  localUser?: string;
  /** Must be the embedder the server searches with, or text search will not find the seeded vectors. */
  embedder?: Embedder;
}


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
  );
  if (result.created) {
    for (const line of lines) log(line);
    log(`seed: demo data loaded for user "${externalId}" (embeddings: ${embedder.model}, ${embedder.dimensions} dimensions)`);
  } else {
    log(`seed: demo data already present for user "${externalId}": nothing added`);
  }
  return result;
}
