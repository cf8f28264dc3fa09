// `prisma generate`, only when prisma/schema.prisma or the installed Prisma changed since the last run
// (a stamp beside the generated client): runs after `npm install`, and before tests and benchmarks,
// in milliseconds when there is nothing to do. After `npm install` it also makes the embedded database's
// template (scripts/pglite-template.mjs). Plain JavaScript, so it needs no TypeScript loader.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stampFile = path.join(root, "src/generated/.schema.sha256");
const outputs = ["src/generated/prisma/client.ts", "src/generated/pothos-types.ts"];

export function generate({ force = false } = {}) {
  let prismaVersion;
  try {
    prismaVersion = createRequire(path.join(root, "package.json"))("prisma/package.json").version;
  } catch {
    // `npm install --omit=dev`: no Prisma CLI, and nothing here may run from TypeScript sources anyway.
    console.log("prisma generate skipped: the Prisma CLI is not installed (production install)");
    return;
  }
  const stamp = createHash("sha256")
    .update(fs.readFileSync(path.join(root, "prisma/schema.prisma")))
    .update(`prisma ${prismaVersion}`)
    .digest("hex");
  const current =
    outputs.every((file) => fs.existsSync(path.join(root, file))) &&
    fs.existsSync(stampFile) &&
    fs.readFileSync(stampFile, "utf8").trim() === stamp;
  if (current && !force) return;
  const run = spawnSync(process.execPath, [path.join(root, "node_modules/prisma/build/index.js"), "generate"], {
    cwd: root,
    stdio: "inherit",
    // The Pothos generator is a command in node_modules/.bin, found as `npm run` would find it.
    env: { ...process.env, PATH: [path.join(root, "node_modules/.bin"), process.env.PATH].join(path.delimiter) },
  });
  if (run.status !== 0) {
    console.error("prisma generate failed");
    process.exit(run.status ?? 1);
  }
  fs.writeFileSync(stampFile, `${stamp}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  generate({ force: process.argv.includes("--force") });
  if (process.env.npm_lifecycle_event === "postinstall") {
    // The embedded database's first start then skips initdb (scripts/pglite-template.mjs). Never fails
    // an install: without the template a first start simply runs initdb itself.
    const { ensurePgliteTemplate } = await import("./pglite-template.mjs");
    await ensurePgliteTemplate().catch((error) => console.warn(`embedded database template not made (${error.message}); the first start will run initdb`));
  }
}
