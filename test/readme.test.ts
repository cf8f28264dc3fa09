// The README runs as printed: its GraphQL operations, in order, against the real server in local mode
// (the subscription over WebSocket while the next write happens); the example client's tour by the
// README's own command, with no environment, against a server on the README's address; and every
// npm script, command and file the README names exists.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import { Kind, parse, print, type OperationDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.ts";
import { freshDatabase } from "./support/database.ts";
import { EventStream, whenLive } from "./support/events.ts";
import { loadConfig } from "../src/config.ts";
import { createAuthenticator } from "../src/auth/viewer.ts";
import { inProcessEvents } from "../src/events/pubsub.ts";
import { silentLogger } from "../src/logger.ts";
import { startServer } from "../src/server.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";

const readme = fs.readFileSync("README.md", "utf8");
const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map(([, lang, body]) => ({ lang, body }));
const operations = blocks
  .filter((block) => block.lang === "graphql")
  .flatMap((block) => parse(block.body).definitions)
  .filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
const named = (name: string) => {
  const operation = operations.find((op) => op.name?.value === name);
  if (!operation) throw new Error(`the README has no operation ${name}`);
  return print(operation);
};

describe("README", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ auth: "local" });
  });
  afterAll(() => server?.close());

  it("has the operations this test runs, and nothing it does not run", () => {
    expect(operations.map((op) => op.name?.value)).toEqual(["Start", "Log", "Recent", "Live"]);
  });

  it("runs Start, Log, Live and Recent as printed: the live subscriber gets the logged messages, and search hits show their text", async () => {
    const started = await server.gql(named("Start"));
    expect(started.errors).toBeUndefined();
    const id = started.data.createConversation.id;

    // A memory about the same thing, so the search in Recent has a memory hit to show.
    const memory = await server.gql(`mutation { createMemory(input: { content: "The flaky test fails when the CI clock crosses midnight" }) { id } }`);
    expect(memory.errors).toBeUndefined();

    const live = new EventStream<{ messageAdded: { position: number; role: string; content: string } }>(
      server.wsClient().iterate({ query: named("Live"), variables: { id } }),
    );
    // The subscription goes live asynchronously: ping the conversation until it hears one.
    const append = `mutation($id: ID!, $content: String!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: $content }]) { inserted } }`;
    const pings = await whenLive(
      [live],
      async (index) => (await server.gql(append, { id, content: `ping ${index}` }), `ping ${index}`),
      (result) => result.data?.messageAdded?.content,
    );

    const logged = await server.gql(named("Log"), { id });
    expect(logged.errors).toBeUndefined();
    expect(logged.data.appendMessages).toMatchObject({ inserted: 2, duplicates: 0 });
    expect(logged.data.appendMessages.messages[0].links).toEqual([{ domain: "ci.example.com" }]);
    const [first, second] = logged.data.appendMessages.messages.map((message: { position: number }) => message.position);
    expect(second).toBe(first + 1);
    expect((await live.take(2)).map((event) => event.messageAdded)).toEqual([
      { position: first, role: "USER", content: "Why does https://ci.example.com/run/42 fail?" },
      { position: second, role: "ASSISTANT", content: "Reading the log." },
    ]);
    await live.close();

    const recent = await server.gql(named("Recent"));
    expect(recent.errors).toBeUndefined();
    expect(recent.data.conversations.totalCount).toBe(1);
    expect(recent.data.conversations.edges[0].node.messages.edges).toHaveLength(pings + 2);
    expect(recent.data.toolUsageStats).toEqual([expect.objectContaining({ toolName: "Read", status: "SUCCESS", count: 1 })]);
    const hits: { kind: string; node: Record<string, string> }[] = recent.data.search;
    expect(hits.map((hit) => hit.kind)).toContain("MEMORY");
    for (const hit of hits) expect(Object.values(hit.node).join(" "), `a ${hit.kind} hit printed as ${JSON.stringify(hit.node)}`).toMatch(/flaky test/i);
  }, 120_000);

  it("names only npm scripts, commands and files that exist", () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync("package.json", "utf8")).scripts);
    const code = [...readme.matchAll(/`([^`\n]+)`/g)].map(([, text]) => text).concat(blocks.filter((b) => b.lang === "sh").map((b) => b.body));
    const npmScripts = code.flatMap((text) => [...text.matchAll(/\bnpm (?:run (?:--silent )?)?([\w:]+)/g)].map(([, name]) => name)).filter((name) => !["install", "run", "i", "ci"].includes(name));
    expect(npmScripts.length).toBeGreaterThan(5);
    for (const name of npmScripts) expect(scripts, `npm ${name}`).toContain(name);
    const paths = code.flatMap((text) => text.match(/(?<![\w/.:-])(?:\.?[\w-]+\/)+[\w.-]*|\b[\w-]+\.(?:ts|sh|md|graphql|yaml)\b/g) ?? []);
    expect(paths).toContain("scripts/ci/postgres.sh");
    // Paths into the repository (not MIME types, not build output): their first folder is tracked.
    const tracked = new Set(execFileSync("git", ["ls-files"], { encoding: "utf8" }).split("\n").map((file) => file.split("/")[0]));
    const repoPaths = paths.filter((p) => tracked.has(p.split("/")[0]));
    expect(repoPaths.length).toBeGreaterThan(5);
    for (const file of repoPaths) expect(fs.existsSync(file), `${file} (named in the README)`).toBe(true);
  });
});

describe("README: the example client's tour", () => {
  it("runs by the README's command, with no environment, against a server on http://127.0.0.1:4000/graphql", async (context) => {
    const command = /`(npx tsx examples\/client\/demo\.ts)`/.exec(readme)?.[1];
    expect(command, "the README shows how to run the tour").toBeDefined();
    const db = await freshDatabase();
    const config = loadConfig({ NODE_ENV: "test", PORT: "4000" });
    let server;
    try {
      server = await startServer(
        { config, prisma: db.prisma, events: inProcessEvents(), authenticator: createAuthenticator(config.auth, db.prisma), embedder: createEmbedder(), logger: silentLogger },
        { host: "127.0.0.1", port: 4000 },
      );
    } catch (error) {
      await db.close();
      // Port 4000 belongs to whoever took it first on a shared machine; CI's is free.
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE" && !process.env.CI) return context.skip("port 4000 is in use here");
      throw error;
    }
    try {
      const [program, ...args] = command!.split(" ");
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(program, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (output += chunk));
        child.on("exit", (code) => resolve({ code, output }));
      });
      expect(code, output).toBe(0);
      expect(output).toContain("Threadline at http://127.0.0.1:4000/graphql");
      expect(output).toMatch(/live: #\d+ ASSISTANT/);
    } finally {
      await server.close();
      await db.close();
    }
  }, 120_000);
});
