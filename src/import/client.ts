// A small GraphQL client for the command-line tools: POST to THREADLINE_URL with THREADLINE_TOKEN
// (a JWT or an API key), errors thrown with their code.
export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ServerTarget {
  url: string;
  token?: string;
  headers?: Record<string, string>;
}

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): ServerTarget {
  const url = env.THREADLINE_URL ?? "http://127.0.0.1:4000/graphql";
  return { url: /\/graphql\/?$/.test(url) ? url : `${url.replace(/\/$/, "")}/graphql`, token: env.THREADLINE_TOKEN || undefined };
}

export async function request<T = any>(target: ServerTarget, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        ...target.headers,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new GraphQLRequestError(`cannot reach ${target.url}: ${(error as Error).message}`, "UNREACHABLE");
  }
  const text = await response.text();
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new GraphQLRequestError(`${target.url} answered ${response.status} with something other than GraphQL: ${text.slice(0, 200)}`);
  }
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new GraphQLRequestError(`${first.message}${first.extensions?.code ? ` (${first.extensions.code})` : ""}`, first.extensions?.code);
  }
  return body.data as T;
}
