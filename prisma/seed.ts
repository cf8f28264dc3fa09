// `npm run db:seed`: loads the demo data into the configured database (a PGlite folder or PostgreSQL).
// Safe to run again: a database that already has it is left as it is.
import "dotenv/config";
import { databaseFromEnv, openDatabase, type Database } from "../src/db/database.ts";
import { seedDemoData } from "../src/db/seed/index.ts";
import { createEmbedder, embedderNamed } from "../src/search/embedders/index.ts";

let database: Database | undefined;
let failed = false;
try {
  // The embedder the server will search with (THREADLINE_EMBEDDER), or text search misses the seeded vectors.
  const embedder = createEmbedder(embedderNamed(process.env.THREADLINE_EMBEDDER));
  database = await openDatabase({ ...databaseFromEnv(), log: console.log });
  console.log(`database: ${database.kind} at ${database.location}`);
  const { created } = await seedDemoData(database.prisma, { log: console.log, embedder });
  console.log(created ? "seed: done, demo data added" : "seed: nothing added (demo data was already there)");
} catch (error) {
  console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
  failed = true;
} finally {
  await database?.close();
}
// Set after close: PGlite's runtime resets process.exitCode when it shuts down.
if (failed) process.exit(1);
