// Vector search settings (SEARCH_* environment variables); no imports, so config.ts can read them.

/** When a user's rows are compared exactly, and how the HNSW index is walked otherwise (SEARCH_* settings). */
export interface SearchTuning {
  /**
   * Up to this many rows of the user (of the query's size and model, cosine) are compared one by one:
   * exact, and cheap at that size. Beyond it the HNSW index is faster (docs/BENCHMARKS.md).
   */
  exactScanMax: number;
  /** hnsw.ef_search: candidates kept per step of the graph walk; higher raises recall and cost. */
  efSearch: number;
  /** hnsw.max_scan_tuples: where the iterative walk gives up; the search then falls back to exact. */
  maxScanTuples: number;
  /**
   * Users' own HNSW indexes (PostgreSQL; tenant-indexes.ts), when the server keeps them: a search that
   * finds a user large asks for theirs, and a user known to have one skips the count.
   */
  tenantIndexes?: {
    /** Users with at least this many rows get one (SEARCH_TENANT_INDEX_MIN). */
    readonly minRows: number;
    has(table: "conversation_chunks" | "memories", userId: string, dimensions: number): boolean;
    request(table: "conversation_chunks" | "memories", userId: string, dimensions: number): void;
  };
}

export const DEFAULT_SEARCH_TUNING: SearchTuning = { exactScanMax: 15_000, efSearch: 200, maxScanTuples: 100_000 };

/** hnsw.ef_search for a walk of a user's own index (SEARCH_TENANT_INDEX_EF_SEARCH; docs/BENCHMARKS.md). */
export const DEFAULT_OWN_INDEX_EF_SEARCH = 64;

/**
 * What every PostgreSQL connection of the server starts with, so that the walk of a user's own index
 * (tenant-indexes.ts) is one statement, with no transaction around it to set these: that index holds
 * only the user's rows, so the walk needs no owner filter, and iterative scans only continue it when a
 * query asks for more rows than ef_search (or filters by time). The shared index's walk sets its own,
 * local to its transaction (nearest.ts).
 */
export function hnswSessionSettings(ownIndexEfSearch = DEFAULT_OWN_INDEX_EF_SEARCH, maxScanTuples = DEFAULT_SEARCH_TUNING.maxScanTuples) {
  return {
    "hnsw.ef_search": String(ownIndexEfSearch),
    "hnsw.iterative_scan": "relaxed_order",
    "hnsw.max_scan_tuples": String(maxScanTuples),
  };
}
