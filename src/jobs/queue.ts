// The durable job queue: a table (background_jobs) and five statements. Enqueueing is one INSERT in
// the writer's own transaction, so a job exists exactly when its data was committed. Workers claim due
// jobs with FOR UPDATE SKIP LOCKED (several workers and instances never take the same job) and hold a
// lease; a worker that dies (kill -9, crash, lost host) simply stops renewing it, and when the lease
// runs out any worker claims the job again. Every change after the claim names the lease token, so a
// worker whose lease was taken over can no longer touch the job. Why not graphile-worker or pg-boss:
// docs/design/background-embedding.md.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../db/database.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { ViewerTransaction } from "../auth/viewer-client.ts";

export type JobKind = "embed_messages" | "reembed";

export interface Job<P = unknown> {
  id: bigint;
  kind: JobKind;
  payload: P;
  items: number;
  /** Claims so far, this one included. */
  attempts: number;
  userId: string | null;
  conversationId: string | null;
  leaseToken: string;
}

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * In the writer's transaction: new messages to chunk and embed. One statement.
 *
 * The writer's transaction is the viewer's (auth/viewer-client.ts), whose client refuses the server's
 * tables but this one insert: a job of the viewer's own (`viewerInserts` in auth/ownership.ts), so the
 * job exists exactly when the messages were committed.
 */
export async function enqueueMessageEmbedding(tx: Pick<ViewerTransaction, "backgroundJob">, userId: string, conversationId: string, messageIds: readonly string[]) {
  if (messageIds.length === 0) return;
  await tx.backgroundJob.create({
    data: { kind: "embed_messages", userId, conversationId, payload: { messageIds: [...messageIds] }, items: messageIds.length },
    select: { id: true },
  });
}

export async function enqueue(db: Db, kind: JobKind, payload: Prisma.InputJsonValue, items: number) {
  return db.backgroundJob.create({ data: { kind, payload, items }, select: { id: true } });
}

/** Claims up to `limit` due jobs for `leaseMs`: pending ones, and those whose worker's lease ran out. */
export async function claimJobs(prisma: PrismaClient, { limit, leaseMs }: { limit: number; leaseMs: number }): Promise<Job[]> {
  const token = randomUUID();
  const rows = await prisma.$queryRaw<
    { id: bigint; kind: JobKind; payload: unknown; items: number; attempts: number; user_id: string | null; conversation_id: string | null }[]
  >`
    UPDATE background_jobs AS j
       SET lease_token = ${token},
           leased_until = now() + ${leaseMs} * interval '1 millisecond',
           attempts = j.attempts + 1,
           updated_at = now()
     WHERE j.id IN (SELECT id FROM background_jobs
                     WHERE failed_at IS NULL
                       AND run_at <= now()
                       AND (leased_until IS NULL OR leased_until < now())
                     ORDER BY run_at, id
                     LIMIT ${limit}
                       FOR UPDATE SKIP LOCKED)
 RETURNING j.id, j.kind, j.payload, j.items, j.attempts, j.user_id, j.conversation_id`;
  return rows
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((row) => ({
      id: row.id,
      kind: row.kind,
      payload: row.payload,
      items: row.items,
      attempts: row.attempts,
      userId: row.user_id,
      conversationId: row.conversation_id,
      leaseToken: token,
    }));
}

/** Records progress and renews the lease; false when the lease is no longer this worker's. */
export async function recordProgress(db: Db, job: Job, payload: Prisma.InputJsonValue, items: number, leaseMs: number): Promise<boolean> {
  const changed = await db.$executeRaw`
    UPDATE background_jobs
       SET payload = ${JSON.stringify(payload)}::jsonb, items = ${items},
           leased_until = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
     WHERE id = ${job.id} AND lease_token = ${job.leaseToken}`;
  return changed === 1;
}

/** Done: the job is deleted. False when the lease is no longer this worker's. */
export async function completeJob(db: Db, job: Job): Promise<boolean> {
  return (await db.$executeRaw`DELETE FROM background_jobs WHERE id = ${job.id} AND lease_token = ${job.leaseToken}`) === 1;
}

/** Failed this attempt: retried after `retryInMs`, or dead-lettered when it has used `maxAttempts`. */
export async function failJob(db: Db, job: Job, error: string, { retryInMs, maxAttempts }: { retryInMs: number; maxAttempts: number }): Promise<"retry" | "dead"> {
  const dead = job.attempts >= maxAttempts;
  await db.$executeRaw`
    UPDATE background_jobs
       SET lease_token = NULL, leased_until = NULL, last_error = ${error.slice(0, 2_000)},
           run_at = now() + ${retryInMs} * interval '1 millisecond',
           failed_at = CASE WHEN ${dead} THEN now() END, updated_at = now()
     WHERE id = ${job.id} AND lease_token = ${job.leaseToken}`;
  return dead ? "dead" : "retry";
}

/** Gives a claimed job back untouched (shutdown): another worker may take it at once. */
export async function releaseJob(db: Db, job: Job): Promise<void> {
  await db.$executeRaw`
    UPDATE background_jobs SET lease_token = NULL, leased_until = NULL, attempts = greatest(attempts - 1, 0), updated_at = now()
     WHERE id = ${job.id} AND lease_token = ${job.leaseToken}`;
}

export interface Backlog {
  kind: JobKind;
  /** waiting (due or backing off), running (leased), failed (dead-lettered) */
  state: "waiting" | "running" | "failed";
  jobs: number;
  items: number;
}

/** The whole queue by kind and state: the /metrics gauges. */
export async function backlog(prisma: PrismaClient): Promise<Backlog[]> {
  const rows = await prisma.$queryRaw<{ kind: JobKind; state: Backlog["state"]; jobs: number; items: number }[]>`
    SELECT kind,
           CASE WHEN failed_at IS NOT NULL THEN 'failed' WHEN leased_until > now() THEN 'running' ELSE 'waiting' END AS state,
           count(*)::int AS jobs, coalesce(sum(items), 0)::int AS items
      FROM background_jobs
     GROUP BY 1, 2
     ORDER BY 1, 2`;
  return rows;
}
