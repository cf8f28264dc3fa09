// Raw SQL of the quality records: the row lock that serialises writers of one memory's records.
import type { PrismaClient } from "../../db/database.ts";
import { notFound } from "../../errors.ts";
import { ownedQuery, owner } from "../../auth/viewer-client.ts";

/** Inside a transaction: one quality writer per memory at a time (and the memory still there). */
export async function lockOwnMemory(tx: Pick<PrismaClient, "$queryRaw">, viewerId: string, memoryId: string, globalId: string) {
  const rows = await ownedQuery(tx, viewerId)<{ id: string }>`SELECT id FROM memories WHERE id = ${memoryId} AND ${owner()} FOR NO KEY UPDATE`;
  if (rows.length === 0) throw notFound("Memory", globalId);
}
