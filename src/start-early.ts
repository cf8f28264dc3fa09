// The first module `npm start` evaluates (main.ts imports it first): with no DATABASE_URL, the embedded
// database starts booting in its thread now, while the rest of the server's code loads (db/embedded.ts).
// The environment is read as config.ts reads it, after .env; a configuration error is still reported
// by serve.ts, which then gives the folder back.
import v8 from "node:v8";
import "dotenv/config";
import { DEFAULT_DATA_DIR, startEmbeddedEarly } from "./db/embedded.ts";

// V8 optimises a WebAssembly function once it has run for a while ("tiering budget"). Booting the
// embedded PostgreSQL runs thousands of functions a few times each, and optimising them at the default
// budget cost ~0.5 s of CPU on a warm start (docs/BENCHMARKS.md). Start-up raises the budget tenfold
// (for every thread: V8's flags are the process's); once the server answers, serve.ts restores V8's
// default (a function already running under the raised budget returns to the default at its next
// tier-up check, within seconds under load).
export const WASM_TIERING_BUDGET = 1_800_000; // V8's default (Node 20–24)
v8.setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET * 10}`);

if (!process.env.DATABASE_URL) startEmbeddedEarly(process.env.THREADLINE_DATA_DIR || DEFAULT_DATA_DIR);
