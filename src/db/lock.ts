// One process at a time per embedded data folder: two PGlite instances on one folder would both
// write to it and corrupt it. A `threadline.pid` file in the folder holds the owner's process id;
// a file whose process is gone (a crash, kill -9) is stale and taken over.
import fs from "node:fs";
import path from "node:path";

export class DataDirInUseError extends Error {}

const LOCK_FILE = "threadline.pid";
/** Folders this process holds: a file with our own pid that is not in here is stale (a container restarted with the same pid). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

/** Takes the folder for this process; returns the function that gives it back. */
export function lockDataDir(dataDir: string): () => void {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      held.add(dir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      const owner = Number.parseInt(fs.readFileSync(file, "utf8"), 10);
      const ours = owner === process.pid;
      if (ours ? held.has(dir) : Number.isInteger(owner) && alive(owner)) {
        const who = ours ? "this process" : `process ${owner}`;
        throw new DataDirInUseError(
          `the data folder ${dir} is in use by ${who}. The embedded database takes one process at a time: ` +
            `stop the other one, give this one its own THREADLINE_DATA_DIR, or share a PostgreSQL server through DATABASE_URL. ` +
            `(If no such process is Threadline, delete ${file}.)`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  return () => {
    held.delete(dir);
    try {
      if (Number.parseInt(fs.readFileSync(file, "utf8"), 10) === process.pid) fs.rmSync(file);
    } catch {
      // already gone
    }
  };
}
