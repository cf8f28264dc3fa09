// npm run export [-- --out FILE]: the token's user's whole data as JSONL (stdout by default), for
// `npm run import -- threadline FILE` into another server. THREADLINE_URL and THREADLINE_TOKEN as for import.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { targetFromEnv, GraphQLRequestError } from "./client.ts";
import { runExport } from "./threadline.ts";

const { values } = parseArgs({ options: { out: { type: "string" } } });
const out = values.out ? fs.openSync(values.out, "w") : 1;
try {
  const count = await runExport(targetFromEnv(), (line) => fs.writeSync(out, line + "\n"));
  console.error(`exported ${count} records${values.out ? ` to ${values.out}` : ""}`);
} catch (error) {
  if (!(error instanceof GraphQLRequestError)) throw error;
  console.error(`export: ${error.message}`);
  process.exit(1);
} finally {
  if (values.out) fs.closeSync(out);
}
