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

interface Line {
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

export function parseClaudeCode(text: string, name: string): ParseResult {
  const skipped: Record<string, number> = {};
  const lines: Line[] = [];
  const rows = text.split("\n");
  for (const [i, raw] of rows.entries()) {
    if (!raw.trim()) continue;
    try {
      lines.push(JSON.parse(raw) as Line);
    } catch {
      // The last line of a session still being written may be cut short; anything else is not a session log.
      if (i >= rows.length - 2 && lines.length > 0) {
        skip(skipped, "an unfinished last line");
        continue;
      }
      throw new ImportFormatError(`${name}:${i + 1} is not JSON: not a Claude Code session log (.jsonl)`);
    }
  }
  if (!lines.some((line) => line && (line.type === "user" || line.type === "assistant") && line.message)) {
    throw new ImportFormatError(`${name} has no user or assistant lines: not a Claude Code session log`);
  }

  const sessions = new Map<string, ImportedConversation>();
  const toolUses = new Map<string, { use: ImportedToolUse; at?: Date }>();
  const summaries = new Map<string, string>();
  for (const line of lines) {
    if (line.type === "summary") {
      if (line.summary && line.summary.trim()) summaries.set(line.leafUuid ?? "", line.summary);
      continue;
    }
    if ((line.type !== "user" && line.type !== "assistant") || !line.message || !line.uuid) {
      skip(skipped, `${line.type ?? "untyped"} lines (not a turn)`);
      continue;
    }
    const sessionId = line.sessionId ?? name.replace(/^.*\//, "").replace(/\.jsonl$/, "");
    let session = sessions.get(sessionId);
    if (!session) {
      session = { externalId: `claude-code:${sessionId}`, sessionId, projectPath: line.cwd, messages: [], metadata: { source: "claude-code" } };
      sessions.set(sessionId, session);
    }
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
        if (block.id) toolUses.set(block.id, { use, at });
      } else if (block.type === "tool_result" && block.tool_use_id) {
        results++;
        const call = toolUses.get(block.tool_use_id);
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
      continue;
    }
    const message: ImportedMessage = {
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
    };
    session.messages.push(message);
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
    session.title ??= firstLine(session.messages.find((m) => m.role === "USER" && m.content)?.content ?? `Session ${session.sessionId}`);
  }
  return { conversations: [...sessions.values()], skipped };
}
