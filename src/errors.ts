// Every error a client sees carries one of these stable codes in `extensions.code` (API.md).
import { GraphQLError } from "graphql";
import { PothosValidationError } from "@pothos/core";
import { Prisma } from "./generated/prisma/client.ts";

export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  CONFLICT: "CONFLICT",
  QUERY_TOO_COMPLEX: "QUERY_TOO_COMPLEX",
  TOO_MANY_SUBSCRIPTIONS: "TOO_MANY_SUBSCRIPTIONS",
  RATE_LIMITED: "RATE_LIMITED",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401 };

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, { extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) } });
}

export const unauthenticated = (message = "Sign in: send Authorization: Bearer <token>") => apiError("UNAUTHENTICATED", message);
export const forbidden = (message = "You may not see or change this") => apiError("FORBIDDEN", message);
export const notFound = (what: string, id?: string) =>
  apiError("NOT_FOUND", id ? `${what} ${id} was not found` : `${what} was not found`, id ? { id } : {});
export const badInput = (message: string, field?: string) => apiError("BAD_USER_INPUT", message, field ? { field } : {});

/** An argument's path as the validation plugin reports it (["input", "messages", 3, "content"]), as errors name fields: `input.messages[3].content`. */
export function fieldOfPath(path: readonly (PropertyKey | { key: PropertyKey })[] | undefined): string {
  return (path ?? [])
    .map((part) => (typeof part === "object" ? part.key : part))
    .reduce<string>((field, key) => (typeof key === "number" ? `${field}[${key}]` : field ? `${field}.${String(key)}` : String(key)), "");
}
/** A broken input constraint (schema/constraints.ts), wherever it was checked: BAD_USER_INPUT naming the field by its path ("messages[3].content must not be empty"). */
export function constraintError(issue: { message: string; path?: readonly (PropertyKey | { key: PropertyKey })[] }): GraphQLError {
  const field = fieldOfPath(issue.path);
  // A constraint's own `reason` (constraints.ts `pattern`: PATTERN_TOO_LONG) goes to the client with it
  // (the plugin hands over copies made with Object.create, so the reason is inherited, not own).
  const { reason } = issue as { reason?: unknown };
  const message = `${field} ${issue.message}`;
  return typeof reason === "string" ? apiError("BAD_USER_INPUT", message, { field, reason }) : badInput(message, field);
}
export const conflict = (message: string) => apiError("CONFLICT", message);
export const tooComplex = (message: string, extensions: Record<string, unknown> = {}) => apiError("QUERY_TOO_COMPLEX", message, extensions);

/**
 * Turns whatever a resolver threw into an error with a stable code. Known errors keep their message;
 * anything unexpected becomes INTERNAL_SERVER_ERROR and, in production, loses its details.
 */
export function classifyError(error: unknown, { exposeInternals }: { exposeInternals: boolean }): GraphQLError {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const located = error instanceof GraphQLError ? error : undefined;
  const rebuild = (code: ErrorCode, message: string, extra: Record<string, unknown> = {}) =>
    new GraphQLError(message, {
      nodes: located?.nodes,
      source: located?.source,
      positions: located?.positions,
      path: located?.path,
      extensions: { code, ...extra, ...(HTTP_STATUS[code] ? { http: { status: HTTP_STATUS[code] } } : {}) },
    });

  if (original instanceof GraphQLError && typeof original.extensions?.code === "string") {
    return located && located !== original
      ? new GraphQLError(original.message, {
          nodes: located.nodes,
          source: located.source,
          positions: located.positions,
          path: located.path,
          extensions: original.extensions,
        })
      : original;
  }
  // graphql-js's own errors (variable coercion, bad literals) have no cause: the request was at fault.
  if (original instanceof GraphQLError && !original.originalError) return rebuild("BAD_USER_INPUT", original.message);
  if (original instanceof PothosValidationError) return rebuild("BAD_USER_INPUT", original.message);
  if (original instanceof Prisma.PrismaClientKnownRequestError) {
    switch (original.code) {
      case "P2025":
      case "P2001":
        return rebuild("NOT_FOUND", "The object was not found");
      case "P2002":
        return rebuild("CONFLICT", "An object with the same unique values already exists");
      case "P2003":
        return rebuild("BAD_USER_INPUT", "A referenced object does not exist");
      case "P2000":
        return rebuild("BAD_USER_INPUT", "A value is too long for its field");
      case "P2028":
        // A transaction that could not start (no connection within maxWait) or outlived its timeout:
        // nothing was written; the server was too busy, and the same request may well succeed again.
        return rebuild("SERVICE_UNAVAILABLE", "The database is too busy to start this change now: nothing was written; try again");
    }
    // Anything else the database refused: classify by its SQLSTATE class.
    const cause = (original.meta as { driverAdapterError?: { cause?: { originalCode?: string; message?: string } } } | undefined)
      ?.driverAdapterError?.cause;
    const sqlState = cause?.originalCode ?? "";
    if (sqlState === "40P01" || sqlState === "40001") return rebuild("CONFLICT", "A concurrent change to the same objects won: try again");
    if (sqlState === "57014") return rebuild("QUERY_TOO_COMPLEX", "The operation took longer than the database allows (statement timeout)");
    if (sqlState === "23505") return rebuild("CONFLICT", "An object with the same unique values already exists");
    if (sqlState === "54000") {
      // Program limit exceeded: a text too long for its index row (~2.7 KB) or its tsvector (1 MB).
      return rebuild("BAD_USER_INPUT", "A value is too long for the database to index: shorten it");
    }
    if (sqlState.startsWith("22") || sqlState.startsWith("23")) {
      // Class 22 is a data exception, class 23 an integrity violation: the input was not acceptable.
      // The driver's own text names tables and values: only outside production.
      return rebuild("BAD_USER_INPUT", exposeInternals ? `The database rejected a value: ${cause?.message ?? sqlState}` : `The database rejected a value (SQLSTATE ${sqlState})`);
    }
  }
  if (original instanceof Prisma.PrismaClientValidationError) {
    return rebuild("BAD_USER_INPUT", exposeInternals ? original.message : "The input is not valid");
  }
  const message = exposeInternals && original instanceof Error ? original.message : "Unexpected error";
  return rebuild("INTERNAL_SERVER_ERROR", message);
}
