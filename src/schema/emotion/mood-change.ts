// How one mood score differs from the previous one of the same participant: shared by the API and
// the demo data, so both compute deltas the same way.
import type { MoodDirection } from "../../generated/prisma/enums.ts";

/** Mood scores run from -1 (most negative) through 0 (neutral) to 1 (most positive). */
export const MOOD_SCORE_MIN = -1;
export const MOOD_SCORE_MAX = 1;
/** A change smaller than this is STABLE rather than UP or DOWN. */
export const STABLE_BELOW = 0.05;
/** A change of this size (a quarter of the scale) or more has significance 1. */
export const FULLY_SIGNIFICANT = 0.5;

/**
 * The delta between two consecutive scores. The difference is rounded to 1e-9 so that float noise
 * does not decide the direction: 0.35 - 0.3 is 0.04999999999999993 in binary floating point.
 */
export function moodChange(from: number, to: number) {
  const delta = Math.round((to - from) * 1e9) / 1e9 || 0; // `|| 0` turns -0 into 0
  const magnitude = Math.abs(delta);
  const direction: MoodDirection = magnitude < STABLE_BELOW ? "STABLE" : delta > 0 ? "UP" : "DOWN";
  return { delta, magnitude, direction, significance: Math.min(1, magnitude / FULLY_SIGNIFICANT) };
}
