// Claude Code session logs: ~/.claude/projects/<project>/<session>.jsonl, one JSON object a line.
// user/assistant lines become messages (externalId: the line's uuid); an assistant's tool_use blocks
// become tool uses, completed by the tool_result that a later user line carries (response, ERROR when
// is_error, duration from the two timestamps). Lines that only carry tool results are folded into the
// tool uses, not stored as messages. Sidechain (sub-agent) lines are kept and marked.
import { ImportFormatError, dateOf, firstLine, skip, spanOf, type ImportedConversation, type ImportedMessage, type ImportedToolUse, type ParseResult } from "../model.ts";

interface Block {
  type?: string;
  text?: string;
  thinking?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

export interface Line {
  type?: string;
  uuid?: string;
  parentUuid?: string | null;
  sessionId?: string;
  cwd?: string;
  gitBranch?: string;
  version?: string;
  isSidechain?: boolean;
  isMeta?: boolean;
  timestamp?: string;
  summary?: string;
  leafUuid?: string;
  message?: { role?: string; model?: string; id?: string; content?: string | Block[] };
}

const resultText = (content: unknown): unknown => {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    const texts = content.map((part: Block) => (part?.type === "text" ? part.text : undefined));
    if (texts.every((text) => typeof text === "string")) return texts.join("\n");
  }
  return content;
};

/** Where tool calls wait for their results: all of them (a whole file), or only those a result will come for (streaming). */
export interface ToolLedger {
  call(id: string, use: ImportedToolUse, at: Date | undefined): void;
  result(id: string): { use: ImportedToolUse; at?: Date } | undefined;
}

export class AllCalls implements ToolLedger {
  private readonly calls = new Map<string, { use: ImportedToolUse; at?: Date }>();
  call(id: string, use: ImportedToolUse, at: Date | undefined) {
    this.calls.set(id, { use, at });
  }
  result(id: string) {
    return this.calls.get(id);
  }
}

/** One line of a session log as JSON; an unfinished last line is skipped, anything else that is not JSON refused. */
export function lineOf(raw: string, index: number, last: boolean, seenAny: boolean, name: string, skipped: Record<string, number>): Line | undefined {
  if (!raw.trim()) return undefined;
  try {
    return JSON.parse(raw) as Line;
  } catch {
    // The last line of a session still being written may be cut short; anything else is not a session log.
    if (last && seenAny) {
      skip(skipped, "an unfinished last line");
      return undefined;
    }
    throw new ImportFormatError(`${name}:${index + 1} is not JSON: not a Claude Code session log (.jsonl)`);
  }
}

export const isTurn = (line: Line | undefined) => !!line && (line.type === "user" || line.type === "assistant") && !!line.message;

export interface Turn {
  sessionId: string;
  cwd?: string;
  message: ImportedMessage;
}

/** A line as a message of its session (undefined for summaries and lines that carry no turn). */
export function turnOf(line: Line, name: string, ledger: ToolLedger, skipped: Record<string, number>, summaries: Map<string, string>): Turn | undefined {
  if (line.type === "summary") {
    if (line.summary && line.summary.trim()) summaries.set(line.leafUuid ?? "", line.summary);
    return undefined;
  }
  if ((line.type !== "user" && line.type !== "assistant") || !line.message || !line.uuid) {
    skip(skipped, `${line.type ?? "untyped"} lines (not a turn)`);
    return undefined;
  }
  const sessionId = line.sessionId ?? name.replace(/^.*\//, "").replace(/\.jsonl$/, "");
  const at = dateOf(line.timestamp);
  const content = line.message.content;
  const blocks: Block[] = typeof content === "string" ? [{ type: "text", text: content }] : Array.isArray(content) ? content : [];
  const texts: string[] = [];
  const uses: ImportedToolUse[] = [];
  let results = 0;
  for (const block of blocks) {
    if (block.type === "text" && typeof block.text === "string") texts.push(block.text);
    else if (block.type === "tool_use" && block.name) {
      const use: ImportedToolUse = { externalId: block.id, toolName: block.name, parameters: block.input ?? null, status: "PENDING", timestamp: at };
      uses.push(use);
      if (block.id) ledger.call(block.id, use, at);
    } else if (block.type === "tool_result" && block.tool_use_id) {
      results++;
      const call = ledger.result(block.tool_use_id);
      if (!call) {
        skip(skipped, "tool results without their tool_use");
        continue;
      }
      call.use.response = resultText(block.content) ?? null;
      call.use.status = block.is_error ? "ERROR" : "SUCCESS";
      if (call.at && at) call.use.durationMs = Math.max(0, at.getTime() - call.at.getTime());
    } else if (block.type === "thinking") skip(skipped, "thinking blocks");
    else if (block.type === "image") texts.push("<image>");
    else skip(skipped, `${block.type ?? "untyped"} content blocks`);
  }
  if (texts.length === 0 && uses.length === 0) {
    if (results === 0) skip(skipped, "turns with no text or tool call");
    return undefined;
  }
  return {
    sessionId,
    cwd: line.cwd,
    message: {
      externalId: line.uuid,
      role: line.isMeta ? "SYSTEM" : line.type === "user" ? "USER" : "ASSISTANT",
      content: texts.join("\n\n"),
      timestamp: at,
      agentName: line.message.model,
      agentType: line.isSidechain ? "sidechain" : undefined,
      toolCalls: uses.length ? blocks.filter((block) => block.type === "tool_use") : undefined,
      toolUses: uses,
      metadata: {
        ...(line.parentUuid ? { parentUuid: line.parentUuid } : {}),
        ...(line.isSidechain ? { isSidechain: true } : {}),
        ...(line.gitBranch ? { gitBranch: line.gitBranch } : {}),
        ...(line.message.id ? { apiMessageId: line.message.id } : {}),
        ...(line.version ? { claudeCodeVersion: line.version } : {}),
      },
    },
  };
}

export const NO_TURNS = (name: string) => new ImportFormatError(`${name} has no user or assistant lines: not a Claude Code session log`);

/** The conversation a session becomes (without its messages): what the first batch sends. */
export function sessionConversation(sessionId: string, cwd: string | undefined): ImportedConversation {
  return { externalId: `claude-code:${sessionId}`, sessionId, projectPath: cwd, messages: [], metadata: { source: "claude-code" } };
}

export const sessionTitle = (sessionId: string, firstUserText: string | undefined) => firstLine(firstUserText ?? `Session ${sessionId}`);

export function parseClaudeCode(text: string, name: string): ParseResult {
  const skipped: Record<string, number> = {};
  const lines: Line[] = [];
  const rows = text.split("\n");
  const lastIndex = rows.findLastIndex((row) => row.trim() !== "");
  for (const [i, raw] of rows.entries()) {
    const line = lineOf(raw, i, i === lastIndex, lines.length > 0, name, skipped);
    if (line) lines.push(line);
  }
  if (!lines.some(isTurn)) throw NO_TURNS(name);

  const sessions = new Map<string, ImportedConversation>();
  const ledger = new AllCalls();
  const summaries = new Map<string, string>();
  for (const line of lines) {
    const turn = turnOf(line, name, ledger, skipped, summaries);
    if (!turn) continue;
    let session = sessions.get(turn.sessionId);
    if (!session) sessions.set(turn.sessionId, (session = sessionConversation(turn.sessionId, turn.cwd)));
    session.messages.push(turn.message);
  }
  const uuids = new Map<string, ImportedConversation>();
  for (const session of sessions.values()) for (const message of session.messages) uuids.set(message.externalId, session);
  for (const [leaf, summary] of summaries) {
    const session = uuids.get(leaf) ?? (sessions.size === 1 ? [...sessions.values()][0] : undefined);
    if (session && !session.title) session.title = summary;
  }
  for (const session of sessions.values()) {
    const { first, last } = spanOf(session.messages);
    session.startedAt = first;
    session.endedAt = last;
    session.title ??= sessionTitle(session.sessionId!, session.messages.find((m) => m.role === "USER" && m.content)?.content);
  }
  return { conversations: [...sessions.values()], skipped };
}
