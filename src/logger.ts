// A small leveled logger: one line per event, timestamped, to stderr.
import type { Config } from "./config.ts";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type Level = keyof typeof LEVELS;

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export function createLogger(level: Config["logLevel"] = "info", write = (line: string) => process.stderr.write(line + "\n")): Logger {
  const at = (l: Level) => (message: string, error?: unknown) => {
    if (LEVELS[l] < LEVELS[level]) return;
    const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : error ? ` ${String(error)}` : "";
    write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${message}${detail}`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A connection URL fit for logs and error messages: its password, if any, replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparseable URL)";
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
