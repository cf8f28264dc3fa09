// npm run import -- <format> <files or folders…> [--batch-size N] [--fresh] [--state FILE]
// Sends to a running server: THREADLINE_URL (default http://127.0.0.1:4000/graphql) and
// THREADLINE_TOKEN (a JWT or an API key; none in local mode). Progress on stderr, summary on stdout.
import { parseArgs } from "node:util";
import { SingleBar } from "cli-progress";
import { FORMATS, formatSummary, runImport } from "./run.ts";
import { targetFromEnv, GraphQLRequestError } from "./client.ts";
import { ImportFormatError } from "./model.ts";

const USAGE = `usage: npm run import -- <${FORMATS.join("|")}> <files or folders…> [--batch-size 500] [--fresh] [--state .threadline-import-state.json] [--memory-stats]`;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "batch-size": { type: "string" },
      fresh: { type: "boolean" },
      state: { type: "string" },
      help: { type: "boolean" },
      "memory-stats": { type: "boolean" },
    },
  });
  const [format, ...paths] = positionals;
  if (values.help || !format || paths.length === 0) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const batchSize = values["batch-size"] ? Number(values["batch-size"]) : 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    console.error("--batch-size must be a whole number from 1 to 1000");
    process.exit(2);
  }
  const bar = new SingleBar({ stream: process.stderr, format: "importing [{bar}] {percentage}% | {value}/{total} messages | {eta_formatted} left", noTTYOutput: false, hideCursor: true });
  let started = false;
  // --memory-stats: the most heap the import held live (after a collection, when node runs with --expose-gc), sampled after each batch.
  let peakHeap = 0;
  const sampleMemory = () => {
    (globalThis as { gc?: () => void }).gc?.();
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  try {
    const summary = await runImport({
      format,
      paths,
      target: targetFromEnv(),
      batchSize,
      fresh: values.fresh,
      stateFile: values.state ?? ".threadline-import-state.json",
      onProgress: (sent, total) => {
        if (!started) {
          bar.start(total, sent);
          started = true;
        } else bar.update(sent);
      },
      onMemory: values["memory-stats"] ? sampleMemory : undefined,
    });
    bar.stop();
    console.log(formatSummary(summary));
    if (values["memory-stats"]) {
      sampleMemory();
      console.error(`peak heap used: ${peakHeap} bytes`);
    }
  } catch (error) {
    if (started) bar.stop();
    if (error instanceof ImportFormatError || error instanceof GraphQLRequestError) {
      console.error(`import: ${error.message}`);
      if (error instanceof GraphQLRequestError) console.error("Run the same command again to resume: finished batches are not sent twice.");
      process.exit(1);
    }
    throw error;
  }
}

await main();
