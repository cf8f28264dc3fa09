// The distance a vector query compares by: one enum for search and similarMemories.
import { builder } from "../../builder.ts";

export const DistanceMetricEnum = builder.enumType("DistanceMetric", {
  description: "How vectors are compared.",
  values: {
    COSINE: { description: "Cosine distance (1 − cosine similarity). Indexed: fast at any size." },
    L2: { description: "Euclidean distance. Compared exactly over your vectors of the query's size." },
    INNER_PRODUCT: { description: "Inner product, larger is nearer (equals cosine for unit vectors). Compared exactly." },
  } as const,
});
