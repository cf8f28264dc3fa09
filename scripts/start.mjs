// `npm start`: bundle src/ into dist/ if a source changed (scripts/build.mjs; milliseconds when nothing
// did), then run the server in this same process. One node process from npm's point of view: the
// script line `exec`s node, so SIGTERM/SIGINT reach the server directly, and a warm start pays for one
// Node start-up instead of two (a separate prestart step cost ~0.15 s).
import { build } from "./build.mjs";

await build();
// What `node --enable-source-maps` does: stack traces in logs point into src/, not into the bundle.
process.setSourceMapsEnabled(true);
await import("../dist/main.js");
