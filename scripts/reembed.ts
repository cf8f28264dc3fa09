// `npm run embeddings:reembed -- --from <model> [--dry-run] [--batch N]`: after switching
// THREADLINE_EMBEDDER, embeds the chunks and memories made by <model> again with the configured
// embedder, so text search finds them. Stop the server first when it uses the embedded database.
// DATABASE_URL=postgres://… for a real server, else the PGlite folder THREADLINE_DATA_DIR.
import "dotenv/config";
import { parseArgs } from "node:util";
import { runScript } from "../src/db/script.ts";
import { embedderConfig } from "../src/config.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";
import { reembed } from "../src/search/reembed.ts";

const usage = "usage: npm run embeddings:reembed -- --from <model, e.g. threadline-hashing-v1> [--dry-run] [--batch 64]";
await runScript("reembed", async (open) => {
  const { values } = parseArgs({ options: { from: { type: "string" }, "dry-run": { type: "boolean" }, batch: { type: "string" } } });
  if (!values.from) throw new Error(usage);
  const batchSize = Number(values.batch ?? 64);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000) throw new Error("--batch must be a whole number from 1 to 1000");
  const embedder = createEmbedder(embedderConfig(process.env));
  const database = await open();
  console.log(`${database.kind} at ${database.location}: ${values.from} → ${embedder.model}`);
  const done = await reembed(database.prisma, embedder, { from: values.from, batchSize, dryRun: values["dry-run"], log: console.log });
  await embedder.close?.();
  console.log(`${values["dry-run"] ? "would embed" : "embedded"} ${done.chunks} chunks and ${done.memories} memories`);
});
