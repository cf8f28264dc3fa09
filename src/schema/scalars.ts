import { GraphQLError, Kind, type ValueNode } from "graphql";
import { builder } from "../builder.ts";

const badScalar = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

function parseDate(value: unknown): Date {
  if (typeof value !== "string" && typeof value !== "number") throw badScalar("DateTime must be an ISO 8601 string");
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badScalar(`DateTime is not a valid date: ${String(JSON.stringify(value)).slice(0, 100)}`);
  // What PostgreSQL stores and every client reads back as ISO 8601: years 1 to 9999.
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw badScalar(`DateTime must be within the years 1 to 9999, got ${year}`);
  return date;
}

builder.scalarType("DateTime", {
  description: "An instant in time, as an ISO 8601 string (UTC on output).",
  serialize: (value) => (value instanceof Date ? value : new Date(value as string)).toISOString(),
  parseValue: parseDate,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badScalar("DateTime must be an ISO 8601 string");
    return parseDate(ast.value);
  },
});

function literalValue(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((item) => literalValue(item, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((field) => [field.name.value, literalValue(field.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      throw badScalar("JSON literal is not valid");
  }
}

/** JSON that PostgreSQL's jsonb stores as given: finite numbers, nested at most JSON_MAX_DEPTH deep. */
export const JSON_MAX_DEPTH = 32;

function checkJson(value: unknown): unknown {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (typeof item === "number" && !Number.isFinite(item)) throw badScalar("JSON numbers must be finite (1e999 is not a number JSON can store)");
    if (item === null || typeof item !== "object") continue;
    if (depth > JSON_MAX_DEPTH) throw badScalar(`JSON may be nested at most ${JSON_MAX_DEPTH} levels deep`);
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return value;
}

builder.scalarType("JSON", {
  description: `Any JSON value (finite numbers, nested at most ${JSON_MAX_DEPTH} levels).`,
  serialize: (value) => value,
  parseValue: checkJson,
  parseLiteral: (ast, variables) => checkJson(literalValue(ast, variables)),
});
