// Combining candidates into ranked hits: pure vector (by similarity), pure full text (by rank), or
// hybrid by reciprocal rank fusion, which needs no score calibration between the two lists. Every hit
// carries a score in [0, 1] and the parts it was made of.
import type { Candidate, SearchKind } from "./sql.ts";
import { similarityOf, textScore, vectorScore, type DistanceMetric } from "./vectors.ts";

export type SearchMode = "VECTOR" | "FULL_TEXT" | "HYBRID";

export interface Hit {
  kind: SearchKind;
  id: string;
  /** In [0, 1]; what the hits are ordered by. */
  score: number;
  vectorDistance: number | null;
  vectorSimilarity: number | null;
  /** 1-based position in its kind's vector list. */
  vectorRank: number | null;
  textRank: number | null;
  /** 1-based position in its kind's full-text list. */
  textPosition: number | null;
  /** HYBRID: the reciprocal-rank-fusion sum, Σ 1 / (RRF_K + position). */
  fusedRank: number | null;
}

/** The constant of reciprocal rank fusion (Cormack et al.): damps the weight of the very top ranks. */
export const RRF_K = 60;
/** The largest fused sum a hit can reach: first in both lists of its kind. Dividing by it gives [0, 1]. */
export const RRF_MAX = 2 / (RRF_K + 1);

const keyOf = (c: { kind: SearchKind; id: string }) => `${c.kind}:${c.id}`;

export function rankHits(
  mode: SearchMode,
  vectorLists: Candidate[][],
  textLists: Candidate[][],
  { limit, threshold, metric }: { limit: number; threshold?: number | null; metric: DistanceMetric },
): Hit[] {
  const hits = new Map<string, Hit>();
  const hitFor = (c: Candidate) => {
    const key = keyOf(c);
    let hit = hits.get(key);
    if (!hit) {
      hit = { kind: c.kind, id: c.id, score: 0, vectorDistance: null, vectorSimilarity: null, vectorRank: null, textRank: null, textPosition: null, fusedRank: null };
      hits.set(key, hit);
    }
    return hit;
  };
  const passes = (c: Candidate) => threshold == null || similarityOf(metric, c.distance!) >= threshold;

  for (const list of vectorLists) {
    list.filter(passes).sort((a, b) => a.distance! - b.distance!).forEach((c, index) => {
      const hit = hitFor(c);
      hit.vectorDistance = c.distance!;
      hit.vectorSimilarity = similarityOf(metric, c.distance!);
      hit.vectorRank = index + 1;
    });
  }
  for (const list of textLists) {
    [...list].sort((a, b) => b.rank! - a.rank!).forEach((c, index) => {
      const hit = hitFor(c);
      hit.textRank = c.rank!;
      hit.textPosition = index + 1;
    });
  }
  for (const hit of hits.values()) {
    if (mode === "VECTOR") hit.score = vectorScore(metric, hit.vectorDistance!);
    else if (mode === "FULL_TEXT") hit.score = textScore(hit.textRank!);
    else {
      hit.fusedRank = (hit.vectorRank ? 1 / (RRF_K + hit.vectorRank) : 0) + (hit.textPosition ? 1 / (RRF_K + hit.textPosition) : 0);
      hit.score = Math.min(1, hit.fusedRank / RRF_MAX);
    }
  }
  const nearer = (a: Hit, b: Hit) => (a.vectorDistance ?? Infinity) - (b.vectorDistance ?? Infinity);
  return [...hits.values()].sort((a, b) => b.score - a.score || nearer(a, b) || a.id.localeCompare(b.id)).slice(0, limit);
}
