// schema.graphql is what clients and codegen read, so it must match the schema the server runs.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE, renderSchemaFile } from "../scripts/print-schema.ts";

describe("schema.graphql", () => {
  it("matches the printed Pothos schema (run `npm run schema:print` if this fails)", async () => {
    const committed = await readFile(SCHEMA_FILE, "utf8").catch(() => "");
    expect(committed, "schema.graphql is missing or stale: run `npm run schema:print` and commit it").toBe(renderSchemaFile());
  });
});

describe("GraphiQL's welcome document", () => {
  it("is valid against the schema, so a new user's first run works", async () => {
    const { parse, validate } = await import("graphql");
    const { schema } = await import("../src/schema/index.ts");
    const { GRAPHIQL_WELCOME } = await import("../src/server.ts");
    // The commented subscription too, uncommented as a user would.
    const document = parse(GRAPHIQL_WELCOME.replace(/^# (subscription Live \{|  messageAdded|\})/gm, "$1"));
    expect(validate(schema, document).map((error) => error.message)).toEqual([]);
    expect(document.definitions).toHaveLength(2);
  });

  it("comes with an Authorization header to fill in when authentication is on, and none in local mode", async () => {
    const { startTestServer } = await import("./support/server.ts");
    for (const [auth, expected] of [["jwt", true], ["local", false]] as const) {
      const server = await startTestServer({ auth });
      try {
        const page = await (await fetch(server.url, { headers: { accept: "text/html" } })).text();
        expect(page.includes("Bearer <token or tl_ API key>"), auth).toBe(expected);
        expect(page).toContain("query Overview");
      } finally {
        await server.close();
      }
    }
    // Two servers started inside the test: give it a hook's time, not a query's, on a loaded machine.
  }, 120_000);
});
