// Constraints declared on input fields: `t.string({ validate: text({ maxLength: 500 }) })`. Each is a
// Standard Schema (the interface Pothos' validation plugin takes), checked by the plugin before the
// resolver runs; the plugin knows where the field sits in the operation's arguments, so the error's
// `field` (`input.title`, `messages[3].content`) comes from the schema, once (builder.ts turns the
// first issue into BAD_USER_INPUT). Absent and null values are the resolver's to handle (the plugin
// never passes them here). The checks are the same functions the resolvers' imperative checks use,
// so both say the same thing.
import { GraphQLInputObjectType, GraphQLList, getNullableType, type GraphQLInputField, type GraphQLInputType } from "graphql";
import type { StandardSchemaV1 } from "@pothos/plugin-validation";
import { constraintError } from "../errors.ts";
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

/** A list of at most `max` items (checkList); with `item`, each item checked by it too (naming `field[i]`). */
export function list<T>(max = MAX_LIST, item?: StandardSchemaV1<T, T>): StandardSchemaV1<readonly T[], readonly T[]> {
  return {
    "~standard": {
      version: 1,
      vendor: "threadline",
      validate: (value) => {
        const items = value as readonly T[];
        if (items.length > max) return { issues: [{ message: `may hold at most ${max} items, got ${items.length}` }] };
        for (const [i, one] of (item ? items : []).entries()) {
          const result = item!["~standard"].validate(one) as StandardSchemaV1.Result<T>;
          if (result.issues) return { issues: result.issues.map((issue) => ({ ...issue, path: [i, ...(issue.path ?? [])] })) };
        }
        return { value: items };
      },
    },
  };
}

/** A text column with a btree index: at most 1,000 characters and INDEXED_TEXT_BYTES (may be empty). */
export const indexedText = () => text({ maxLength: 1_000, allowEmpty: true, indexed: true });

/** A JSON value that must be an object (not a list, text or number). */
export const jsonObject = () =>
  constraint<unknown>((value) => (typeof value !== "object" || value === null || Array.isArray(value) ? "must be a JSON object" : undefined));

/** A finite number within [min, max] (checkRange). */
export const range = (min: number, max: number) =>
  constraint<number>((value) => rangeProblem(value, min, max));

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
