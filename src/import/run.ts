// The import command's work, callable from tests: find the files, parse each whole (a bad file is
// refused before anything is sent), then send each conversation in batches through the GraphQL API
// (importConversation), recording finished batches in a state file so an interrupted run resumes.
import fs from "node:fs";
import path from "node:path";
import { ImportFormatError, type ImportedConversation, type ParseResult } from "./model.ts";
import { TEXT_FORMATS, isTextFormat, parseText } from "./formats/index.ts";
import { request, type ServerTarget } from "./client.ts";
import { scanThreadline, sendThreadline, type ThreadlineScan } from "./threadline.ts";
import { readSqlite, type SqliteImport } from "./sqlite.ts";
import { claudeCodeBatches, scanClaudeCode, type Batch, type ClaudeCodeScan } from "./claude-code-stream.ts";

export const FORMATS = [...Object.keys(TEXT_FORMATS), "sqlite", "threadline"] as const;
const EXTENSIONS: Record<string, readonly string[]> = { threadline: [".jsonl"], sqlite: [".db", ".sqlite", ".sqlite3"] };

export interface ImportOptions {
  format: string;
  paths: string[];
  target: ServerTarget;
  batchSize?: number;
  /** Where finished batches are recorded (resume); undefined: no state kept. */
  stateFile?: string;
  /** Ignore the state file: send everything again (the server still adds nothing it holds). */
  fresh?: boolean;
  /** Progress, for a progress bar: messages sent so far of the total. */
  onProgress?: (sent: number, total: number) => void;
  /** Called after each batch is sent (streamed formats): where a caller samples memory use. */
  onMemory?: () => void;
}

export interface ImportSummary {
  files: number;
  conversations: number;
  created: number;
  messages: number;
  duplicates: number;
  resumed: number;
  toolUses: number;
  /** Actions, previews and memories (threadline exports): stored, and already there. */
  records?: { stored: number; alreadyThere: number };
  /** Per kind of record besides conversations and messages (sqlite): stored, and already there. */
  kinds?: Record<string, { stored: number; alreadyThere: number }>;
  skipped: Record<string, number>;
}

const IMPORT = `mutation Import($input: ConversationImportInput!) {
  importConversation(input: $input) { created inserted duplicates toolUses }
}`;

/** The files a path names: itself, or the format's files anywhere under a folder (sorted). */
export function filesFor(format: string, paths: readonly string[]): string[] {
  if (!isTextFormat(format) && !EXTENSIONS[format]) throw new ImportFormatError(`Unknown format "${format}"; known: ${FORMATS.join(", ")}`);
  const extensions: readonly string[] = isTextFormat(format) ? TEXT_FORMATS[format].extensions : EXTENSIONS[format];
  const found: string[] = [];
  const walk = (entry: string) => {
    const stat = fs.statSync(entry, { throwIfNoEntry: false });
    if (!stat) throw new ImportFormatError(`${entry} does not exist`);
    if (stat.isDirectory()) {
      for (const child of fs.readdirSync(entry).sort()) {
        const full = path.join(entry, child);
        if (fs.statSync(full).isDirectory() || extensions.some((extension) => child.toLowerCase().endsWith(extension))) walk(full);
      }
    } else found.push(entry);
  };
  for (const entry of paths) walk(entry);
  return found;
}

type State = Record<string, number>;

function loadState(file: string | undefined, fresh: boolean): State {
  if (!file || fresh || !fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as State;
  } catch {
    return {};
  }
}

const wire = (conversation: ImportedConversation) => ({
  externalId: conversation.externalId,
  title: conversation.title,
  sessionId: conversation.sessionId,
  projectPath: conversation.projectPath,
  startedAt: conversation.startedAt,
  endedAt: conversation.endedAt,
  metadata: conversation.metadata,
});

export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const { format } = options;
  const files = filesFor(format, options.paths);
  if (files.length === 0) throw new ImportFormatError(`no ${format} files under ${options.paths.join(", ")}`);
  if (format === "threadline") return importThreadline(files, options);
  if (format === "sqlite") return importSqlite(files, options);
  if (format === "claude-code") return importClaudeCode(files, options);
  // Every file parses whole before anything is sent: a bad one is refused, nothing half-written.
  const parsed: ParseResult[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      parsed.push(parseText(format, fs.readFileSync(file), file));
    } catch (error) {
      if (error instanceof ImportFormatError) problems.push(error.message);
      else throw error;
    }
  }
  if (problems.length) throw new ImportFormatError(`nothing was imported:\n  ${problems.join("\n  ")}`);

  const summary: ImportSummary = { files: files.length, conversations: 0, created: 0, messages: 0, duplicates: 0, resumed: 0, toolUses: 0, skipped: {} };
  for (const result of parsed) addSkipped(summary, result.skipped);
  await sendConversations(parsed.flatMap((result) => result.conversations), summary, options);
  return summary;
}

function addSkipped(summary: ImportSummary, skipped: Record<string, number>) {
  for (const [reason, count] of Object.entries(skipped)) summary.skipped[reason] = (summary.skipped[reason] ?? 0) + count;
}

/** Each conversation in batches of its messages (a conversation without any: one empty batch, which creates it). */
function* batchesOf(conversations: ImportedConversation[], size: number): Generator<Batch> {
  for (const conversation of conversations) {
    for (let b = 0; b === 0 || b * size < conversation.messages.length; b++) yield { conversation, messages: conversation.messages.slice(b * size, (b + 1) * size) };
  }
}

async function sendConversations(conversations: ImportedConversation[], summary: ImportSummary, options: ImportOptions) {
  const total = conversations.reduce((sum, c) => sum + Math.max(1, c.messages.length), 0);
  await sendBatches(batchesOf(conversations, options.batchSize ?? 500), total, summary, options);
}

/**
 * Sends batches through importConversation, recording in the state file how many messages of each
 * conversation are done, so a run after an interruption skips what an earlier one sent.
 */
async function sendBatches(batches: Iterable<Batch> | AsyncIterable<Batch>, total: number, summary: ImportSummary, options: ImportOptions) {
  const { target, stateFile, fresh = false, onProgress } = options;
  const state = loadState(stateFile, fresh);
  const save = () => stateFile && fs.writeFileSync(stateFile, JSON.stringify(state));
  const seen = new Map<string, number>();
  let sent = 0;
  onProgress?.(0, total);
  for await (const { conversation, messages } of batches) {
    const key = `${target.url} ${conversation.externalId}`;
    if (!seen.has(key)) summary.conversations++;
    const end = (seen.get(key) ?? 0) + messages.length;
    seen.set(key, end);
    const done = state[key] ?? 0;
    if (end <= done && done > 0) {
      summary.resumed += messages.length;
    } else {
      const { importConversation: r } = await request(target, IMPORT, { input: { ...wire(conversation), messages } });
      summary.created += r.created;
      summary.messages += r.inserted;
      summary.duplicates += r.duplicates;
      summary.toolUses += r.toolUses;
      state[key] = end;
      save();
    }
    sent += Math.max(1, messages.length);
    onProgress?.(sent, total);
    options.onMemory?.();
  }
}

/**
 * Claude Code logs, streamed: a first pass over every file checks each line (a bad file anywhere:
 * nothing is sent), a second pass per file sends its messages in batches as it reads them.
 */
async function importClaudeCode(files: string[], options: ImportOptions): Promise<ImportSummary> {
  const scans: ClaudeCodeScan[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      scans.push(await scanClaudeCode(file));
    } catch (error) {
      if (error instanceof ImportFormatError) problems.push(error.message);
      else throw error;
    }
  }
  if (problems.length) throw new ImportFormatError(`nothing was imported:\n  ${problems.join("\n  ")}`);
  const summary: ImportSummary = { files: files.length, conversations: 0, created: 0, messages: 0, duplicates: 0, resumed: 0, toolUses: 0, skipped: {} };
  const total = scans.reduce((sum, scan) => sum + [...scan.sessions.values()].reduce((n, s) => n + s.messages, 0), 0);
  const size = options.batchSize ?? 500;
  async function* all() {
    for (const scan of scans) yield* claudeCodeBatches(scan, size, summary.skipped);
  }
  await sendBatches(all(), total, summary, options);
  return summary;
}

const RECORDS = `mutation Records($input: MemoryRecordsImportInput!) {
  importMemoryRecords(input: $input) {
    memories { stored alreadyThere } moodScores { stored alreadyThere } turningPoints { stored alreadyThere }
    clusters { stored alreadyThere } clusterMembers { stored alreadyThere }
  }
}`;

/** The emotional-memory system's SQLite files: the chat's messages first, then memories (with what was recorded about each), then clusters. */
async function importSqlite(files: string[], options: ImportOptions): Promise<ImportSummary> {
  const read: SqliteImport[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      read.push(await readSqlite(fs.readFileSync(file), file));
    } catch (error) {
      if (error instanceof ImportFormatError) problems.push(error.message);
      else throw error;
    }
  }
  if (problems.length) throw new ImportFormatError(`nothing was imported:\n  ${problems.join("\n  ")}`);
  const summary: ImportSummary = { files: files.length, conversations: 0, created: 0, messages: 0, duplicates: 0, resumed: 0, toolUses: 0, kinds: {}, skipped: {} };
  for (const file of read) addSkipped(summary, file.skipped);
  await sendConversations(
    read.map((file) => file.conversation),
    summary,
    options,
  );
  const add = (counts: Record<string, { stored: number; alreadyThere: number }>) => {
    for (const [kind, count] of Object.entries(counts)) {
      const total = (summary.kinds![kind] ??= { stored: 0, alreadyThere: 0 });
      total.stored += count.stored;
      total.alreadyThere += count.alreadyThere;
    }
  };
  for (const { records } of read) {
    const { conversationExternalId } = records;
    // 100 memories a call: each brings its satellite records (mood scores, validation results, …) along.
    for (let b = 0; b * 100 < records.memories.length; b++) {
      const memories = records.memories.slice(b * 100, (b + 1) * 100);
      add((await request(options.target, RECORDS, { input: { conversationExternalId, memories } })).importMemoryRecords);
    }
    for (let b = 0; b * 50 < records.clusters.length; b++) {
      const clusters = records.clusters.slice(b * 50, (b + 1) * 50);
      add((await request(options.target, RECORDS, { input: { conversationExternalId, clusters } })).importMemoryRecords);
    }
  }
  return summary;
}

export function formatSummary(s: ImportSummary): string {
  const lines = [
    `files          ${s.files}`,
    `conversations  ${s.conversations} (${s.created} new)`,
    `messages       ${s.messages} imported, ${s.duplicates} already there${s.resumed ? `, ${s.resumed} skipped as sent by an earlier run` : ""}`,
    `tool uses      ${s.toolUses}`,
    ...(s.records ? [`other records  ${s.records.stored} imported (actions, previews, memories), ${s.records.alreadyThere} already there`] : []),
    ...Object.entries(s.kinds ?? {}).map(([kind, c]) => `${kind.replace(/[A-Z]/g, (l) => ` ${l.toLowerCase()}`).padEnd(15)}${c.stored} imported, ${c.alreadyThere} already there`),
  ];
  const skipped = Object.entries(s.skipped);
  lines.push(`skipped        ${skipped.length ? "" : "nothing"}`);
  for (const [reason, count] of skipped) lines.push(`  ${String(count).padStart(6)}  ${reason}`);
  return lines.join("\n");
}

/** Threadline exports, streamed: a checking pass over every file (a bad one anywhere: nothing is sent), then a sending pass per file. */
async function importThreadline(files: string[], { target, batchSize = 500, onProgress, onMemory }: ImportOptions): Promise<ImportSummary> {
  const scans: ThreadlineScan[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      scans.push(await scanThreadline(file));
    } catch (error) {
      if (error instanceof ImportFormatError) problems.push(error.message);
      else throw error;
    }
  }
  if (problems.length) throw new ImportFormatError(`nothing was imported:\n  ${problems.join("\n  ")}`);
  const summary: ImportSummary = { files: files.length, conversations: 0, created: 0, messages: 0, duplicates: 0, resumed: 0, toolUses: 0, records: { stored: 0, alreadyThere: 0 }, skipped: {} };
  const total = scans.reduce((sum, scan) => sum + scan.messages, 0);
  let sent = 0;
  onProgress?.(0, total);
  for (const scan of scans) {
    const counts = await sendThreadline(target, scan, batchSize, (n) => {
      onProgress?.((sent += n), total);
      onMemory?.();
    });
    summary.conversations += counts.conversations;
    summary.created += counts.created;
    summary.messages += counts.messages;
    summary.duplicates += counts.duplicates;
    summary.toolUses += counts.toolUses;
    summary.records!.stored += counts.others;
    summary.records!.alreadyThere += counts.otherDuplicates;
  }
  return summary;
}
