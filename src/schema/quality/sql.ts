// Raw SQL of the quality records: the row lock that serialises writers of one memory's records.
import type { Prisma } from "../../generated/prisma/client.ts";
import { notFound } from "../../errors.ts";

/** Inside a transaction: one quality writer per memory at a time (and the memory still there). */
export async function lockOwnMemory(tx: Prisma.TransactionClient, viewerId: string, memoryId: string, globalId: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM memories WHERE id = ${memoryId} AND user_id = ${viewerId} FOR NO KEY UPDATE`;
  if (rows.length === 0) throw notFound("Memory", globalId);
}
