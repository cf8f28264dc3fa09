// The example client (examples/client, typed by codegen) run as its users run it: a separate
// process against the real server, once sending operation text and once sending only persisted ids
// to a server that accepts nothing else. Its queries, mutations, live subscription and error
// handling must all work.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.ts";

const run = promisify(execFile);

async function demo(server: TestServer, token: string, env: Record<string, string> = {}) {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/client/demo.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, THREADLINE_URL: server.url, THREADLINE_TOKEN: token, ...env },
    timeout: 60_000,
  });
  return stdout;
}

function expectTheWholeTour(output: string) {
  expect(output).toMatch(/inserted 4, duplicates 0; the conversation now holds 4/);
  expect(output).toMatch(/retried the first message: inserted 0, duplicates 1/);
  // The live subscription saw the four stored messages, in order.
  expect(output.match(/^ {2}live: #\d+ \w+/gm)).toEqual(["  live: #1 USER", "  live: #2 ASSISTANT", "  live: #3 TOOL", "  live: #4 ASSISTANT"]);
  expect(output).toMatch(/COMPLETED +active=false/);
  expect(output).toMatch(/"Fix the flaky migration test" \(\/demo\/threadline-client-\d+, session-a\): 4 messages/);
  expect(output).toMatch(/│ 'Bash' +│ 'ERROR' +│ 1 /);
  expect(output).toMatch(/ThreadlineError codes=\["BAD_USER_INPUT"\]/);
}

describe("the example client", () => {
  let open: TestServer;
  let locked: TestServer;
  let token: string;

  beforeAll(async () => {
    open = await startTestServer();
    locked = await startTestServer({ db: open.db, env: { PERSISTED_OPERATIONS: "examples/client/gql/persisted-documents.json", PERSISTED_OPERATIONS_ONLY: "1" } });
    token = await open.tokenFor("user_example_client");
  });
  afterAll(async () => {
    await locked?.close();
    await open?.close();
  });

  it("runs its whole tour sending operation text", async () => {
    expectTheWholeTour(await demo(open, token));
  }, 90_000);

  it("runs the same tour by persisted id against a server that accepts nothing else", async () => {
    expectTheWholeTour(await demo(locked, token, { THREADLINE_PERSISTED: "1" }));
  }, 90_000);
});
