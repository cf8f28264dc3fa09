// Lists that are not connections (a message's tool uses, links and assets, a conversation's turning
// points, …) return one bounded page too: `first` items in the list's order, at most
// PAGE_LIMITS.max (also the default). The database reads that many per parent, no more.
import { PAGE_LIMITS } from "../config.ts";
import { badInput } from "../errors.ts";

/** The `first` argument of a bounded list: `first: t.arg.int(listFirst)`. */
export const listFirst = {
  required: false,
  // Declared in the schema, so cost analysis of the operation as it will run sees it.
  defaultValue: PAGE_LIMITS.max,
  description: `How many to return, in the list's order: at most ${PAGE_LIMITS.max}, and that many unless given.`,
} as const;

/** The rows to read for a bounded list's `first`. */
export function listTake(first: number | null | undefined): number {
  if (first === null || first === undefined) return PAGE_LIMITS.max;
  if (!Number.isInteger(first) || first < 0 || first > PAGE_LIMITS.max) {
    throw badInput(`\`first\` must be between 0 and ${PAGE_LIMITS.max}, got ${first}`, "first");
  }
  return first;
}
