// Constraints declared on input fields: `t.string({ validate: text({ maxLength: 500 }) })`. Each is a
// Standard Schema (the interface Pothos' validation plugin takes), checked by the plugin before the
// resolver runs; the plugin knows where the field sits in the operation's arguments, so the error's
// `field` (`input.title`, `messages[3].content`) comes from the schema, once (builder.ts turns the
// first issue into BAD_USER_INPUT). Absent and null values are the resolver's to handle (the plugin
// never passes them here). The checks are the same functions the resolvers' imperative checks use,
// so both say the same thing.
import type { StandardSchemaV1 } from "@pothos/plugin-validation";
import { MAX_LIST, rangeProblem, textProblem, type TextRules } from "./inputs.ts";

/** A Standard Schema whose value is kept as given when `problem` finds nothing to say about it. */
function constraint<T>(problem: (value: T) => string | undefined): StandardSchemaV1<T, T> {
  return {
    "~standard": {
      version: 1,
      vendor: "threadline",
      validate: (value) => {
        const found = problem(value as T);
        return found === undefined ? { value: value as T } : { issues: [{ message: found }] };
      },
    },
  };
}

/** Text: not blank unless `allowEmpty`, at most `maxLength` characters and the bytes PostgreSQL can hold (checkText). */
export const text = (rules: TextRules = {}) => constraint<string>((value) => textProblem(value, rules));

/** A list of at most `max` items (checkList). */
export const list = (max = MAX_LIST) => constraint<readonly unknown[]>((value) => (value.length > max ? `may hold at most ${max} items, got ${value.length}` : undefined));

/** A finite number within [min, max] (checkRange). */
export const range = (min: number, max: number) =>
  constraint<number>((value) => rangeProblem(value, min, max));
