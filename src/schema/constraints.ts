// Constraints declared on input fields: `t.string({ validate: text({ maxLength: 500 }) })`. Each is a
// Standard Schema (the interface Pothos' validation plugin takes), checked by the plugin before the
// resolver runs; the plugin knows where the field sits in the operation's arguments, so the error's
// `field` (`input.title`, `messages[3].content`) comes from the schema, once (builder.ts turns the
// first issue into BAD_USER_INPUT). Absent and null values are the resolver's to handle (the plugin
// never passes them here). The checks are the same functions the resolvers' imperative checks use,
// so both say the same thing.
import type { StandardSchemaV1 } from "@pothos/plugin-validation";
import { MAX_LIST, MAX_PATTERN_LENGTH, rangeProblem, textProblem, type TextRules } from "./inputs.ts";

/**
 * What a constraint finds wrong with a value: a message to follow the field's name, or an issue that
 * also names an item within the value (`path`, e.g. [3] for a list's fourth item) or carries a
 * `reason` for clients (builder.ts puts it in `extensions.reason`).
 */
export type Problem = string | { message: string; path?: readonly number[]; reason?: string } | undefined;

/** A Standard Schema whose value is kept as given when `problem` finds nothing to say about it. */
function constraint<T>(problem: (value: T) => Problem): StandardSchemaV1<T, T> {
  return {
    "~standard": {
      version: 1,
      vendor: "threadline",
      validate: (value) => {
        const found = problem(value as T);
        if (found === undefined) return { value: value as T };
        return { issues: [typeof found === "string" ? { message: found } : { ...found, path: found.path && [...found.path] }] };
      },
    },
  };
}

/** A rule about one field's value that `text`, `range` and `list` do not say (its own message, to follow the field's name). */
export const rule = <T>(problem: (value: T) => Problem) => constraint<T>(problem);

/** Text: not blank unless `allowEmpty`, at most `maxLength` characters and the bytes PostgreSQL can hold (checkText). */
export const text = (rules: TextRules = {}) => constraint<string>((value) => textProblem(value, rules));

/** A list of at most `max` items (checkList); with `items`, each a text keeping those rules (its error names the item: `input.themes[3]`). */
export const list = (max = MAX_LIST, items?: TextRules) =>
  constraint<readonly unknown[]>((value) => {
    if (value.length > max) return `may hold at most ${max} items, got ${value.length}`;
    if (!items) return undefined;
    for (const [i, item] of value.entries()) {
      const found = textProblem(item as string, items);
      if (found) return { message: found, path: [i] };
    }
    return undefined;
  });

/** A finite number within [min, max] (checkRange). */
export const range = (min: number, max: number) =>
  constraint<number>((value) => rangeProblem(value, min, max));

/**
 * A substring filter's text (`contains`, a conversation's `title`): at most MAX_PATTERN_LENGTH
 * characters (reason PATTERN_TOO_LONG), not blank. "" is no filter at all, which the resolver skips.
 */
export const pattern = () =>
  constraint<string>((value) => {
    if (value.length > MAX_PATTERN_LENGTH) {
      return {
        message: `may be at most ${MAX_PATTERN_LENGTH} characters, got ${value.length}; use \`matches\` (full text) for longer text`,
        reason: "PATTERN_TOO_LONG",
      };
    }
    return value === "" ? undefined : textProblem(value, { maxLength: MAX_PATTERN_LENGTH });
  });

/** A filter's text: "" is no filter (the resolver skips it); any other value keeps the rules of `text`. */
export const filterText = (rules: TextRules = {}) => constraint<string>((value) => (value === "" ? undefined : textProblem(value, rules)));
