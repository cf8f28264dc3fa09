// Claude.ai data export: conversations.json, an array of conversations with `chat_messages`
// (sender human/assistant, text or content blocks, attachments and files).
import { ImportFormatError, dateOf, skip, spanOf, type ImportedAsset, type ImportedConversation, type ImportedMessage, type ImportedToolUse, type ParseResult } from "../model.ts";

interface ChatMessage {
  uuid?: string;
  text?: string;
  sender?: string;
  created_at?: string;
  content?: { type?: string; text?: string; name?: string; input?: unknown; content?: unknown; is_error?: boolean; id?: string }[];
  attachments?: { file_name?: string; file_size?: number; file_type?: string; extracted_content?: string }[];
  files?: { file_name?: string; file_uuid?: string }[];
}

interface Conversation {
  uuid?: string;
  name?: string;
  summary?: string;
  created_at?: string;
  updated_at?: string;
  chat_messages?: ChatMessage[];
}

export function parseClaude(data: unknown, name: string): ParseResult {
  if (!Array.isArray(data) || (data.length > 0 && !data.every((c) => c && typeof c === "object" && Array.isArray((c as Conversation).chat_messages)))) {
    throw new ImportFormatError(`${name} is not a Claude.ai export: expected conversations.json, an array of conversations with "chat_messages"`);
  }
  const skipped: Record<string, number> = {};
  const conversations: ImportedConversation[] = [];
  for (const raw of data as Conversation[]) {
    if (!raw.uuid) {
      skip(skipped, "conversations without a uuid");
      continue;
    }
    const messages: ImportedMessage[] = [];
    for (const [index, chat] of (raw.chat_messages ?? []).entries()) {
      const role = chat.sender === "human" ? "USER" : chat.sender === "assistant" ? "ASSISTANT" : undefined;
      if (!role) {
        skip(skipped, `messages by ${chat.sender ?? "no one"}`);
        continue;
      }
      const texts: string[] = [];
      const toolUses: ImportedToolUse[] = [];
      for (const block of chat.content ?? []) {
        if (block.type === "text" && block.text) texts.push(block.text);
        else if (block.type === "tool_use" && block.name) toolUses.push({ externalId: block.id, toolName: block.name, parameters: block.input ?? null, status: "SUCCESS" });
        else if (block.type === "tool_result") {
          const use = toolUses[toolUses.length - 1];
          if (use) {
            use.response = block.content ?? null;
            if (block.is_error) use.status = "ERROR";
          }
        }
      }
      const content = chat.content?.length ? texts.join("\n\n") : chat.text ?? "";
      const assets: ImportedAsset[] = [
        ...(chat.attachments ?? []).map((a) => ({
          type: "document",
          filename: a.file_name,
          mimeType: a.file_type || undefined,
          sizeBytes: a.file_size,
          metadata: a.extracted_content ? { extractedContent: a.extracted_content } : undefined,
        })),
        ...(chat.files ?? []).map((f) => ({ type: "file", filename: f.file_name, metadata: f.file_uuid ? { fileUuid: f.file_uuid } : undefined })),
      ];
      if (!content.trim() && assets.length === 0 && toolUses.length === 0) {
        skip(skipped, "empty messages");
        continue;
      }
      messages.push({
        externalId: chat.uuid ?? `index:${index}`,
        role,
        content: content.trim() || toolUses.length ? content : assets.map((asset) => `<attached: ${asset.filename}>`).join("\n"),
        timestamp: dateOf(chat.created_at),
        toolUses,
        assets,
      });
    }
    const { first, last } = spanOf(messages);
    conversations.push({
      externalId: `claude:${raw.uuid}`,
      title: raw.name || undefined,
      startedAt: dateOf(raw.created_at) ?? first,
      endedAt: dateOf(raw.updated_at) ?? last,
      metadata: { source: "claude", ...(raw.summary ? { summary: raw.summary } : {}) },
      messages,
    });
  }
  return { conversations, skipped };
}
