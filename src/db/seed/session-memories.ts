import type { Prisma } from "../../generated/prisma/client.ts";
import { minutesAfter, setMemoryEmbeddings, type Seed } from "./shared.ts";

// Demo data, seed 004: a session and its memories.

export async function seedSessionMemories(seed: Seed) {
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
