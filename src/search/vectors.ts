// Query and stored vectors: which dimensions are indexed, and checking a vector before it is used.
import pgvector from "pgvector";
import { badInput } from "../errors.ts";

/** Dimensions with an HNSW index in the migrations (one partial index per dimension and table). */
export const INDEXED_DIMENSIONS = [384, 512, 768, 1024, 1536] as const;
export type IndexedDimension = (typeof INDEXED_DIMENSIONS)[number];

export function checkVector(vector: readonly number[], field: string): IndexedDimension {
  if (!(INDEXED_DIMENSIONS as readonly number[]).includes(vector.length)) {
    throw badInput(`${field} has ${vector.length} dimensions; supported: ${INDEXED_DIMENSIONS.join(", ")}`, field);
  }
  for (const value of vector) {
    if (!Number.isFinite(value)) throw badInput(`${field} must contain only finite numbers`, field);
  }
  if (vector.every((value) => value === 0)) throw badInput(`${field} must not be all zeros (it has no direction)`, field);
  return vector.length as IndexedDimension;
}

export const toSql = (vector: readonly number[]): string => pgvector.toSql(vector as number[]);
