// The whole client: POST a typed document, get typed data back or an Error naming the codes.
import type { TypedDocumentString } from "./gql/graphql.ts";

export const THREADLINE_URL = process.env.THREADLINE_URL ?? "http://127.0.0.1:4000/graphql";

export interface GraphQLErrorPayload {
  message: string;
  path?: (string | number)[];
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
    const errors = body.errors ?? [];
    throw new ThreadlineError(errors.map((error) => error.extensions?.code ?? "UNKNOWN"), errors, response.status);
  }
  return body.data;
}
