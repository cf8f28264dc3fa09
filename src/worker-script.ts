// Where a worker thread's script is: beside the module that starts it when running from src/, and in
// dist/ when bundled (scripts/build.mjs builds each script as an entry of its own there, while the
// module that starts it may have been split into dist/chunks/).
import fs from "node:fs";
import { fileURLToPath } from "node:url";

export function workerScript(name: string, from: string): URL {
  const beside = new URL(`./${name}`, from);
  return fs.existsSync(fileURLToPath(beside)) ? beside : new URL(`../${name}`, from);
}
