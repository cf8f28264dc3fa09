// Switching the server's embedder re-embeds its stored vectors in the background. At start-up the
// worker records the configured model in server_embedders; if rows still carry an earlier server
// model, one reembed job moves them (chunks, message chunks and memories) to the new one, batch by
// batch, keeping its cursor in the job, so it resumes after a restart and shows what is left (`items`).
// Vectors a client sent with its own model are never touched: only models this server used are.
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import type { Embedder } from "../search/embedders/index.ts";
import { storeVectorFrom, toSql } from "../search/vectors.ts";
import { completeJob, enqueue, recordProgress, type Job } from "./queue.ts";
import { LeaseLost, type JobContext } from "./embed-messages.ts";

/** The server's only embedder before models were recorded (and the default until the USE took over). */
const FIRST_SERVER_MODEL = "threadline-hashing-v1";

const TABLES = [
  { table: Prisma.raw("conversation_chunks"), text: Prisma.raw("chunk_text") },
  { table: Prisma.raw("memories"), text: Prisma.raw("content") },
] as const;

export interface ReembedPayload {
  from: string[];
  to: string;
  /** Index into TABLES, and the last id done in it. */
  table: number;
  after: string;
  done: number;
}

const BATCH = 64;

async function remaining(prisma: PrismaClient, from: string[]): Promise<number> {
  let total = 0;
  for (const { table } of TABLES) {
    const [{ count }] = await prisma.$queryRaw<{ count: number }[]>`
      SELECT count(*)::int AS count FROM ${table} WHERE embedding_model = ANY(${from}::text[])`;
    total += count;
  }
  return total;
}

/**
 * Records the configured model; queues a reembed job when rows of an earlier server model remain.
 * An unfinished job for the same model is kept (it resumes); one for another model is replaced.
 */
export async function planReembed(prisma: PrismaClient, embedder: Embedder): Promise<{ queued: number } | undefined> {
  await prisma.$executeRaw`
    INSERT INTO server_embedders (model, dimensions) VALUES (${embedder.model}, ${embedder.dimensions})
    ON CONFLICT (model) DO UPDATE SET dimensions = excluded.dimensions, last_used_at = now()`;
  await prisma.$executeRaw`DELETE FROM background_jobs WHERE kind = 'reembed' AND payload->>'to' <> ${embedder.model}`;
  const running = await prisma.backgroundJob.count({ where: { kind: "reembed", failedAt: null } });
  if (running > 0) return undefined;
  const used = await prisma.$queryRaw<{ model: string }[]>`SELECT model FROM server_embedders WHERE model <> ${embedder.model}`;
  const from = [...new Set([FIRST_SERVER_MODEL, ...used.map((row) => row.model)])].filter((model) => model !== embedder.model);
  const queued = await remaining(prisma, from);
  if (queued === 0) return undefined;
  const payload: ReembedPayload = { from, to: embedder.model, table: 0, after: "", done: 0 };
  await enqueue(prisma, "reembed", payload as unknown as Prisma.InputJsonValue, queued);
  return { queued };
}

export async function reembedStored(job: Job<ReembedPayload>, { prisma, embedder, leaseMs, signal }: JobContext): Promise<void> {
  const progress = { ...job.payload };
  if (progress.to !== embedder.model) {
    await completeJob(prisma, job); // the server switched again; start-up planned a new job
    return;
  }
  let left = job.items;
  while (progress.table < TABLES.length) {
    signal.throwIfAborted();
    const { table, text } = TABLES[progress.table];
    const rows = await prisma.$queryRaw<{ id: string; text: string }[]>`
      SELECT id, ${text} AS text FROM ${table}
       WHERE embedding_model = ANY(${progress.from}::text[]) AND id > ${progress.after}
       ORDER BY id LIMIT ${BATCH}`;
    if (rows.length === 0) {
      progress.table += 1;
      progress.after = "";
      continue;
    }
    const vectors = await embedder.embed(rows.map((row) => row.text));
    progress.after = rows[rows.length - 1].id;
    progress.done += rows.length;
    left = Math.max(0, left - rows.length);
    await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`
        UPDATE ${table} AS t
           SET ${storeVectorFrom("embedding", Prisma.sql`v.embedding`, embedder.model, embedder.dimensions)}
          FROM (SELECT unnest(${rows.map((row) => row.id)}::text[]) AS id, unnest(${vectors.map((v) => toSql(v))}::text[]) AS embedding) AS v
         WHERE t.id = v.id AND t.embedding_model = ANY(${progress.from}::text[])`;
      if (!(await recordProgress(tx, job, progress as unknown as Prisma.InputJsonValue, left, leaseMs))) throw new LeaseLost(job);
    });
  }
  await completeJob(prisma, job);
}
