// `npm start` exactly as the README says it: scripts/start.mjs bundles dist/main.js if a source changed
// and runs it in the same process, node being npm's direct child, so a signal to npm's own pid reaches
// the server, which drains, closes the database and gives the data folder back.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-start-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function npmStart() {
  const npm = spawn("npm", ["start"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", THREADLINE_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  npm.stdout.on("data", (chunk) => (output += chunk));
  npm.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.on("exit", (code, signal) => resolve({ code, signal })));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const url = /Threadline ready: (http:\/\/\S+\/graphql)/.exec(output)?.[1];
      if (url) resolve(url);
    }, 50);
    exited.then(() => reject(new Error(`npm start exited before it was ready:\n${output}`))).finally(() => clearInterval(timer));
  });
  return { npm, ready, exited, output: () => output };
}

/** The processes below npm (pid → command line). */
function children(parent: ChildProcess): string[] {
  const pids = fs.readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  return pids.map((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim());
}

describe("npm start", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`passes ${signal} sent to npm's pid to the server, which drains and releases the data folder`, async () => {
      const started = npmStart();
      const url = await started.ready;
      expect(children(started.npm)).toEqual([expect.stringMatching(/^node .*scripts\/start\.mjs$/)]);
      const lock = path.join(dataDir, "threadline.pid");
      const serverPid = Number(fs.readFileSync(lock, "utf8"));
      const answer = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ viewer { externalId } }" }) });
      expect(((await answer.json()) as { data: unknown }).data).toEqual({ viewer: { externalId: "local" } });
      started.npm.kill(signal);
      expect(await started.exited).toEqual({ code: 0, signal: null });
      expect(started.output()).toMatch(new RegExp(`${signal}: draining requests[\\s\\S]*stopped cleanly`));
      expect(fs.existsSync(lock)).toBe(false);
      expect(() => process.kill(serverPid, 0)).toThrow(); // the server process is gone, not orphaned
    }, 180_000);
  }
});
