// Query and stored vectors: checking a vector before it is used, the distance metrics, and turning a
// distance into a similarity and a score a UI can show.
import pgvector from "pgvector";
import { Prisma } from "../generated/prisma/client.ts";
import { badInput } from "../errors.ts";

/** pgvector indexes up to 2,000 dimensions (HNSW on `vector`); the API accepts any size up to that. */
export const MAX_DIMENSIONS = 2000;

/** Dimensions with a partial HNSW index (cosine) in the migrations; other sizes are searched exactly. */
export const INDEXED_DIMENSIONS = [384, 512, 768, 1024, 1536] as const;
export type IndexedDimension = (typeof INDEXED_DIMENSIONS)[number];
export const isIndexedDimension = (dimensions: number): dimensions is IndexedDimension =>
  (INDEXED_DIMENSIONS as readonly number[]).includes(dimensions);

/** Refuses a vector no metric can use: empty, too long, not finite, or all zeros. Returns its size. */
export function checkVector(vector: readonly number[], field: string): number {
  if (vector.length === 0) throw badInput(`${field} is empty`, field);
  if (vector.length > MAX_DIMENSIONS) throw badInput(`${field} has ${vector.length} dimensions; at most ${MAX_DIMENSIONS} are supported`, field);
  for (const value of vector) {
    if (!Number.isFinite(value)) throw badInput(`${field} must contain only finite numbers`, field);
    // pgvector stores float4: a finite double beyond its range would become Infinity.
    if (Math.abs(value) > 3.4e38) throw badInput(`${field} has a value beyond the float4 range`, field);
  }
  if (vector.every((value) => value === 0)) throw badInput(`${field} must not be all zeros (it has no direction)`, field);
  return vector.length;
}

export const toSql = (vector: readonly number[]): string => pgvector.toSql(vector as number[]);
export const fromSql = (text: string): number[] => pgvector.fromSql(text) as number[];

export type DistanceMetric = "COSINE" | "L2" | "INNER_PRODUCT";

/** pgvector's operator per metric, from this fixed table only (never from client text). */
export const distanceOperator: Record<DistanceMetric, Prisma.Sql> = {
  COSINE: Prisma.raw("<=>"),
  L2: Prisma.raw("<->"),
  // <#> is the negative inner product, so that smaller is nearer like the other two.
  INNER_PRODUCT: Prisma.raw("<#>"),
};

/**
 * The similarity a user reads for a distance: cosine similarity (−1…1) for COSINE, the inner product for
 * INNER_PRODUCT, and 1 / (1 + distance) (0…1) for L2.
 */
export function similarityOf(metric: DistanceMetric, distance: number): number {
  if (metric === "COSINE") return 1 - distance;
  if (metric === "INNER_PRODUCT") return -distance;
  return 1 / (1 + distance);
}

/** The similarity mapped to [0, 1] for display: negative similarities and beyond-1 inner products are clamped. */
export const vectorScore = (metric: DistanceMetric, distance: number): number => clamp01(similarityOf(metric, distance));

/** ts_rank_cd is unbounded above; rank / (rank + 1) maps it to [0, 1) keeping the order (ts_rank's normalization 32). */
export const textScore = (rank: number): number => clamp01(rank / (rank + 1));

export const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Columns that hold a vector, each with `<column>_model` and `<column>_dimensions` beside it. */
export type VectorColumn = "embedding" | "centroid";

/**
 * The SET list that stores a vector and what made it, `<column> = …::vector, <column>_model = …,
 * <column>_dimensions = …`, so the three never drift apart. `vector` is the vector's text (a parameter, or
 * a column of unnested rows); `model` and `dimensions` are values or columns alike.
 */
export function storeVectorFrom(column: VectorColumn, vector: Prisma.Sql, model: Prisma.Sql | string, dimensions: Prisma.Sql | number): Prisma.Sql {
  const name = Prisma.raw(column); // from VectorColumn only
  return Prisma.sql`${name} = ${vector}::vector, ${Prisma.raw(`${column}_model`)} = ${model}, ${Prisma.raw(`${column}_dimensions`)} = ${dimensions}`;
}

/** storeVectorFrom for one vector. */
export const storeVector = (column: VectorColumn, vector: readonly number[], model: string): Prisma.Sql =>
  storeVectorFrom(column, Prisma.sql`${toSql(vector)}`, model, vector.length);
