// `npm run build` (and before `npm start`): the Prisma client if the schema changed, then src/ bundled
// into dist/main.js with esbuild (packages stay in node_modules). Node then runs plain JavaScript:
// no TypeScript loader and no wrapper process at start, so starts are fast and signals reach the
// server. Skips the bundle when dist/main.js is newer than every source file.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "./generate.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist");
const outfile = path.join(outdir, "main.js");
// Files the server loads by URL next to its own module (`new URL("./x.js", import.meta.url)`), which a
// bundle cannot inline: each becomes its own entry point beside dist/main.js.
const besideMain = ["src/search/embedders/use-worker.js"];

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
  await esbuild.build({
    entryPoints: [path.join(root, "src/main.ts"), ...besideMain.map((file) => path.join(root, file))],
    outdir,
    entryNames: "[name]",
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20.19",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build({ force: process.argv.includes("--force") });
