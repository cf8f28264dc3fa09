// What every seed module builds with: the transaction, the user, and helpers for threads and embeddings.
import pgvector from "pgvector";
import type { MessageRole, Prisma } from "../../generated/prisma/client.ts";
import { contentHash, extractLinks, messageFingerprint } from "../../schema/conversations/content.ts";
import type { Embedder } from "../../search/embedders/hashing.ts";

export type Tx = Prisma.TransactionClient;

/** The local user's first Claude Code session: present means the demo data was already loaded. */
export const MARKER_SESSION_ID = "seed-001-a";

export interface Seed {
  tx: Tx;
  userId: string;
  embedder: Embedder;
  /** A moment `hours` before the seed ran, so "recent" and "active" read naturally in the demo. */
  hoursAgo: (hours: number) => Date;
  log: (line: string) => void;
}

// Demo data, building blocks.

export const minutesAfter = (date: Date, minutes: number) => new Date(date.getTime() + minutes * 60_000);

export interface MessageSpec {
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
export function thread(startedAt: Date, stepMinutes: number, specs: MessageSpec[]): Prisma.MessageCreateWithoutConversationInput[] {
  return specs.map(({ toolUses, assets, ...spec }, i) => {
    const timestamp = minutesAfter(startedAt, i * stepMinutes);
    const links = extractLinks(spec.content);
    return {
      ...spec,
      position: i + 1,
      timestamp,
      contentHash: contentHash(spec.content),
      fingerprint: messageFingerprint(spec.role, spec.sender, timestamp, spec.content),
      // Seed 001 records the calls on the message and each execution as a ToolUse.
      toolCalls: toolUses?.map((use, n) => ({ id: `toolu_${i + 1}_${n + 1}`, name: use.toolName, input: use.parameters })),
      toolUses: toolUses && { create: toolUses.map((use, n) => ({ ...use, timestamp: minutesAfter(timestamp, 0.1 * (n + 1)) })) },
      links: links.length ? { create: links } : undefined,
      assets: assets && { create: assets },
    };
  });
}

export const withMessages = { messages: { select: { id: true, position: true, timestamp: true }, orderBy: { position: "asc" } } } as const;

export async function setChunkEmbeddings(seed: Seed, chunks: { id: string; chunkText: string }[]) {
  const { tx, embedder } = seed;
  const vectors = await embedder.embed(chunks.map((chunk) => chunk.chunkText));
  for (const [i, chunk] of chunks.entries()) {
    await tx.$executeRaw`UPDATE conversation_chunks SET embedding = ${pgvector.toSql(vectors[i])}::vector, embedding_model = ${embedder.model}, embedding_dimensions = ${embedder.dimensions} WHERE id = ${chunk.id}`;
  }
}

export async function setMemoryEmbeddings(seed: Seed, memories: { id: string; content: string }[]): Promise<number[][]> {
  const { tx, embedder } = seed;
  const vectors = await embedder.embed(memories.map((memory) => memory.content));
  for (const [i, memory] of memories.entries()) {
    await tx.$executeRaw`UPDATE memories SET embedding = ${pgvector.toSql(vectors[i])}::vector, embedding_model = ${embedder.model}, embedding_dimensions = ${embedder.dimensions} WHERE id = ${memory.id}`;
  }
  return vectors;
}

