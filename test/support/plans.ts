// How many rows the database read to answer an operation, measured by the database itself: every
// SELECT the server sent is run again under EXPLAIN ANALYZE, and the rows its scan nodes produced
// and the rows they discarded are added up per table. This counts what PostgreSQL read, not what the ORM chose to return.
import type { Database, QueryEvent } from "../../src/db/database.ts";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PlanNode[];
}

const SCANS = new Set(["Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Tid Scan", "Tid Range Scan"]);

function addScans(node: PlanNode, into: Map<string, number>) {
  if (SCANS.has(node["Node Type"]) && node["Relation Name"]) {
    // Rows a scan read and then discarded were still read: a filter that drops 9,000 rows costs them.
    const perLoop = (node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0) + (node["Rows Removed by Index Recheck"] ?? 0);
    const rows = perLoop * (node["Actual Loops"] ?? 1);
    into.set(node["Relation Name"], (into.get(node["Relation Name"]) ?? 0) + rows);
  }
  for (const child of node.Plans ?? []) addScans(child, into);
}

export interface RowsRead {
  /** Rows produced by scans of each table, over every statement. */
  byTable: Map<string, number>;
  statements: number;
}

/** Runs fn, then replays each SELECT it caused under EXPLAIN ANALYZE and sums the rows scanned per table. */
export async function rowsRead(db: Database, fn: () => Promise<unknown>): Promise<RowsRead> {
  const events: QueryEvent[] = [];
  const stop = db.onQuery((event) => events.push(event));
  try {
    await fn();
  } finally {
    stop();
  }
  const byTable = new Map<string, number>();
  const selects = events.filter((event) => /^\s*(SELECT|WITH)\b/i.test(event.query));
  for (const event of selects) {
    const params = JSON.parse(event.params || "[]") as unknown[];
    const [row] = await db.prisma.$queryRawUnsafe<{ "QUERY PLAN": [{ Plan: PlanNode }] }[]>(`EXPLAIN (ANALYZE, FORMAT JSON) ${event.query}`, ...params);
    addScans(row["QUERY PLAN"][0].Plan, byTable);
  }
  return { byTable, statements: events.length };
}

