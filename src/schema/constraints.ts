// Constraints declared on input fields: `t.string({ validate: text({ maxLength: 500 }) })`. Each is a
// Standard Schema (the interface Pothos' validation plugin takes), checked by the plugin before the
// resolver runs; the plugin knows where the field sits in the operation's arguments, so the error's
// `field` (`input.title`, `messages[3].content`) comes from the schema, once (builder.ts turns the
// first issue into BAD_USER_INPUT). Absent and null values are the resolver's to handle (the plugin
// never passes them here). Inputs that arrive from files rather than as arguments (an export's
// messages, an SQLite upload's records) are checked against the same declarations by `checkInput`.
import { GraphQLInputObjectType, GraphQLList, getNullableType, type GraphQLInputField, type GraphQLInputType } from "graphql";
import type { StandardSchemaV1 } from "@pothos/plugin-validation";
import { constraintError } from "../errors.ts";
import { MAX_LIST, MAX_PATTERN_LENGTH, rangeProblem, textProblem, type TextRules } from "./inputs.ts";

/**
 * What a constraint finds wrong with a value: a message to follow the field's name, or an issue that
 * also names a place within the value (`path`, e.g. [3] for a list's fourth item) or carries a
 * `reason` for clients (builder.ts puts it in `extensions.reason`).
 */
export type Problem = string | { message: string; path?: readonly (PropertyKey | StandardSchemaV1.PathSegment)[]; reason?: string } | undefined;

/**
 * A constraint from a function that says what is wrong with a value, if anything (a Standard Schema
 * whose value is kept as given). `text`, `range` and `list` below are made with it; a field uses it
 * directly for a rule of its own.
 */
export function rule<T>(problem: (value: T) => Problem): StandardSchemaV1<T, T> {
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

/** Text: not blank unless `allowEmpty`, at most `maxLength` characters and the bytes PostgreSQL can hold. */
export const text = (rules: TextRules = {}) => rule<string>((value) => textProblem(value, rules));

/** A list of at most `max` items; with `item`, each item checked by it too (naming `field[i]`). */
export const list = <T>(max = MAX_LIST, item?: StandardSchemaV1<T, T>) =>
  rule<readonly T[]>((items) => {
    if (items.length > max) return `may hold at most ${max} items, got ${items.length}`;
    for (const [i, one] of (item ? items : []).entries()) {
      const [issue] = (item!["~standard"].validate(one) as StandardSchemaV1.Result<T>).issues ?? [];
      if (issue) return { ...issue, path: [i, ...(issue.path ?? [])] };
    }
    return undefined;
  });

/** A text column with a btree index: at most 1,000 characters and INDEXED_TEXT_BYTES (may be empty). */
export const indexedText = () => text({ maxLength: 1_000, allowEmpty: true, indexed: true });

/** A JSON value that must be an object (not a list, text or number). */
export const jsonObject = () =>
  rule<unknown>((value) => (typeof value !== "object" || value === null || Array.isArray(value) ? "must be a JSON object" : undefined));

/** A finite number within [min, max]. */
export const range = (min: number, max: number) => rule<number>((value) => rangeProblem(value, min, max));

/** A filter's text: "" is no filter at all (the resolver skips it); any other value keeps the rules of `text`. */
const filterProblem = (value: string, rules: TextRules) => (value === "" ? undefined : textProblem(value, rules));

/**
 * A substring filter's text (`contains`, a conversation's `title`): at most MAX_PATTERN_LENGTH
 * characters (reason PATTERN_TOO_LONG), not blank; "" is no filter.
 */
export const pattern = () =>
  rule<string>((value) =>
    value.length > MAX_PATTERN_LENGTH
      ? {
          message: `may be at most ${MAX_PATTERN_LENGTH} characters, got ${value.length}; use \`matches\` (full text) for longer text`,
          reason: "PATTERN_TOO_LONG",
        }
      : filterProblem(value, { maxLength: MAX_PATTERN_LENGTH }),
  );

/** A filter's text keeping the rules of `text`; "" is no filter. */
export const filterText = (rules: TextRules = {}) => rule<string>((value) => filterProblem(value, rules));

/**
 * The constraints declared on an input type's fields, applied to a value that did not come as a
 * GraphQL argument (an export file's messages, an SQLite upload's records): the first one broken is
 * the same BAD_USER_INPUT the validation plugin gives for an argument, with `path` in front of the
 * field's (`["claude-code:…", "messages", 3]` → `claude-code:….messages[3].content`). The constraints
 * are read from the built schema, where the plugin keeps each field's `validate:`, so a rule declared
 * on a field holds for both paths. Order as the plugin's: fields in declaration order, an input
 * object's fields before the constraints of the field that holds it. Type-level `validate:` (none
 * here) is not read.
 */
export function checkInput(type: GraphQLInputType, value: unknown, path: readonly (string | number)[] = []): void {
  const issue = firstIssue(type, value, path);
  if (issue) throw constraintError(issue);
}

function firstIssue(type: GraphQLInputType, value: unknown, path: readonly (string | number)[]): StandardSchemaV1.Issue | undefined {
  if (value === null || value === undefined) return undefined;
  const nullable = getNullableType(type);
  if (nullable instanceof GraphQLList) {
    for (const [i, item] of (value as unknown[]).entries()) {
      const issue = firstIssue(nullable.ofType, item, [...path, i]);
      if (issue) return issue;
    }
    return undefined;
  }
  if (!(nullable instanceof GraphQLInputObjectType)) return undefined;
  for (const field of Object.values(nullable.getFields())) {
    const fieldValue = (value as Record<string, unknown>)[field.name];
    if (fieldValue === null || fieldValue === undefined) continue;
    const fieldPath = [...path, field.name];
    const nested = firstIssue(field.type, fieldValue, fieldPath);
    if (nested) return nested;
    for (const schema of constraintsOf(field)) {
      const result = schema["~standard"].validate(fieldValue) as StandardSchemaV1.Result<unknown>;
      if (result.issues?.length) return { ...result.issues[0], path: [...fieldPath, ...(result.issues[0].path ?? [])] };
    }
  }
  return undefined;
}

/** A field's `validate:` constraints, where @pothos/plugin-validation keeps them on the built schema. */
const constraintsOf = (field: GraphQLInputField): StandardSchemaV1[] =>
  (field.extensions?.["@pothos/plugin-validation"] as { schemas?: StandardSchemaV1[] } | undefined)?.schemas ?? [];
