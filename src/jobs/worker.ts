// The background worker: `concurrency` loops, each claiming one due job at a time and running it.
// Idle loops look again every `pollMs` (retries coming due, jobs left by a stopped instance) or at
// once when a write on any instance queues work (the event bus's jobsQueued, through Redis if set).
// A failed attempt is retried with exponential backoff; after `maxAttempts` the job is dead-lettered
// (kept with its last error, counted as failed). stop() lets running jobs reach the end of their
// current slice and gives them back, so a restart (or another instance) carries on at once.
import type { PrismaClient } from "../db/database.ts";
import type { BackgroundConfig } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Embedder } from "../search/embedders/index.ts";
import { ALL_USERS, type PubSub } from "../events/pubsub.ts";
import { claimJobs, failJob, releaseJob, type Job, type JobKind } from "./queue.ts";
import { embedMessages, LeaseLost, type JobContext } from "./embed-messages.ts";
import { planReembed, reembedStored } from "./reembed.ts";

const HANDLERS: Record<JobKind, (job: Job<any>, context: JobContext) => Promise<void>> = {
  embed_messages: embedMessages,
  reembed: reembedStored,
};

export interface BackgroundWorker {
  /** Look for jobs now (instead of at the next poll). */
  wake(): void;
  stop(): Promise<void>;
}

export interface BackgroundWorkerOptions {
  prisma: PrismaClient;
  embedder: Embedder;
  config: BackgroundConfig;
  logger: Logger;
  /** Wakes idle loops when a write queues work; without it they find new jobs at the next poll. */
  events?: PubSub;
}

/** The wait before attempt n+1: base · 2^(n-1), up to 10 minutes, with jitter (75–100 %). */
export const retryDelay = (attempts: number, baseMs: number) => Math.min(600_000, baseMs * 2 ** Math.max(0, attempts - 1)) * (0.75 + Math.random() * 0.25);

export async function startBackgroundWorker({ prisma, embedder, config, logger, events }: BackgroundWorkerOptions): Promise<BackgroundWorker> {
  const stopping = new AbortController();
  const sleepers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...sleepers]) wake();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener("abort", done);
        sleepers.delete(done);
        resolve();
      }
      sleepers.add(done);
      stopping.signal.addEventListener("abort", done, { once: true });
    });
  // A burst of writes wakes the idle loops once each; a loop that is busy picks the job up next anyway.
  const queued = events?.subscribe("jobsQueued", ALL_USERS);
  const listening = (async () => {
    if (queued) for await (const _ of queued) wakeAll();
  })().catch((error) => logger.warn(`background: no longer woken by writes (polling every ${config.pollMs} ms): ${(error as Error).message}`));

  const planned = await planReembed(prisma, embedder);
  if (planned) logger.info(`background: ${planned.queued} stored vectors of an earlier server model will be embedded again with ${embedder.model}`);

  const context: JobContext = { prisma, embedder, leaseMs: config.leaseMs, signal: stopping.signal };

  async function run(job: Job) {
    const started = performance.now();
    try {
      await HANDLERS[job.kind](job, context);
      logger.debug(`background: job ${job.id} (${job.kind}) done in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      if (stopping.signal.aborted) {
        await releaseJob(prisma, job).catch(() => {}); // its lease runs out anyway
      } else if (error instanceof LeaseLost) {
        logger.warn(`background: ${error.message}`);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        const outcome = await failJob(prisma, job, message, { retryInMs: retryDelay(job.attempts, config.retryBaseMs), maxAttempts: config.maxAttempts });
        if (outcome === "dead") logger.error(`background: job ${job.id} (${job.kind}) failed ${job.attempts} times and is set aside: ${message}`);
        else logger.warn(`background: job ${job.id} (${job.kind}) attempt ${job.attempts} failed, will retry: ${message}`);
      }
    }
  }

  async function loop() {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let jobs: Job[];
      try {
        jobs = await claimJobs(prisma, { limit: 1, leaseMs: config.leaseMs });
        failures = 0;
      } catch (error) {
        if (stopping.signal.aborted) break;
        failures++;
        if (failures === 1) logger.warn(`background: cannot reach the job queue: ${(error as Error).message}`);
        await sleep(Math.min(30_000, config.pollMs * 2 ** failures));
        continue;
      }
      if (jobs.length === 0) {
        await sleep(config.pollMs);
        continue;
      }
      for (const job of jobs) await run(job);
    }
  }

  const loops = Array.from({ length: config.concurrency }, () => loop());
  return {
    wake: wakeAll,
    async stop() {
      stopping.abort();
      await queued?.return();
      await Promise.all([...loops, listening]);
    },
  };
}
