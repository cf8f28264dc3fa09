// A real, throwaway Redis server (Debian's redis-server) on a free loopback port, for the tests of
// events across instances. `.ci/run` installs redis-server and sets THREADLINE_TEST_REDIS=required,
// so there these tests fail rather than skip when the binary is missing.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? "redis-server";

export function redisServerAvailable(): boolean {
  const found = spawnSync(REDIS_SERVER, ["--version"], { stdio: "ignore" }).status === 0;
  if (!found && process.env.THREADLINE_TEST_REDIS === "required") {
    throw new Error(`THREADLINE_TEST_REDIS=required but ${REDIS_SERVER} cannot be run (apt-get install redis-server)`);
  }
  return found;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class RedisServer {
  private child?: ChildProcess;
  private constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.resume();
    return server;
  }

  /** (Re)starts the server on the same port: no persistence, so it comes back empty. */
  async resume(): Promise<void> {
    const child = spawn(REDIS_SERVER, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server not ready after 10 s:\n${output}`)), 10_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
  }

  /** SIGSTOP: connections stay open but nothing answers (a hung server); thaw() lets it go on. */
  freeze() {
    this.child?.kill("SIGSTOP");
  }

  thaw() {
    this.child?.kill("SIGCONT");
  }

  /** Stops the server (SIGKILL: an outage, not a goodbye). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.child = undefined;
  }
}
