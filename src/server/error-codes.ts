// Every error a client sees carries a code from the contract (API.md), including the errors Yoga
// raises before execution (malformed JSON, parse and validation errors, bodies too large).
import type { GraphQLError } from "graphql";
import { apiError } from "../errors.ts";
import type { Plugin } from "graphql-yoga";

/** Codes graphql-yoga gives request errors, and the contract's code each one is. */
const REQUEST_ERROR_CODES: Record<string, string> = {
  GRAPHQL_PARSE_FAILED: "BAD_USER_INPUT",
  GRAPHQL_VALIDATION_FAILED: "BAD_USER_INPUT",
  BAD_REQUEST: "BAD_USER_INPUT",
  PERSISTED_QUERY_NOT_FOUND: "BAD_USER_INPUT",
  REQUEST_ENTITY_TOO_LARGE: "BAD_USER_INPUT", // HTTP 413 stays
  OPERATION_RESOLUTION_FAILURE: "BAD_USER_INPUT", // operationName names no operation of the document
};

/** Deepest `variables` accepted: graphql-js coerces input objects recursively. */
export const MAX_VARIABLES_DEPTH = 64;

function depthExceeds(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

const requestError = (message: string, status = 400) => apiError("BAD_USER_INPUT", message, { http: { status } });

/** A JSON body for answers Yoga or Node would send empty (415, 431): every error carries a code. */
export function errorBody(status: number, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code: "BAD_USER_INPUT", http: { status } } }] });
}

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
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      // Malformed `variables` or `extensions` in a GET URL are the client's error, not the server's.
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (error instanceof SyntaxError) throw requestError(`The request's parameters are not valid JSON: ${error.message}`);
          throw error;
        }
      });
    },
    onParams({ params }) {
      if (params.query !== undefined && typeof params.query !== "string") throw requestError("`query` must be a string");
      if (params.operationName != null && typeof params.operationName !== "string") throw requestError("`operationName` must be a string");
      if (depthExceeds(params.variables, MAX_VARIABLES_DEPTH)) throw requestError(`\`variables\` may be nested at most ${MAX_VARIABLES_DEPTH} levels deep`);
    },
    onResponse({ response, setResponse, fetchAPI }) {
      if (response.status !== 415 || response.headers.get("content-length") !== "0" && response.body) return;
      const body = errorBody(415, "Unsupported Content-Type: send application/json (or GET with a query string)");
      setResponse(new fetchAPI.Response(body, { status: 415, headers: { "content-type": "application/json; charset=utf-8" } }));
    },
    onResultProcess({ result }) {
      if (Array.isArray(result)) result.forEach(label);
      else label(result);
    },
  };
}
