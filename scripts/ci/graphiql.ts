// GraphiQL in a real browser (Debian's Chromium through playwright-core), with every request that
// leaves 127.0.0.1 blocked: the page must load, run a query, and stream a subscription over WebSocket.
// usage: npx tsx scripts/ci/graphiql.ts [screenshot-dir]     (needs /usr/bin/chromium)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Page } from "playwright-core";
import { ok, startTestServer } from "../../test/support/server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const shots = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), "threadline-graphiql-"));
fs.mkdirSync(shots, { recursive: true });

const server = await startTestServer({ auth: "local" });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "threadline-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const leftLoopback: string[] = [];
let failed = false;
const check = (what: string, pass: boolean, detail = "") => {
  console.log(`${pass ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
  if (!pass) failed = true;
};

async function run(page: Page, query: string) {
  await page.goto(`${server.url}?query=${encodeURIComponent(query)}`);
  await page.waitForSelector(".graphiql-execute-button", { timeout: 30_000 });
  await page.click(".graphiql-execute-button");
}

try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    leftLoopback.push(url.href);
    return route.abort();
  });

  await run(page, "{ viewer { externalId name } }");
  const response = page.locator(".graphiql-response");
  const answered = await response.getByText("Local User").waitFor({ timeout: 15_000 }).then(() => true, () => false);
  await page.screenshot({ path: path.join(shots, "graphiql-query.png") });
  check("GraphiQL runs a query", answered && /"externalId":\s*"local"/.test((await response.innerText()).replace(/\u00a0/g, " ")));

  const { id } = ok(await server.gql(`mutation { createConversation(input: { title: "live" }) { id } }`)).createConversation;
  await run(page, `subscription { messageAdded(conversationId: "${id}") { position content } }`);
  // Append until the subscription (started by the click) delivers: no fixed sleeps.
  let streamed = false;
  for (let i = 1; i <= 20 && !streamed; i++) {
    ok(await server.gql(`mutation($id: ID!, $c: String!) { appendMessages(conversationId: $id, messages: [{ role: USER, content: $c }]) { inserted } }`, { id, c: `hello from the browser test ${i}` }));
    streamed = await response.getByText("hello from the browser test").first().waitFor({ timeout: 1_000 }).then(() => true, () => false);
  }
  await page.screenshot({ path: path.join(shots, "graphiql-subscription.png") });
  check("GraphiQL streams a subscription over WebSocket", streamed);
  check("nothing was loaded from outside 127.0.0.1", leftLoopback.length === 0, leftLoopback.join(", "));
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(`screenshots: ${shots}`);
process.exit(failed ? 1 : 0);
