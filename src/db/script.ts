// The frame of a command-line script over the database the environment names (as `npm start`
// finds it): a failure prints "<name> failed: <reason>" and exits 1, and the database is closed
// either way. `open` is called by the script once its arguments are checked.
import { databaseFromEnv, openDatabase, type Database } from "./database.ts";

export async function runScript(name: string, body: (open: () => Promise<Database>) => Promise<void>): Promise<void> {
  let database: Database | undefined;
  let failed = false;
  try {
    await body(async () => (database = await openDatabase({ ...databaseFromEnv(), log: console.log })));
  } catch (error) {
    console.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    failed = true;
  } finally {
    await database?.close();
  }
  // Exit after close: PGlite's runtime resets process.exitCode when it shuts down.
  if (failed) process.exit(1);
}
