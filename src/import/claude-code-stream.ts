// Claude Code session logs of any size, in two streaming passes over the file (memory holds a batch,
// not the file). The first pass checks every line and learns what the first batch must carry (the
// session's title and time span) and which tool calls will get a result; nothing is sent unless it
// passes. The second pass turns lines into messages, exactly as the whole-file parser does, and hands
// them out in batches, holding a message back only until the results of its tool calls arrive.
import { linesOf } from "./lines.ts";
import type { ImportedConversation, ImportedMessage, ImportedToolUse } from "./model.ts";
import { NO_TURNS, isTurn, lineOf, sessionConversation, sessionTitle, turnOf, type ToolLedger } from "./formats/claude-code.ts";

export interface ClaudeCodeScan {
  file: string;
  /** Each session's conversation (title, span, project), without messages, and how many messages it has. */
  sessions: Map<string, { conversation: ImportedConversation; messages: number }>;
  /** Tool calls a result will come for. */
  resolved: Set<string>;
}

/** First pass: remembers tool call ids (not the calls), and marks those a result comes for. */
class ScanLedger implements ToolLedger {
  readonly called = new Set<string>();
  readonly resolved = new Set<string>();
  call(id: string) {
    this.called.add(id);
  }
  result(id: string) {
    if (!this.called.has(id)) return undefined;
    this.resolved.add(id);
    return { use: {} as ImportedToolUse };
  }
}

/** Second pass: keeps only the calls a result will come for, until their message is sent. */
class WaitingLedger implements ToolLedger {
  readonly waiting = new Map<string, { use: ImportedToolUse; at?: Date }>();
  constructor(private readonly resolved: Set<string>) {}
  call(id: string, use: ImportedToolUse, at: Date | undefined) {
    if (this.resolved.has(id)) this.waiting.set(id, { use, at });
  }
  result(id: string) {
    return this.waiting.get(id);
  }
}

export async function scanClaudeCode(file: string): Promise<ClaudeCodeScan> {
  const ledger = new ScanLedger();
  const summaries = new Map<string, string>();
  const leafSession = new Map<string, string>();
  const sessions = new Map<string, { conversation: ImportedConversation; messages: number; firstUser?: string; first?: number; last?: number }>();
  let seenAny = false;
  let turns = false;
  for await (const { text, index, last } of linesOf(file)) {
    const line = lineOf(text, index, last, seenAny, file, {});
    if (!line) continue;
    seenAny = true;
    turns ||= isTurn(line);
    const turn = turnOf(line, file, ledger, {}, summaries);
    if (!turn) continue;
    let session = sessions.get(turn.sessionId);
    if (!session) sessions.set(turn.sessionId, (session = { conversation: sessionConversation(turn.sessionId, turn.cwd), messages: 0 }));
    session.messages++;
    const at = turn.message.timestamp?.getTime();
    if (at !== undefined) {
      session.first = Math.min(session.first ?? at, at);
      session.last = Math.max(session.last ?? at, at);
    }
    if (session.firstUser === undefined && turn.message.role === "USER" && turn.message.content) session.firstUser = turn.message.content;
    // A summary names the last turn of what it summarises; it is written before that turn is read again.
    if (summaries.has(turn.message.externalId)) leafSession.set(turn.message.externalId, turn.sessionId);
  }
  if (!turns) throw NO_TURNS(file);
  for (const [leaf, summary] of summaries) {
    const id = leafSession.get(leaf) ?? (sessions.size === 1 ? [...sessions.keys()][0] : undefined);
    const session = id === undefined ? undefined : sessions.get(id);
    if (session && !session.conversation.title) session.conversation.title = summary;
  }
  for (const [id, session] of sessions) {
    session.conversation.startedAt = session.first === undefined ? undefined : new Date(session.first);
    session.conversation.endedAt = session.last === undefined ? undefined : new Date(session.last);
    session.conversation.title ??= sessionTitle(id, session.firstUser);
  }
  return { file, sessions: new Map([...sessions].map(([id, s]) => [id, { conversation: s.conversation, messages: s.messages }])), resolved: ledger.resolved };
}

export interface Batch {
  conversation: ImportedConversation;
  messages: ImportedMessage[];
}

/** Second pass: the messages in batches of at most `size`, in file order per session; `skipped` is filled as lines are read. */
export async function* claudeCodeBatches(scan: ClaudeCodeScan, size: number, skipped: Record<string, number>): AsyncGenerator<Batch> {
  const ledger = new WaitingLedger(scan.resolved);
  const summaries = new Map<string, string>();
  const outboxes = new Map<string, ImportedMessage[]>();
  const ready = (message: ImportedMessage) => (message.toolUses ?? []).every((use) => !use.externalId || !scan.resolved.has(use.externalId) || use.status !== "PENDING");
  const sent = (messages: ImportedMessage[]) => {
    for (const message of messages) for (const use of message.toolUses ?? []) if (use.externalId) ledger.waiting.delete(use.externalId);
    return messages;
  };
  let seenAny = false;
  for await (const { text, index, last } of linesOf(scan.file)) {
    const line = lineOf(text, index, last, seenAny, scan.file, skipped);
    if (!line) continue;
    seenAny = true;
    const turn = turnOf(line, scan.file, ledger, skipped, summaries);
    if (turn) {
      const outbox = outboxes.get(turn.sessionId);
      if (outbox) outbox.push(turn.message);
      else outboxes.set(turn.sessionId, [turn.message]);
    }
    for (const [id, outbox] of outboxes) {
      while (outbox.length >= size) {
        const waiting = outbox.findIndex((message) => !ready(message));
        if (waiting !== -1 && waiting < size) break;
        yield { conversation: scan.sessions.get(id)!.conversation, messages: sent(outbox.splice(0, size)) };
      }
    }
  }
  for (const [id, outbox] of outboxes) {
    while (outbox.length) yield { conversation: scan.sessions.get(id)!.conversation, messages: sent(outbox.splice(0, size)) };
  }
}
