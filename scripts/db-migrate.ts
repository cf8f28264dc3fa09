// `npm run db:deploy`: applies pending migrations without starting the server (what `npm start` does
// first). DATABASE_URL=postgres://… for a real server, else the PGlite folder THREADLINE_DATA_DIR.
import "dotenv/config";
import { databaseFromEnv, openDatabase } from "../src/db/database.ts";

const database = await openDatabase({ ...databaseFromEnv(), log: console.log });
console.log(`migrations are up to date (${database.kind} at ${database.location})`);
await database.close();
