// Every error a client sees carries a code from the contract (API.md), including the errors Yoga
// raises before execution (malformed JSON, parse and validation errors, bodies too large).
import type { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/** Codes graphql-yoga gives request errors, and the contract's code each one is. */
const REQUEST_ERROR_CODES: Record<string, string> = {
  GRAPHQL_PARSE_FAILED: "BAD_USER_INPUT",
  GRAPHQL_VALIDATION_FAILED: "BAD_USER_INPUT",
  BAD_REQUEST: "BAD_USER_INPUT",
  PERSISTED_QUERY_NOT_FOUND: "BAD_USER_INPUT",
  REQUEST_ENTITY_TOO_LARGE: "BAD_USER_INPUT", // HTTP 413 stays
};

/**
 * Errors raised before execution (malformed JSON, parse and validation errors, bad variables) get a
 * code from the contract's list (API.md), so every error a client sees has one it can switch on.
 * Yoga's own code stays available as `extensions.reason`.
 */
export function useErrorCodes(): Plugin {
  const label = (result: unknown) => {
    const errors = (result as { errors?: GraphQLError[] } | null)?.errors;
    if (!Array.isArray(errors)) return;
    for (const error of errors) {
      if (!error || typeof error !== "object") continue;
      const extensions = (error.extensions ?? {}) as Record<string, unknown>;
      const code = typeof extensions.code === "string" ? extensions.code : undefined;
      if (code && !(code in REQUEST_ERROR_CODES)) continue;
      // Keep every other extension: Yoga reads `http` and `originalError` to pick the HTTP status.
      (error as { extensions: Record<string, unknown> }).extensions = {
        ...extensions,
        code: code ? REQUEST_ERROR_CODES[code] : "BAD_USER_INPUT",
        ...(code ? { reason: code } : {}),
      };
    }
  };
  return {
    onResultProcess({ result }) {
      if (Array.isArray(result)) result.forEach(label);
      else label(result);
    },
  };
}
