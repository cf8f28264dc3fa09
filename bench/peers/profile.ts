// Summarises a V8 CPU profile (node --cpu-prof) by self time in a few categories that explain where a
// GraphQL server's CPU goes: the ORM, garbage collection, the executor, the schema builder, sockets…
import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber?: number; columnNumber?: number } }[];
  /** Microseconds of the system's monotonic clock (as process.hrtime, in µs). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const sourceMaps = new Map<string, SourceMap | null>();

/**
 * A frame of a bundle (Threadline's dist/main.js holds its packages) named by the file it came from,
 * through the bundle's source map, so the categories below see node_modules/@pothos/… and not main.js.
 */
function original(frame: CpuProfile["nodes"][number]["callFrame"]): { functionName: string; url: string } {
  if (!frame.url.startsWith("file://") || frame.lineNumber === undefined || frame.lineNumber < 0) return frame;
  let map = sourceMaps.get(frame.url);
  if (map === undefined) {
    const file = `${fileURLToPath(frame.url)}.map`;
    map = fs.existsSync(file) ? new SourceMap(JSON.parse(fs.readFileSync(file, "utf8"))) : null;
    sourceMaps.set(frame.url, map);
  }
  if (!map) return frame;
  const entry = map.findEntry(frame.lineNumber, frame.columnNumber ?? 0) as { originalSource?: string };
  // Sources are relative to the map: resolved, a package's own map (Prisma's runtime) stays in its package.
  const source = entry.originalSource?.startsWith("file://") ? fileURLToPath(entry.originalSource) : entry.originalSource;
  return source ? { functionName: frame.functionName, url: path.resolve(path.dirname(fileURLToPath(frame.url)), source) } : frame;
}

/** First match wins: the order puts specific packages before the catch-alls. */
const CATEGORIES: [name: string, test: (url: string, fn: string) => boolean][] = [
  ["idle", (_, fn) => fn === "(idle)"],
  ["garbage collection", (_, fn) => fn === "(garbage collector)"],
  ["Prisma (client, query compiler, adapter)", (url) => /node_modules\/(@prisma|\.prisma|prisma)\//.test(url) || url.includes("/generated/prisma/")],
  ["pg driver", (url) => /node_modules\/(pg|pg-protocol|pg-types|pg-pool|postgres-[a-z]+)\//.test(url)],
  ["PGlite (WebAssembly PostgreSQL)", (url) => /node_modules\/@electric-sql\//.test(url) || url.startsWith("wasm:")],
  ["Pothos (schema plugins, selection mapping)", (url) => /node_modules\/@pothos\//.test(url)],
  ["GraphQL executor (@graphql-tools/executor, graphql-js)", (url) => /node_modules\/(graphql\/execution|@graphql-tools\/executor)\//.test(url)],
  ["GraphQL parse, validate, other", (url) => /node_modules\/graphql\//.test(url)],
  ["Yoga, envelop, whatwg-node (request path)", (url) => /node_modules\/(graphql-yoga|@graphql-yoga|@envelop|@whatwg-node|@graphql-tools)\//.test(url)],
  ["auth (jose, WebCrypto)", (url) => /node_modules\/jose\//.test(url) || /^node:internal\/crypto\//.test(url)],
  ["source maps (stack traces under tsx)", (url) => url.startsWith("node:internal/source_map/")],
  ["sockets, HTTP, streams (node internals)", (url, fn) => (!url && /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString|shutdown|readStart|onStreamRead)$/.test(fn)) || /^node:(net|_http|http|stream|internal\/stream|internal\/http|dns|tls|_tls)/.test(url) || /^node:internal\/(net|streams|stream_base|http)/.test(url)],
  ["other node internals", (url) => url.startsWith("node:")],
  ["Threadline src/", (url) => url.includes("/src/")],
  ["(program: native, compiler)", (_, fn) => fn === "(program)"],
  ["other packages", (url) => url.includes("node_modules/")],
];

/** Window: only samples between these two process.hrtime.bigint() readings (ns), e.g. the measured load. */
export function summariseProfile(profile: CpuProfile, limit = 12, window?: { fromNs: bigint; toNs: bigint }): string {
  const from = window ? Number(window.fromNs / 1000n) : -Infinity;
  const to = window ? Number(window.toNs / 1000n) : Infinity;
  let at = profile.startTime;
  const byNode = new Map(profile.nodes.map((n) => [n.id, original(n.callFrame)]));
  const totals = new Map<string, number>();
  let busy = 0;
  let all = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < from || at > to) return;
    const frame = byNode.get(id)!;
    const category = CATEGORIES.find(([, test]) => test(frame.url, frame.functionName))?.[0] ?? (frame.url ? "other" : "(native: strings, buffers, crypto, …)");
    const dt = profile.timeDeltas[i] ?? 0;
    totals.set(category, (totals.get(category) ?? 0) + dt);
    all += dt;
    if (category !== "idle") busy += dt;
  });
  const rows = [...totals]
    .filter(([name]) => name !== "idle")
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, t]) => `| ${name} | ${((100 * t) / busy).toFixed(1)} % |`);
  return [`Busy ${((100 * busy) / all).toFixed(0)} % of ${(all / 1e6).toFixed(1)} s; self time by category, as a share of busy time:`, "", "| category | share |", "|---|--:|", ...rows].join("\n");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!) && process.argv[2]) {
  console.log(summariseProfile(JSON.parse(fs.readFileSync(process.argv[2], "utf8"))));
}
