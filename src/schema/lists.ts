// Lists that are not connections (a message's tool uses, links and assets, a conversation's turning
// points, …) return one bounded page too: `first` items in the list's order, PAGE_LIMITS.default
// unless asked, never more than PAGE_LIMITS.max. The database reads that many per parent, no more.
import { PAGE_LIMITS } from "../config.ts";
import { badInput } from "../errors.ts";

/** The `first` argument of a bounded list: `first: t.arg.int(listFirst)`. */
export const listFirst = {
  required: false,
  description: `How many to return, in the list's order: ${PAGE_LIMITS.default} unless given, at most ${PAGE_LIMITS.max}.`,
} as const;

/** The rows to read for a bounded list's `first`. */
export function listTake(first: number | null | undefined): number {
  if (first === null || first === undefined) return PAGE_LIMITS.default;
  if (!Number.isInteger(first) || first < 0 || first > PAGE_LIMITS.max) {
    throw badInput(`\`first\` must be between 0 and ${PAGE_LIMITS.max}, got ${first}`, "first");
  }
  return first;
}
