// `npm start` as a user runs it: a real process on a real port with an embedded data folder.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePgliteTemplate } from "../scripts/pglite-template.mjs";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-lifecycle-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    // The hashing embedder: these tests are about the process, not meaning (background-process.test.ts runs the default).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", THREADLINE_DATA_DIR: dataDir, THREADLINE_EMBEDDER: "hashing", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /Threadline ready: (http:\/\/\S+\/graphql)/.exec(output);
      if (ready) resolve({ child, url: ready[1], output: () => output, exited });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    exited.then((code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
    setTimeout(() => reject(new Error(`not ready after 60 s:\n${output}`)), 60_000).unref();
  });
}

async function post(url: string, query: string) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

describe("server process", () => {
  // What `npm install` makes (postinstall); made here if this checkout was installed without scripts.
  beforeAll(() => ensurePgliteTemplate({ log: () => {} }), 120_000);

  it("starts on the embedded database, says it is in local mode, answers /health and /ready, and keeps data across a SIGTERM restart", async () => {
    const first = await start({});
    expect(first.output()).toMatch(/SINGLE-USER LOCAL MODE/);
    // A new data folder starts from the install's cluster, not from initdb; then the migrations run.
    expect(first.output()).toMatch(/new data folder .*: unpacking the cluster made at install \(pglite-[\d.]+\.tar\.gz\) instead of running initdb/);
    expect(first.output()).toMatch(/applied migration \d+_init/);
    const base = first.url.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const graphiql = await fetch(first.url, { headers: { accept: "text/html" } });
    expect(graphiql.status).toBe(200);
    const page = await graphiql.text();
    expect(page).toContain("Threadline");
    expect(page).not.toMatch(/<script[^>]+src="https?:\/\//); // nothing loaded from a CDN

    const created = await post(first.url, `mutation { createConversation(input: { title: "survives restarts" }) { id } }`);
    expect(created.errors).toBeUndefined();

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/stopped cleanly/);

    const second = await start({});
    expect(second.output()).not.toMatch(/new data folder/);
    const listed = await post(second.url, `{ conversations { edges { node { title } } } }`);
    expect(listed.data.conversations.edges).toEqual([{ node: { title: "survives restarts" } }]);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 120_000);

  it("lets one process at a time use a data folder, and takes over the folder of a killed one with its data", async () => {
    const owner = await start({});
    expect(fs.readFileSync(path.join(dataDir, "threadline.pid"), "utf8").trim()).toBe(String(owner.child.pid));
    await expect(start({})).rejects.toThrow(new RegExp(`exited with 1[\\s\\S]*is in use by process ${owner.child.pid}`));
    const created = await post(owner.url, `mutation { createConversation(input: { title: "committed before kill -9" }) { id } }`);
    expect(created.errors).toBeUndefined();

    owner.child.kill("SIGKILL"); // no clean shutdown: the pid file stays behind
    await owner.exited;
    expect(fs.existsSync(path.join(dataDir, "threadline.pid"))).toBe(true);
    const next = await start({});
    const titles = await post(next.url, `{ conversations(filter: { title: "kill -9" }) { edges { node { title } } } }`);
    expect(titles.data.conversations.edges).toEqual([{ node: { title: "committed before kill -9" } }]);
    next.child.kill("SIGTERM");
    expect(await next.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, "threadline.pid"))).toBe(false);
  }, 120_000);

  it("drains and gives the data folder back on a SIGTERM that arrives while it is still starting", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", THREADLINE_DATA_DIR: dataDir, THREADLINE_EMBEDDER: "hashing" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // The database is open; the server, the worker and the rest are not up yet.
        if (/migrations applied/.test(output)) {
          child.kill("SIGTERM");
          resolve();
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
    });
    expect(await exited, output).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/SIGTERM: draining[\s\S]*stopped cleanly/);
    expect(fs.existsSync(path.join(dataDir, "threadline.pid"))).toBe(false);
  }, 120_000);

  it("refuses to start in production without authentication", async () => {
    await expect(start({ NODE_ENV: "production" })).rejects.toThrow(/exited with 78[\s\S]*AUTH_JWKS_URL or AUTH_JWT_SECRET/);
    await expect(start({ NODE_ENV: "production", AUTH_JWKS_URL: "ftp://issuer.test/keys" })).rejects.toThrow(/exited with 78[\s\S]*AUTH_JWKS_URL must be an http/);
  }, 120_000);

  it("starts in production with a JWKS URL, names the verifier, and warns when the URL is plain http", async () => {
    const started = await start({ NODE_ENV: "production", AUTH_JWKS_URL: "http://issuer.test/.well-known/jwks.json" });
    expect(started.output()).toMatch(/authentication: RS256\/ES256 JWT against http:\/\/issuer.test\/.well-known\/jwks.json/);
    expect(started.output()).toMatch(/AUTH_JWKS_URL is plain http/);
    expect(started.output()).not.toMatch(/SINGLE-USER LOCAL MODE/);
    const anonymous = await fetch(started.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ viewer { id } }" }) });
    expect(anonymous.status).toBe(401);
    started.child.kill("SIGTERM");
    expect(await started.exited).toBe(0);
  }, 120_000);
});
