// What every importer produces: conversations of messages (with tool uses and assets), in the shape
// the GraphQL API takes them, plus what was left out and why. Parsers are pure functions of a file's
// text, shared by the CLI (`npm run import`) and the `importConversations` mutation.

export type ImportRole = "USER" | "ASSISTANT" | "SYSTEM" | "FUNCTION" | "TOOL";
export type ImportToolStatus = "PENDING" | "SUCCESS" | "ERROR" | "TIMEOUT";

export interface ImportedToolUse {
  externalId?: string;
  toolName: string;
  parameters?: unknown;
  response?: unknown;
  status: ImportToolStatus;
  durationMs?: number;
  timestamp?: Date;
  metadata?: Record<string, unknown>;
}

export interface ImportedAsset {
  type: string;
  filename?: string;
  mimeType?: string;
  sizeBytes?: number;
  url?: string;
  metadata?: Record<string, unknown>;
}

export interface ImportedMessage {
  /** The source's id for the message: what makes re-importing it add nothing. */
  externalId: string;
  role: ImportRole;
  content: string;
  sender?: string;
  agentType?: string;
  agentName?: string;
  timestamp?: Date;
  toolCalls?: unknown;
  metadata?: Record<string, unknown>;
  toolUses?: ImportedToolUse[];
  assets?: ImportedAsset[];
  /** Links the source recorded besides those in the text. */
  links?: string[];
}

export interface ImportedConversation {
  externalId: string;
  title?: string;
  sessionId?: string;
  projectPath?: string;
  startedAt?: Date;
  endedAt?: Date;
  metadata?: Record<string, unknown>;
  messages: ImportedMessage[];
}

export interface ParseResult {
  conversations: ImportedConversation[];
  /** Reason → how many records of the source were left out for it. */
  skipped: Record<string, number>;
}

/** A file that is not what its format expects: refused whole, before anything is written. */
export class ImportFormatError extends Error {
  /** For uploads, `extensions.reason` of the BAD_USER_INPUT error (docs/API.md): what kind of file it was. */
  constructor(
    message: string,
    readonly reason: "INVALID_FILE" | "NOT_SQLITE" | "WRONG_SCHEMA" | "TOO_MANY_MESSAGES" = "INVALID_FILE",
  ) {
    super(message);
    this.name = "ImportFormatError";
  }
}

export function skip(skipped: Record<string, number>, reason: string, count = 1) {
  skipped[reason] = (skipped[reason] ?? 0) + count;
}

/** Refuses what is not text: a NUL byte or invalid UTF-8 means a binary file. */
export function textOf(bytes: Uint8Array, name: string): string {
  if (bytes.includes(0)) throw new ImportFormatError(`${name} is a binary file, not a text export`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new ImportFormatError(`${name} is not UTF-8 text`);
  }
}

export function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ImportFormatError(`${name} is not valid JSON (${(error as Error).message}); was the file cut short?`);
  }
}

/** A date from an ISO string or epoch seconds; undefined when absent or unreadable. */
export function dateOf(value: unknown): Date | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function spanOf(messages: readonly ImportedMessage[]) {
  const times = messages.flatMap((m) => (m.timestamp ? [m.timestamp.getTime()] : []));
  return times.length ? { first: new Date(Math.min(...times)), last: new Date(Math.max(...times)) } : {};
}

export const firstLine = (text: string, max = 80) => {
  const line = text.trim().split("\n")[0].trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};
