// One log line per GraphQL request: how it came, how it went, how long it took, which operation,
// and the error codes it answered with. Health and readiness probes are logged at debug only.
import type { Plugin } from "graphql-yoga";
import type { Logger } from "../logger.ts";

interface Entry {
  start: number;
  operation?: string;
  /** "user=<externalId>", and "actor=<service>" when a service acts for the user. */
  who?: string;
  codes: Set<string>;
}

/** "mutation appendMessages", or for an anonymous operation its kind and first field: "query { viewer }". */
export function describeOperation(query: unknown, operationName: unknown): string {
  if (typeof query !== "string" || !query) return "(no query)";
  if (typeof operationName !== "string") operationName = undefined;
  const head = /^\s*(query|mutation|subscription)?\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(query.replace(/#[^\n]*/g, ""));
  const kind = head?.[1] ?? "query";
  if (operationName) return `${kind} ${operationName}`;
  if (head?.[2]) return `${kind} ${head[2]}`;
  const field = /{\s*(?:[_A-Za-z][_0-9A-Za-z]*\s*:\s*)?([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1];
  return field ? `${kind} { ${field} }` : kind;
}

/** `probes`: paths logged at debug only (health, readiness, metric scrapes). */
export function useAccessLog(logger: Logger, { probes }: { probes: string[] }): Plugin {
  const entries = new WeakMap<Request, Entry>();
  return {
    onRequest({ request }) {
      entries.set(request, { start: performance.now(), codes: new Set() });
    },
    onParams({ params, request }) {
      const entry = entries.get(request);
      if (entry) entry.operation = describeOperation(params.query, params.operationName);
    },
    onExecute({ args }) {
      const context = args.contextValue as { request?: Request; viewer?: { externalId: string }; actor?: string };
      const entry = context.request ? entries.get(context.request) : undefined;
      if (entry && context.viewer) entry.who = `user=${context.viewer.externalId}${context.actor ? ` actor=${context.actor}` : ""}`;
    },
    onSubscribe({ args }) {
      const context = args.contextValue as { request?: Request; viewer?: { externalId: string }; actor?: string };
      const entry = context.request ? entries.get(context.request) : undefined;
      if (entry && context.viewer) entry.who = `user=${context.viewer.externalId}${context.actor ? ` actor=${context.actor}` : ""}`;
    },
    onResultProcess({ request, result }) {
      const entry = entries.get(request);
      if (!entry) return;
      for (const each of Array.isArray(result) ? result : [result]) {
        const errors = (each as { errors?: { extensions?: { code?: unknown } }[] } | undefined)?.errors;
        for (const error of errors ?? []) entry.codes.add(String(error.extensions?.code ?? "UNKNOWN"));
      }
    },
    onResponse({ request, response }) {
      const entry = entries.get(request);
      if (!entry) return;
      const path = new URL(request.url, "http://localhost").pathname;
      const ms = (performance.now() - entry.start).toFixed(1);
      const streaming = response.headers.get("content-type")?.startsWith("text/event-stream") ? " (event stream opened)" : "";
      const what = entry.operation ?? (probes.includes(path) ? "" : "(no operation read)");
      const codes = entry.codes.size ? ` errors: ${[...entry.codes].join(",")}` : "";
      const line = [request.method, path, response.status, `${ms} ms`, what, entry.who].filter(Boolean).join(" ") + streaming + codes;
      if (probes.includes(path)) logger.debug(line);
      else if (response.status >= 500) logger.error(line);
      else logger.info(line);
    },
  };
}
