import { GraphQLError, Kind, type ValueNode } from "graphql";
import { builder } from "../builder.ts";

const badScalar = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

function parseDate(value: unknown): Date {
  if (typeof value !== "string" && typeof value !== "number") throw badScalar("DateTime must be an ISO 8601 string");
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badScalar(`DateTime is not a valid date: ${JSON.stringify(value)}`);
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

builder.scalarType("JSON", {
  description: "Any JSON value.",
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value === "number" && !Number.isFinite(value)) throw badScalar("JSON numbers must be finite");
    return value;
  },
  parseLiteral: (ast, variables) => literalValue(ast, variables),
});
