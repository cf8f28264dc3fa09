// A new PostgreSQL cluster for the embedded database, made once per installed PGlite: `initdb` inside
// WebAssembly is most of a first start (≈ 7 s of CPU on a slow core). `npm install` (postinstall) and
// the image's build stage make it here; a start that finds its data folder empty unpacks it instead of
// running initdb (src/db/database.ts), then applies the migrations as always. A template of another
// PGlite version is never used: the file name carries the version. Plain JavaScript, no TypeScript loader.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The project root: the nearest folder up with a package.json, whether this runs from scripts/ or
// bundled into dist/ or dist/chunks/.
const root = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  }
})();

/** Where the template for the installed PGlite is (or would be), or undefined without PGlite. */
export function pgliteTemplateFile(base = root) {
  try {
    // Read by path: the package does not export its package.json.
    const { version } = JSON.parse(fs.readFileSync(path.join(base, "node_modules/@electric-sql/pglite/package.json"), "utf8"));
    return path.join(base, "node_modules/.cache/threadline", `pglite-${version}.tar.gz`);
  } catch {
    return undefined;
  }
}

export async function ensurePgliteTemplate({ log = console.log } = {}) {
  const file = pgliteTemplateFile();
  if (!file || fs.existsSync(file)) return file;
  const started = Date.now();
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create(); // in memory: initdb, nothing else
  try {
    const dump = await db.dumpDataDir("gzip");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(partial, file); // whole or not at all, even with two installs at once
  } finally {
    await db.close();
  }
  log(`embedded database template made in ${((Date.now() - started) / 1000).toFixed(1)} s: ${path.relative(root, file)}`);
  return file;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await ensurePgliteTemplate();
