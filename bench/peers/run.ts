// `npm run bench:peers`: Threadline next to its peers on the same database, the same data and the same
// load client (wrk), in one run. See docs/BENCHMARKS.md ("Peers") for the method and the numbers.
//
//   npm run bench:peers                                   all servers and scenarios, PostgreSQL then PGlite
//   npm run bench:peers -- --quick                        2 s per server and scenario; answers must agree (CI)
//   npm run bench:peers -- --threadline /work/main        measure another checkout of Threadline
//   npm run bench:peers -- --database-url postgresql://postgres@127.0.0.1:54329/postgres
//   npm run bench:peers -- --seconds 10 --warmup 2 --connections 16 --only nested --no-pglite
//   npm run bench:peers -- --profile /tmp/prof            also a CPU profile of Threadline under (a)
//
// Without --database-url it uses BENCH_DATABASE_URL or DATABASE_URL, else starts PostgreSQL 15 +
// pgvector with scripts/ci/postgres.sh (Debian, root). A throwaway database is created and dropped.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { SignJWT } from "jose";
import pg from "pg";
import { BIG_CONVERSATION, BIG_MESSAGES, USER_A, bigMessageId, seed, type SeedCounts, type SqlRunner } from "./seed.ts";
import { SCENARIOS, SERVER_TITLES, SHAPES, pageConnection, type Fixture, type Request, type ScenarioId, type ServerKind } from "./servers.ts";
import { summariseProfile, type CpuProfile } from "./profile.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PEERS = path.join(ROOT, "bench/peers");
const SECRET = `bench-peers-${randomUUID()}`;
const DEEP_AFTER = 9_000;

const { values: options } = parseArgs({
  options: {
    threadline: { type: "string", default: ROOT },
    quick: { type: "boolean", default: false },
    seconds: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string", default: "16" },
    only: { type: "string" },
    "database-url": { type: "string" },
    "no-pglite": { type: "boolean", default: false },
    "no-postgres": { type: "boolean", default: false },
    profile: { type: "string" },
    "keep-database": { type: "boolean", default: false },
  },
});
const quick = options.quick;
// wrk takes whole seconds.
const seconds = Math.max(1, Math.round(Number(options.seconds ?? (quick ? 2 : 10))));
const warmupSeconds = Math.max(0, Math.round(Number(options.warmup ?? (quick ? 1 : 2))));
const connections = Number(options.connections);
const only = options.only ? new RegExp(options.only, "i") : undefined;
const threadlineDir = path.resolve(options.threadline!);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-peers-"));
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

const log = (line: string) => process.stderr.write(`[peers] ${line}\n`);

// ───────────────────────────── processes ─────────────────────────────

interface Running {
  kind: ServerKind;
  url: string;
  child: ChildProcess;
  logFile: string;
  /** The process whose CPU is counted (the server; on PGlite the database is in it only for Threadline). */
  pid: number;
}
const children = new Set<ChildProcess>();

let nextPort = 4_700 + Math.floor(Math.random() * 200);
const port = () => nextPort++;

function startProcess(name: string, command: string, args: string[], cwd: string, env: Record<string, string>): { child: ChildProcess; logFile: string } {
  const logFile = path.join(work, `${name}.log`);
  const out = fs.openSync(logFile, "a");
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  children.add(child);
  child.once("exit", () => children.delete(child));
  return { child, logFile };
}

async function stopProcess(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

function stopAll() {
  for (const child of children) child.kill("SIGKILL");
}
process.on("exit", stopAll);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

async function waitUntil(what: string, ready: () => Promise<boolean>, child: ChildProcess, logFile: string, timeoutMs = 180_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}:\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
    if (await ready().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what} did not become ready in ${timeoutMs / 1000} s:\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
}

let token = "";
async function post(url: string, request: Request, { auth = true } = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", connection: "close", ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] } };
  }
}

async function answers(url: string) {
  return (await post(url, { query: "{ __typename }" })).status === 200;
}

type Target = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };

const builds = () => fs.existsSync(path.join(threadlineDir, "scripts/build.mjs"));

/** Threadline from its checkout, as `npm start` runs it, in production mode with JWT auth. */
async function startThreadline(target: Target, extraArgs: string[] = []): Promise<Running> {
  const p = port();
  // The per-user rate limit (600 a minute in production) is off: one benchmark user sends thousands.
  const env: Record<string, string> = { NODE_ENV: "production", AUTH_JWT_SECRET: SECRET, PORT: String(p), HOST: "127.0.0.1", RATE_LIMIT_PER_MINUTE: "0" };
  // THREADLINE_EXECUTOR and the like pass through, to compare a setting across runs.
  for (const [key, value] of Object.entries(process.env)) if (key.startsWith("THREADLINE_") && value !== undefined) env[key] = value;
  if (target.kind === "postgres") env.DATABASE_URL = target.url;
  else env.THREADLINE_DATA_DIR = target.dataDir;
  // As `npm start` runs it: the esbuild bundle where the checkout has one (scripts/build.mjs), else src/ through tsx.
  const entry = builds() ? ["--enable-source-maps", "dist/main.js"] : ["--import", "tsx", "src/main.ts"];
  const { child, logFile } = startProcess(`threadline-${target.kind}`, process.execPath, [...extraArgs, ...entry], threadlineDir, env);
  const url = `http://127.0.0.1:${p}`;
  await waitUntil("Threadline", async () => (await fetch(`${url}/ready`)).ok, child, logFile);
  return { kind: "threadline", url: `${url}/graphql`, child, logFile, pid: child.pid! };
}

async function startPeer(kind: Exclude<ServerKind, "threadline">, databaseUrl: string | undefined, poolSize: number): Promise<Running> {
  const p = port();
  const env: Record<string, string> = { PORT: String(p), AUTH_JWT_SECRET: SECRET, NODE_ENV: "production", POOL_SIZE: String(poolSize), ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
  const { child, logFile } =
    kind === "postgraphile"
      ? startProcess(kind, path.join(PEERS, "postgraphile/node_modules/node/bin/node"), ["server.mjs"], path.join(PEERS, "postgraphile"), env)
      : startProcess(kind, process.execPath, ["--import", "tsx", path.join(PEERS, kind, "server.ts")], ROOT, env);
  const url = `http://127.0.0.1:${p}/graphql`;
  await waitUntil(SERVER_TITLES[kind], () => answers(url), child, logFile);
  return { kind, url, child, logFile, pid: child.pid! };
}

// ───────────────────────────── setup ─────────────────────────────

function installPostGraphile() {
  const folder = path.join(PEERS, "postgraphile");
  const stamp = path.join(folder, "node_modules/.package-lock.json");
  const lock = path.join(folder, "package-lock.json");
  if (fs.existsSync(path.join(folder, "node_modules/node/bin/node")) && fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  log("installing bench/peers/postgraphile (PostGraphile 5 and Node 22, pinned by its lockfile)…");
  execFileSync("npm", ["ci", "--prefix", folder, "--no-audit", "--no-fund", "--loglevel=error"], { stdio: ["ignore", "inherit", "inherit"] });
}

function serverUrl(): string {
  const given = options["database-url"] || process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL;
  if (given) return given;
  log("no --database-url, BENCH_DATABASE_URL or DATABASE_URL: starting PostgreSQL 15 + pgvector with scripts/ci/postgres.sh");
  const dataDir = path.join(work, "pg");
  fs.mkdirSync(dataDir, { mode: 0o755 });
  fs.chmodSync(work, 0o755);
  const pgPort = port() + 1000;
  const out = execFileSync(path.join(ROOT, "scripts/ci/postgres.sh"), [dataDir, String(pgPort)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => {
    try {
      execFileSync(path.join(ROOT, "scripts/ci/postgres-stop.sh"), [dataDir], { stdio: "ignore" });
    } catch {}
  });
  return /DATABASE_URL=(\S+)/.exec(out)![1];
}

async function onServer<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// ───────────────────────────── fixtures and agreement ─────────────────────────────

/** The long conversation's id and a cursor after position 9,000, as the server spells them. */
async function fixtureFor(server: Running): Promise<Fixture> {
  let bigConversationId = BIG_CONVERSATION;
  if (server.kind !== "postgraphile") {
    const reply = await post(server.url, { query: "{ conversations(first: 1, orderBy: [{ startedAt: Asc }]) { edges { node { id title } } } }" });
    const node = reply.body.data?.conversations.edges[0]?.node;
    if (!node) throw new Error(`${server.kind}: cannot find the long conversation: ${JSON.stringify(reply.body).slice(0, 300)}`);
    bigConversationId = node.id;
  }
  const fixture: Fixture = { bigConversationId };
  const shape = SHAPES[server.kind]["page-first"]!;
  const first = await post(server.url, shape.request(fixture));
  const endCursor = pageConnection(server.kind, first.body.data).pageInfo.endCursor;
  // Cursors are opaque, but each of these encodes the last row's id and/or position in base64: swap
  // position 20's for position 9,000's, and check that the page that follows starts at 9,001.
  const decoded = Buffer.from(endCursor, "base64").toString();
  const swapped = decoded.split(bigMessageId(20)).join(bigMessageId(DEEP_AFTER)).replace(/(?<!\d)20(?!\d)/g, String(DEEP_AFTER));
  const candidate = Buffer.from(swapped).toString("base64");
  const deep = SHAPES[server.kind]["page-deep"]!;
  const check = await post(server.url, deep.request({ ...fixture, deepCursor: candidate }));
  if (check.body.data && pageConnection(server.kind, check.body.data).edges[0]?.node.position === DEEP_AFTER + 1) return { ...fixture, deepCursor: candidate };
  log(`${server.kind}: cursor not derivable (${decoded}); walking the pages to position ${DEEP_AFTER}`);
  let after: string | undefined;
  for (let position = 0; position < DEEP_AFTER; ) {
    const request = deep.request({ ...fixture, deepCursor: after });
    request.variables!.first = Math.min(100, DEEP_AFTER - position);
    const page = pageConnection(server.kind, (await post(server.url, request)).body.data);
    position = page.edges[page.edges.length - 1].node.position;
    after = page.pageInfo.endCursor;
  }
  return { ...fixture, deepCursor: after };
}

interface Check {
  database?: Measurement["database"];
  scenario: ScenarioId;
  agree: boolean;
  detail: string;
}

/** One request per server and scenario; the canonical answers must be equal (and non-empty). */
async function checkAgreement(servers: Running[], fixtures: Map<ServerKind, Fixture>): Promise<Check[]> {
  const checks: Check[] = [];
  for (const { id } of SCENARIOS) {
    if (only && !only.test(id)) continue;
    const answers: { kind: ServerKind; canonical: unknown; error?: string }[] = [];
    for (const server of servers) {
      const shape = SHAPES[server.kind][id];
      if (!shape) continue;
      const reply = await post(server.url, shape.request(fixtures.get(server.kind)!));
      if (reply.status !== 200 || reply.body.errors) {
        answers.push({ kind: server.kind, canonical: undefined, error: `HTTP ${reply.status} ${JSON.stringify(reply.body.errors ?? reply.body).slice(0, 300)}` });
        continue;
      }
      answers.push({ kind: server.kind, canonical: shape.canonical(reply.body.data) });
    }
    const [reference] = answers;
    const failed = answers.filter((a) => a.error || !isDeepStrictEqual(a.canonical, reference.canonical));
    const empty = JSON.stringify(reference.canonical ?? "").length < 3;
    const sizeOf = (c: unknown) => (Array.isArray(c) ? `${c.length} items` : typeof c);
    checks.push({
      scenario: id,
      agree: failed.length === 0 && !empty,
      detail: failed.length
        ? failed.map((a) => `${a.kind}: ${a.error ?? `differs from ${reference.kind}: ${firstDifference(a.canonical, reference.canonical)}`}`).join("; ")
        : `${answers.map((a) => a.kind).join(", ")} agree (${sizeOf(reference.canonical)}, ${JSON.stringify(reference.canonical).length} bytes canonical)`,
    });
  }
  return checks;
}

/** Where two canonical answers first differ, for the report. */
function firstDifference(a: unknown, b: unknown, at = "$"): string {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if (!isDeepStrictEqual(a[i], b[i])) return firstDifference(a[i], b[i], `${at}[${i}]`);
    return `${at}: same items`;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
      if (!isDeepStrictEqual((a as any)[key], (b as any)[key])) return firstDifference((a as any)[key], (b as any)[key], `${at}.${key}`);
  }
  return `${at}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

/** The nested answers hold only user A's conversations (B's are newer and between: a missing owner filter shows). */
function ownerCheck(canonical: any[]): string | undefined {
  const foreign = canonical.filter((c) => !c.title.startsWith("A "));
  return foreign.length ? `${foreign.length} conversations of another user on user A's page` : undefined;
}

// ───────────────────────────── measuring ─────────────────────────────

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
}

/**
 * Waits until the server's process is idle (under a tick of CPU per 250 ms, twice running): when wrk
 * stops, the requests it had in flight still run in the server, and must not be counted in the next run.
 */
async function settle(pid: number, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  let quiet = 0;
  let last = cpuTicks(pid);
  while (quiet < 2 && Date.now() < end) {
    await sleep(250);
    const now = cpuTicks(pid);
    quiet = now - last <= 1 ? quiet + 1 : 0;
    last = now;
  }
}

const TABLES = ["users", "conversations", "messages", "tool_uses", "conversation_chunks"];
async function rowsRead(client: pg.Client): Promise<Record<string, number>> {
  await client.query("SELECT pg_stat_clear_snapshot()");
  const { rows } = await client.query(`SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS read FROM pg_stat_user_tables WHERE relname = ANY($1)`, [TABLES]);
  return Object.fromEntries(rows.map((r) => [r.relname, Number(r.read)]));
}

interface WrkResult {
  requests: number;
  durationUs: number;
  /** `graphql`: HTTP 200 answers carrying GraphQL errors (wrk's `status` counts the other statuses). */
  errors: { connect: number; read: number; write: number; status: number; timeout: number; graphql: number };
  firstFailure?: string;
  latencyUs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

function wrk(url: string, request: Request, durationSeconds: number): Promise<WrkResult> {
  const bodyFile = path.join(work, `body-${randomUUID()}.json`);
  fs.writeFileSync(bodyFile, JSON.stringify(request));
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", ["-t", "2", "-c", String(connections), "-d", `${durationSeconds}s`, "--timeout", "30s", "-s", path.join(PEERS, "wrk.lua"), url], {
      env: { ...process.env, WRK_BODY_FILE: bodyFile, WRK_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      fs.rmSync(bodyFile, { force: true });
      const line = /WRK_JSON (.*)/.exec(out);
      if (code !== 0 || !line) return reject(new Error(`wrk failed (${code}): ${out}`));
      const failure = /WRK_FIRST_FAILURE (.*)/.exec(out)?.[1];
      resolve({ ...JSON.parse(line[1]), ...(failure ? { firstFailure: failure } : {}) });
    });
  });
}

export interface Measurement {
  database: "postgres" | "pglite";
  server: ServerKind;
  scenario: ScenarioId;
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  /** Database process CPU per request, when it is a separate process we started (PGlite served over a socket). */
  dbCpuMsPerRequest?: number;
  rowsPerRequest?: number;
  rowsByTable?: Record<string, number>;
  errors: number;
  firstFailure?: string;
}

/** Stats reach pg_stat_user_tables when a backend has been idle (at most ~10 s later in PostgreSQL 15). */
const STATS_SETTLE_MS = 11_000;
const ROWS_SAMPLE = 5;

/**
 * Rows read per request, by table (seq_tup_read + idx_tup_fetch): the delta over ROWS_SAMPLE requests
 * sent one at a time, counted exactly, with nothing else touching this database. Runs while the
 * statistics of earlier work have settled (the caller waits STATS_SETTLE_MS before the first).
 */
async function rowsPerRequest(stats: pg.Client, server: Running, request: Request): Promise<Record<string, number>> {
  const before = await rowsRead(stats);
  for (let i = 0; i < ROWS_SAMPLE; i++) {
    const reply = await post(server.url, request);
    if (reply.status !== 200 || reply.body.errors) throw new Error(`${server.kind}: ${JSON.stringify(reply.body).slice(0, 300)}`);
  }
  await sleep(STATS_SETTLE_MS);
  const after = await rowsRead(stats);
  return Object.fromEntries(TABLES.map((t) => [t, Math.round(((after[t] ?? 0) - (before[t] ?? 0)) / ROWS_SAMPLE)]));
}

async function measure(database: Measurement["database"], server: Running, scenario: ScenarioId, fixture: Fixture, rowsByTable?: Record<string, number>, dbPid?: number): Promise<Measurement> {
  const request = SHAPES[server.kind][scenario]!.request(fixture);
  const warm = warmupSeconds > 0 ? await wrk(server.url, request, warmupSeconds) : undefined;
  await settle(server.pid);
  const cpu0 = cpuTicks(server.pid);
  const db0 = dbPid ? cpuTicks(dbPid) : 0;
  const result = await wrk(server.url, request, seconds);
  // The CPU of the window wrk measured; what its unanswered requests cost afterwards is left out,
  // like their latency (a slow server is not flattered: those requests are not counted either).
  const cpu = cpuTicks(server.pid) - cpu0;
  const db = dbPid ? cpuTicks(dbPid) - db0 : 0;
  await settle(server.pid);
  // `status` answers are in `graphql` too (the script counts every answer that is not a clean 200).
  const failures = (r: WrkResult) => r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout + r.errors.graphql;
  const errors = failures(result) + (warm ? failures(warm) : 0);
  const firstFailure = result.firstFailure ?? warm?.firstFailure;
  const m: Measurement = {
    database,
    server: server.kind,
    scenario,
    rps: result.requests / (result.durationUs / 1e6),
    p50: result.latencyUs.p50 / 1000,
    p99: result.latencyUs.p99 / 1000,
    cpuMsPerRequest: ((cpu / CLOCK_TICKS) * 1000) / Math.max(1, result.requests),
    ...(dbPid ? { dbCpuMsPerRequest: ((db / CLOCK_TICKS) * 1000) / Math.max(1, result.requests) } : {}),
    errors,
    ...(firstFailure ? { firstFailure } : {}),
  };
  if (rowsByTable) {
    m.rowsByTable = rowsByTable;
    m.rowsPerRequest = Object.values(rowsByTable).reduce((a, b) => a + b, 0);
  }
  log(`${database} ${server.kind} ${scenario}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, CPU ${m.cpuMsPerRequest.toFixed(2)} ms/req${m.rowsPerRequest !== undefined ? `, ${m.rowsPerRequest} rows/req` : ""}${errors ? `, ${errors} errors (first: ${firstFailure})` : ""}`);
  return m;
}

// ───────────────────────────── report ─────────────────────────────

const fmt = (x: number | undefined, digits = 1) => (x === undefined || Number.isNaN(x) ? "–" : x >= 100 ? x.toFixed(0) : x.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "–" : `${(a / b).toFixed(2)}×`);

function table(measurements: Measurement[], database: Measurement["database"]): string {
  const rows = measurements.filter((m) => m.database === database);
  if (!rows.length) return "";
  const find = (server: ServerKind, scenario: ScenarioId) => rows.find((m) => m.server === server && m.scenario === scenario);
  const floor = find("bare-yoga", "typename");
  const withDb = rows.some((m) => m.dbCpuMsPerRequest !== undefined);
  const lines = [
    `| scenario | server | req/s | p50 ms | p99 ms | CPU ms/req${withDb ? " (+ PGlite process)" : ""} | rows read/req | req/s vs PostGraphile | req/s vs bare Yoga |`,
    "|---|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const { id, title } of SCENARIOS) {
    for (const m of rows.filter((r) => r.scenario === id)) {
      const peer = find("postgraphile", id);
      lines.push(
        `| ${title} | ${SERVER_TITLES[m.server]} | ${fmt(m.rps, 0)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.cpuMsPerRequest, 2)}${m.dbCpuMsPerRequest !== undefined ? ` (+ ${fmt(m.dbCpuMsPerRequest, 2)})` : ""} | ${m.rowsPerRequest ?? "–"} | ${peer ? ratio(m.rps, peer.rps) : "no peer"} | ${ratio(m.rps, floor?.rps)} |${m.errors ? ` ${m.errors} errors` : ""}`,
      );
    }
  }
  return lines.join("\n");
}

// ───────────────────────────── the runs ─────────────────────────────

function threadlineVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: threadlineDir, encoding: "utf8" }).trim();
    return `${threadlineDir} at ${git("rev-parse", "--short", "HEAD")} (${git("rev-parse", "--abbrev-ref", "HEAD")})${git("status", "--porcelain", "--", "src", "prisma") ? " + uncommitted changes" : ""}`;
  } catch {
    return threadlineDir;
  }
}

async function runServers(database: Measurement["database"], servers: Running[], stats?: pg.Client, dbPidOf: (server: Running) => number | undefined = () => undefined): Promise<{ checks: Check[]; measurements: Measurement[] }> {
  const fixtures = new Map<ServerKind, Fixture>();
  for (const server of servers) fixtures.set(server.kind, server.kind === "bare-yoga" ? { bigConversationId: "" } : await fixtureFor(server));
  const checks = await checkAgreement(servers, fixtures);
  for (const check of checks) log(`${database} agreement ${check.scenario}: ${check.agree ? "ok" : "DIFFER"} — ${check.detail}`);
  const nested = SHAPES.threadline.nested!;
  const threadline = servers.find((s) => s.kind === "threadline");
  if (threadline && (!only || only.test("nested"))) {
    const reply = await post(threadline.url, nested.request(fixtures.get("threadline")!));
    const problem = reply.body.data ? ownerCheck(nested.canonical(reply.body.data) as any[]) : "no data";
    checks.push({ database, scenario: "nested", agree: !problem, detail: problem ?? "only user A's conversations on user A's page" });
  }
  for (const check of checks) check.database = database;
  if (checks.some((c) => !c.agree)) return { checks, measurements: [] };
  const pairs = SCENARIOS.filter(({ id }) => !only || only.test(id)).flatMap(({ id }) => servers.filter((server) => SHAPES[server.kind][id]).map((server) => ({ id, server })));
  // Rows read first, one pair at a time, before any load (whose statistics would arrive late).
  const rows = new Map<string, Record<string, number>>();
  if (stats) {
    log(`rows read: ${ROWS_SAMPLE} requests per server and scenario, ~${Math.round(((pairs.length + 1) * STATS_SETTLE_MS) / 60_000)} min`);
    await sleep(STATS_SETTLE_MS); // the checks' statistics settle before the first "before"
    for (const { id, server } of pairs) {
      const byTable = await rowsPerRequest(stats, server, SHAPES[server.kind][id]!.request(fixtures.get(server.kind)!));
      rows.set(`${server.kind}/${id}`, byTable);
      log(`${database} ${server.kind} ${id}: ${JSON.stringify(byTable)} rows per request`);
    }
  }
  const measurements: Measurement[] = [];
  for (const { id, server } of pairs) measurements.push(await measure(database, server, id, fixtures.get(server.kind)!, rows.get(`${server.kind}/${id}`), dbPidOf(server)));
  return { checks, measurements };
}

async function profileThreadline(target: Target, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const before = new Set(fs.readdirSync(dir));
  const server = await startThreadline(target, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
  let window: { fromNs: bigint; toNs: bigint } | undefined;
  try {
    const fixture = await fixtureFor(server);
    const request = SHAPES.threadline.nested!.request(fixture);
    await wrk(server.url, request, Math.max(warmupSeconds, 2));
    await settle(server.pid);
    const fromNs = process.hrtime.bigint();
    const result = await wrk(server.url, request, seconds);
    window = { fromNs, toNs: process.hrtime.bigint() };
    log(`profiled: ${(result.requests / (result.durationUs / 1e6)).toFixed(0)} req/s`);
    await settle(server.pid);
  } finally {
    await stopProcess(server.child);
  }
  // The main thread's profile (the first thread started); only the measured window, not start-up.
  const file = fs.readdirSync(dir).filter((f) => !before.has(f) && f.endsWith(".cpuprofile")).sort()[0];
  if (!file) throw new Error(`no CPU profile written to ${dir}`);
  const profile = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
  const inWindow = window && Number(window.fromNs / 1000n) >= profile.startTime && Number(window.toNs / 1000n) <= profile.endTime;
  return `${path.join(dir, file)}${inWindow ? " (the measured window only)" : " (whole run: the window was not on the profile's clock)"}\n\n${summariseProfile(profile, 14, inWindow ? window : undefined)}`;
}

async function postgresRun(): Promise<{ checks: Check[]; measurements: Measurement[]; counts: SeedCounts; profile?: string }> {
  const base = serverUrl();
  const name = `threadline_peers_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  await onServer(base, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const servers: Running[] = [];
  const stats = new pg.Client({ connectionString: databaseUrl });
  try {
    log(`PostgreSQL: database ${name}; Threadline migrates it`);
    const target: Target = { kind: "postgres", url: databaseUrl };
    servers.push(await startThreadline(target));
    const counts = await onServer(databaseUrl, (c) => seed(c as SqlRunner));
    log(`seeded ${JSON.stringify(counts)}`);
    for (const kind of ["postgraphile", "handwritten", "bare-yoga"] as const) servers.push(await startPeer(kind, databaseUrl, 10));
    await stats.connect();
    const result = await runServers("postgres", servers, quick ? undefined : stats);
    let profile: string | undefined;
    if (options.profile && result.measurements.length) {
      await Promise.all(servers.map((s) => stopProcess(s.child)));
      servers.length = 0;
      log("CPU profile of Threadline under (a)…");
      profile = await profileThreadline(target, path.resolve(options.profile));
    }
    return { ...result, counts, profile };
  } finally {
    await stats.end().catch(() => {});
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    if (options["keep-database"]) log(`kept ${databaseUrl}`);
    else await onServer(base, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
}

/**
 * PGlite: Threadline on its embedded database (in its own process, as `npm start` runs it); each peer
 * through its own @electric-sql/pglite-socket process serving a copy of the same data folder (the
 * socket server takes one connection at a time, so each peer's pool has one client). Seeded once,
 * before the copies. The socket process's CPU is reported beside the peer's: it is the database.
 */
async function pgliteRun(): Promise<{ checks: Check[]; measurements: Measurement[] }> {
  const dataDir = path.join(work, "pglite");
  fs.mkdirSync(dataDir);
  log("PGlite: Threadline creates and migrates the data folder");
  const first = await startThreadline({ kind: "pglite", dataDir });
  await stopProcess(first.child);
  log("PGlite: seeding");
  const seeded = startProcess("pglite-seed", process.execPath, ["--import", "tsx", path.join(PEERS, "pglite.ts"), "seed", dataDir], ROOT, {});
  await new Promise((resolve, reject) => seeded.child.once("exit", (code) => (code === 0 ? resolve(null) : reject(new Error(fs.readFileSync(seeded.logFile, "utf8"))))));

  const sockets = new Map<ServerKind, ChildProcess>();
  const servers: Running[] = [];
  try {
    servers.push(await startThreadline({ kind: "pglite", dataDir }));
    for (const kind of ["postgraphile", "handwritten", "bare-yoga"] as const) {
      let databaseUrl: string | undefined;
      if (kind !== "bare-yoga") {
        const copy = path.join(work, `pglite-${kind}`);
        fs.cpSync(dataDir, copy, { recursive: true });
        const socketPort = port();
        const socket = startProcess(`pglite-socket-${kind}`, process.execPath, ["--import", "tsx", path.join(PEERS, "pglite.ts"), "serve", copy, String(socketPort)], ROOT, {});
        sockets.set(kind, socket.child);
        await waitUntil("pglite-socket", async () => fs.readFileSync(socket.logFile, "utf8").includes("pglite-socket on"), socket.child, socket.logFile);
        databaseUrl = `postgresql://postgres@127.0.0.1:${socketPort}/postgres?sslmode=disable`;
      }
      servers.push(await startPeer(kind, databaseUrl, 1));
    }
    return await runServers("pglite", servers, undefined, (server) => sockets.get(server.kind)?.pid);
  } finally {
    await Promise.all(servers.map((s) => stopProcess(s.child)));
    await Promise.all([...sockets.values()].map(stopProcess));
  }
}

async function main() {
  if (!fs.existsSync(path.join(threadlineDir, "src/main.ts"))) throw new Error(`--threadline ${threadlineDir} is not a Threadline checkout (no src/main.ts)`);
  if (spawnSync("wrk", ["--version"]).error) throw new Error("wrk is not installed (Debian: apt-get install wrk)");
  installPostGraphile();
  if (builds()) execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: threadlineDir, stdio: ["ignore", "ignore", "inherit"] });
  else if (threadlineDir !== ROOT) execFileSync("npm", ["run", "--silent", "generate"], { cwd: threadlineDir, stdio: ["ignore", "ignore", "inherit"] });
  token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(USER_A.externalId).setIssuedAt().setExpirationTime("12h").sign(new TextEncoder().encode(SECRET));

  const checks: Check[] = [];
  const measurements: Measurement[] = [];
  let counts: SeedCounts | undefined;
  let profile: string | undefined;
  if (!options["no-postgres"]) {
    const run = await postgresRun();
    checks.push(...run.checks);
    measurements.push(...run.measurements);
    counts = run.counts;
    profile = run.profile;
  }
  if (!options["no-postgres"] && measurements.length) process.stdout.write(`## PostgreSQL (as measured; the summary follows at the end)\n\n${table(measurements, "postgres")}\n\n`);
  if (!options["no-pglite"]) {
    try {
      const run = await pgliteRun();
      checks.push(...run.checks);
      measurements.push(...run.measurements);
    } catch (error) {
      // Keep what PostgreSQL measured; the failure is reported (and fails the run) below.
      checks.push({ scenario: "typename", agree: false, detail: `the PGlite run failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  const out = [
    `# Peers: ${quick ? "quick smoke" : "benchmark"}, ${new Date().toISOString()}`,
    "",
    `Threadline: ${threadlineVersion()}. Node ${process.version} (PostGraphile on its own Node 22). ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}.`,
    `wrk, ${connections} connections, ${warmupSeconds} s warm-up, ${seconds} s measured per server and scenario.${counts ? ` Data: ${JSON.stringify(counts)} (user A: 200 × 20 + one of ${BIG_MESSAGES}; user B beside).` : ""}`,
    "",
  ];
  for (const database of ["postgres", "pglite"] as const) {
    const t = table(measurements, database);
    if (t) out.push(`## ${database === "postgres" ? "PostgreSQL" : "PGlite"}`, "", t, "");
  }
  out.push("## Agreement", "", ...checks.map((c) => `- ${c.agree ? "ok" : "**DIFFER**"} ${c.database ?? ""} ${c.scenario}: ${c.detail}`), "");
  if (profile) out.push("## CPU profile of Threadline under (a)", "", profile, "");
  const byTable = measurements.filter((m) => m.rowsByTable);
  if (byTable.length) out.push("## Rows read per request, by table (PostgreSQL)", "", ...byTable.map((m) => `- ${m.scenario} ${m.server}: ${JSON.stringify(m.rowsByTable)}`), "");
  process.stdout.write(out.join("\n") + "\n");
  fs.writeFileSync(path.join(work, "measurements.json"), JSON.stringify(measurements, null, 2));
  log(`logs and measurements.json in ${work}`);

  const failed = checks.filter((c) => !c.agree).length + measurements.filter((m) => m.errors > 0).length;
  if (failed) {
    process.stderr.write(`[peers] FAILED: ${failed} disagreements or runs with errors\n`);
    process.exitCode = 1;
  }
}

await main().catch((error) => {
  process.stderr.write(`[peers] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
stopAll();
