// `npm run build` (and before `npm start`): the Prisma client if the schema changed, then src/ and the
// packages it uses bundled into dist/main.js with esbuild. Node then runs plain JavaScript from one
// file: no TypeScript loader, no wrapper process (signals reach the server), and no resolving and
// reading of hundreds of package files at start (about a sixth of a warm start's CPU). Code loaded
// only on demand (GraphiQL's page) is split into dist/chunks/. Skips the bundle when dist/main.js is
// newer than every source file.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "./generate.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist");
const outfile = path.join(outdir, "main.js");
// Files the server loads by URL next to its own module (`new URL("./x.js", import.meta.url)`), which a
// bundle cannot inline: each becomes its own entry point beside dist/main.js.
const besideMain = ["src/search/embedders/use-worker.js", "src/db/pglite-worker.js"];
// Packages that stay in node_modules: they read files beside their own modules at run time (PGlite's
// WebAssembly and data files, Prisma's runtime, the sentence encoder's model in the worker thread),
// or are optional native add-ons that are not installed.
const external = ["@electric-sql/pglite", "@electric-sql/pglite/*", "@prisma/client", "@prisma/client/*", "@energetic-ai/*", "pg-native"];

function newestSource(dir = path.join(root, "src")) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(file) : fs.statSync(file).mtimeMs);
  }
  return newest;
}

export async function build({ force = false } = {}) {
  generate();
  const built = fs.existsSync(outfile) ? fs.statSync(outfile).mtimeMs : 0;
  const inputs = Math.max(newestSource(), ...["package.json", "package-lock.json"].map((file) => fs.statSync(path.join(root, file)).mtimeMs));
  if (!force && built > inputs) return;
  const esbuild = await import("esbuild");
  fs.rmSync(outdir, { recursive: true, force: true }); // no chunks of an older build left beside the new one
  await esbuild.build({
    entryPoints: [path.join(root, "src/main.ts"), ...besideMain.map((file) => path.join(root, file))],
    outdir,
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20.19",
    external,
    // CommonJS packages in an ES module bundle still call require() for Node's built-ins.
    banner: { js: 'import { createRequire as __threadlineRequire } from "node:module"; const require = __threadlineRequire(import.meta.url);' },
    sourcemap: true,
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build({ force: process.argv.includes("--force") });
