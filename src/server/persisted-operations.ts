// Trusted documents: operations known ahead of time, sent by id instead of by text. The manifests
// are what GraphQL Code Generator's client preset writes with `persistedDocuments: true`
// ({ "sha256:<hash>": "<document>" }). Clients send `{ "documentId": "sha256:…", "variables": … }`
// (or Apollo's `extensions.persistedQuery.sha256Hash`). With PERSISTED_OPERATIONS_ONLY, nothing
// else runs, over HTTP, SSE and WebSocket alike: a leaked token cannot run arbitrary queries.
import fs from "node:fs";
import path from "node:path";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";

export interface PersistedOperations {
  /** Only persisted operations run (PERSISTED_OPERATIONS_ONLY). */
  only: boolean;
  size: number;
  get(id: string): string | undefined;
}

export class PersistedOperationsError extends Error {}

export function loadPersistedOperations(files: string[], only: boolean): PersistedOperations {
  const documents = new Map<string, string>();
  for (const file of files) {
    let manifest: unknown;
    try {
      manifest = JSON.parse(fs.readFileSync(path.resolve(file), "utf8"));
    } catch (error) {
      throw new PersistedOperationsError(`PERSISTED_OPERATIONS: cannot read ${file} as JSON: ${(error as Error).message}`);
    }
    if (!manifest || typeof manifest !== "object" || Array.isArray(manifest)) {
      throw new PersistedOperationsError(`PERSISTED_OPERATIONS: ${file} must be an object of { "<id>": "<document>" }`);
    }
    for (const [id, document] of Object.entries(manifest)) {
      if (typeof document !== "string" || !document.trim()) throw new PersistedOperationsError(`PERSISTED_OPERATIONS: ${file}: "${id}" is not a document`);
      const known = documents.get(id);
      if (known !== undefined && known !== document) throw new PersistedOperationsError(`PERSISTED_OPERATIONS: "${id}" names two different documents`);
      documents.set(id, document);
    }
  }
  return { only, size: documents.size, get: (id) => documents.get(id) };
}

/** The operation id a request names: `documentId`, or Apollo's persisted-query hash. */
export function operationIdOf(params: { documentId?: unknown; extensions?: unknown }): string | null {
  if (typeof params.documentId === "string") return params.documentId;
  const hash = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  if (typeof hash === "string") return hash.includes(":") ? hash : `sha256:${hash}`;
  return null;
}

const notFound = (store: PersistedOperations) =>
  new GraphQLError(`No persisted operation has this id (this server knows ${store.size})`, { extensions: { code: "BAD_USER_INPUT", reason: "PERSISTED_QUERY_NOT_FOUND", http: { status: 400 } } });
const idRequired = () =>
  new GraphQLError("Send a query, or the id of a persisted operation as documentId", { extensions: { code: "BAD_USER_INPUT", reason: "PERSISTED_QUERY_ID_REQUIRED", http: { status: 400 } } });
const onlyPersisted = () =>
  new GraphQLError("This server runs only persisted operations: send documentId instead of the query text", { extensions: { code: "FORBIDDEN", reason: "PERSISTED_QUERY_ONLY", http: { status: 403 } } });

export function usePersisted(store: PersistedOperations): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (id) => store.get(id) ?? null,
    allowArbitraryOperations: !store.only,
    // Yoga reads only query, variables, operationName and extensions from a GET's URL: documentId is read here.
    extractPersistedOperationId: (params, request) =>
      operationIdOf(params as { documentId?: unknown; extensions?: unknown }) ??
      (request.method === "GET" ? new URL(request.url).searchParams.get("documentId") : null),
    customErrors: { notFound: () => notFound(store), keyNotFound: idRequired, persistedQueryOnly: onlyPersisted },
  });
}

/**
 * The same rules for a graphql-ws subscribe message, which does not pass through Yoga's HTTP
 * hooks: returns the query to run, or the error to answer with.
 */
export function persistedQueryFor(store: PersistedOperations | undefined, payload: { query?: unknown; documentId?: unknown; extensions?: unknown }): string | GraphQLError {
  if (typeof payload.query === "string" && payload.query.trim()) return store?.only ? onlyPersisted() : payload.query;
  const id = operationIdOf(payload);
  if (!store || id === null) return idRequired();
  return store.get(id) ?? notFound(store);
}
