// Multi-row writes that validate under row locks can still meet a deadlock (40P01) or, at stricter
// isolation, a serialization failure (40001): PostgreSQL rolled the whole transaction back, so it
// is safe to run it again. A few tries with a short jittered pause, then the error stands.
import type { PrismaClient } from "./database.ts";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
/** Prisma's interactive-transaction options (maxWait, timeout, isolationLevel). */
export type TransactionOptions = Parameters<PrismaClient["$transaction"]>[1];
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 5;

/** The SQLSTATE of a failed statement, as Prisma's driver adapters report it. */
export function sqlStateOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: any = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const code = current.meta?.driverAdapterError?.cause?.originalCode ?? current.cause?.originalCode ?? current.originalCode;
    if (typeof code === "string") return code;
    if (typeof current.code === "string" && /^[0-9A-Z]{5}$/.test(current.code)) return current.code;
    current = current.cause ?? current.meta?.driverAdapterError;
  }
  return undefined;
}

/** A client that runs interactive transactions: the plain one, or the viewer's (auth/viewer-client.ts). */
interface Transactional<C> {
  $transaction<R>(work: (tx: C) => Promise<R>, options?: TransactionOptions): Promise<R>;
}

export async function retryingTransaction<T, C = Tx>(prisma: Transactional<C>, work: (tx: C) => Promise<T>, options?: TransactionOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(work, options);
    } catch (error) {
      if (attempt >= ATTEMPTS || !RETRYABLE.has(sqlStateOf(error) ?? "")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}

/**
 * Inside a transaction: a transaction advisory lock per key, held until it ends, all taken sorted by
 * one statement, so two transactions that want overlapping keys wait for each other rather than
 * deadlock. For rows that do not exist yet (a source id about to be imported): there is no row to lock.
 */
export async function lockKeys(tx: Pick<Tx, "$queryRaw">, keys: Iterable<string>): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  await tx.$queryRaw`
    SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0)))::int AS locked
      FROM unnest(${sorted}::text[]) WITH ORDINALITY AS k(key, n)`;
}
