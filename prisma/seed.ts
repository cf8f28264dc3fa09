// `npm run db:seed`: loads the demo data into the configured database (a PGlite folder or PostgreSQL).
// Safe to run again: a database that already has it is left as it is.
import "dotenv/config";
import { runScript } from "../src/db/script.ts";
import { seedDemoData } from "../src/db/seed/index.ts";
import { embedderConfig } from "../src/config.ts";
import { createEmbedder } from "../src/search/embedders/index.ts";

await runScript("seed", async (open) => {
  // The embedder the server will search with (THREADLINE_EMBEDDER), or text search misses the seeded vectors.
  const embedder = createEmbedder(embedderConfig(process.env));
  const database = await open();
  console.log(`database: ${database.kind} at ${database.location}`);
  const { created } = await seedDemoData(database.prisma, { log: console.log, embedder });
  await embedder.close?.();
  console.log(created ? "seed: done, demo data added" : "seed: nothing added (demo data was already there)");
});
