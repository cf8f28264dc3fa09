// Combining candidates into ranked hits: pure vector (by similarity), pure full text (by rank), or
// hybrid by reciprocal rank fusion, which needs no score calibration between the two lists.
import type { Candidate, SearchKind } from "./sql.ts";

export type SearchMode = "VECTOR" | "FULL_TEXT" | "HYBRID";

export interface Hit {
  kind: SearchKind;
  id: string;
  score: number;
  vectorDistance: number | null;
  similarity: number | null;
  textRank: number | null;
}

/** The constant of reciprocal rank fusion (Cormack et al.): damps the weight of the very top ranks. */
export const RRF_K = 60;

const keyOf = (c: { kind: SearchKind; id: string }) => `${c.kind}:${c.id}`;

export function rankHits(
  mode: SearchMode,
  vectorLists: Candidate[][],
  textLists: Candidate[][],
  { limit, threshold }: { limit: number; threshold?: number | null },
): Hit[] {
  const hits = new Map<string, Hit>();
  const hitFor = (c: Candidate) => {
    const key = keyOf(c);
    let hit = hits.get(key);
    if (!hit) hits.set(key, (hit = { kind: c.kind, id: c.id, score: 0, vectorDistance: null, similarity: null, textRank: null }));
    return hit;
  };
  const passes = (c: Candidate) => threshold == null || c.distance === undefined || 1 - c.distance >= threshold;

  for (const list of vectorLists) {
    const kept = list.filter(passes).sort((a, b) => a.distance! - b.distance!);
    kept.forEach((c, index) => {
      const hit = hitFor(c);
      hit.vectorDistance = c.distance!;
      hit.similarity = 1 - c.distance!;
      hit.score += mode === "HYBRID" ? 1 / (RRF_K + index + 1) : 1 - c.distance!;
    });
  }
  for (const list of textLists) {
    [...list].sort((a, b) => b.rank! - a.rank!).forEach((c, index) => {
      const hit = hitFor(c);
      hit.textRank = c.rank!;
      hit.score += mode === "HYBRID" ? 1 / (RRF_K + index + 1) : c.rank!;
    });
  }
  return [...hits.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, limit);
}
