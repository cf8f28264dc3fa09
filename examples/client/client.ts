// The whole client: POST a typed document, get typed data back or an Error naming the codes; or
// subscribe to one over WebSocket (graphql-ws) and read typed results as they come.
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { TypedDocumentString } from "./gql/graphql.ts";

export const THREADLINE_URL = process.env.THREADLINE_URL ?? "http://127.0.0.1:4000/graphql";

export interface GraphQLErrorPayload {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

/** A failed operation; `codes` are the errors' `extensions.code` values, for a client to switch on. */
export class ThreadlineError extends Error {
  constructor(
    readonly codes: string[],
    readonly errors: GraphQLErrorPayload[],
    readonly status: number,
  ) {
    super(`${codes.join(", ") || `HTTP ${status}`}: ${errors.map((error) => error.message).join("; ") || "no response body"}`);
    this.name = "ThreadlineError";
  }

  /** The error for a response's GraphQL errors, its codes read from their extensions. */
  static from(errors: readonly GraphQLErrorPayload[], status: number): ThreadlineError {
    return new ThreadlineError(errors.map((error) => error.extensions?.code ?? "UNKNOWN"), [...errors], status);
  }
}

export interface ExecuteOptions {
  url?: string;
  /** A JWT or an API key; omitted in single-user local mode. */
  token?: string;
  signal?: AbortSignal;
  /** Send the document's id instead of its text (a server with PERSISTED_OPERATIONS); default THREADLINE_PERSISTED=1. */
  persisted?: boolean;
}

// Variables may be left out exactly when the operation requires none.
type ExecuteArgs<TVariables> = {} extends TVariables
  ? [variables?: TVariables, options?: ExecuteOptions]
  : [variables: TVariables, options?: ExecuteOptions];

export async function execute<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  ...args: ExecuteArgs<TVariables>
): Promise<TResult> {
  const [variables, options = {}] = args as [TVariables | undefined, ExecuteOptions | undefined];
  const token = options.token ?? process.env.THREADLINE_TOKEN;
  const persisted = options.persisted ?? process.env.THREADLINE_PERSISTED === "1";
  if (persisted && !document.__meta__?.hash) throw new Error("this document has no persisted id: run npm run codegen");
  const response = await fetch(options.url ?? THREADLINE_URL, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(
      persisted ? { documentId: document.__meta__?.hash, variables } : { query: document.toString(), variables },
    ),
    signal: options.signal,
  });
  const contentType = response.headers.get("content-type") ?? "";
  if (!contentType.includes("json")) {
    throw new ThreadlineError([], [{ message: (await response.text()).slice(0, 200) }], response.status);
  }
  const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLErrorPayload[] };
  if (body.errors?.length || !body.data) {
    throw ThreadlineError.from(body.errors ?? [], response.status);
  }
  return body.data;
}

/**
 * A live subscription: typed results until `signal` aborts (or the server ends it). Errors end the
 * iteration with a ThreadlineError, as in `execute`.
 */
export async function* subscribe<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  options: ExecuteOptions = {},
): AsyncGenerator<TResult> {
  const token = options.token ?? process.env.THREADLINE_TOKEN;
  const persisted = options.persisted ?? process.env.THREADLINE_PERSISTED === "1";
  const client = createClient({
    url: (options.url ?? THREADLINE_URL).replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  const hash = document.__meta__?.hash as string | undefined;
  const iterator = client.iterate<TResult>({
    // graphql-ws requires a query string: an empty one with the id in `extensions` asks for a persisted operation.
    query: persisted && hash ? "" : document.toString(),
    variables: variables as Record<string, unknown>,
    ...(persisted && hash ? { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } } : {}),
  });
  const stop = () => void iterator.return?.();
  options.signal?.addEventListener("abort", stop);
  try {
    for (;;) {
      let step: IteratorResult<{ data?: TResult | null; errors?: readonly GraphQLErrorPayload[] }>;
      try {
        step = await iterator.next();
      } catch (error) {
        // graphql-ws rejects with the server's GraphQL errors when it refuses the subscription.
        throw ThreadlineError.from((Array.isArray(error) ? error : [{ message: String(error) }]) as GraphQLErrorPayload[], 0);
      }
      if (step.done) return;
      const { data, errors } = step.value;
      if (errors?.length || !data) throw ThreadlineError.from(errors ?? [], 0);
      yield data;
    }
  } finally {
    options.signal?.removeEventListener("abort", stop);
    await client.dispose();
  }
}
