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
