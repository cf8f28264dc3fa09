// ChatGPT data export: conversations.json, an array of conversations whose messages form a tree
// (`mapping`: node → parent/children; edits and regenerations are branches). The conversation as the
// user last saw it is the path from `current_node` up to the root; other branches are left out.
import { ImportFormatError, dateOf, skip, spanOf, type ImportRole, type ImportedAsset, type ImportedConversation, type ImportedMessage, type ParseResult } from "../model.ts";

interface Node {
  id: string;
  parent?: string | null;
  children?: string[];
  message?: {
    id: string;
    author?: { role?: string; name?: string | null };
    create_time?: number | null;
    content?: { content_type?: string; parts?: unknown[]; text?: string; result?: string };
    metadata?: Record<string, unknown> & { model_slug?: string; is_visually_hidden_from_conversation?: boolean };
    recipient?: string;
    status?: string;
  } | null;
}

interface Conversation {
  id?: string;
  conversation_id?: string;
  title?: string;
  create_time?: number;
  update_time?: number;
  current_node?: string;
  mapping?: Record<string, Node>;
  default_model_slug?: string;
}

const ROLES: Record<string, ImportRole> = { user: "USER", assistant: "ASSISTANT", system: "SYSTEM", tool: "TOOL" };

function contentOf(content: NonNullable<Node["message"]>["content"], assets: ImportedAsset[]): string {
  if (!content) return "";
  if (Array.isArray(content.parts)) {
    const texts: string[] = [];
    for (const part of content.parts) {
      if (typeof part === "string") texts.push(part);
      else if (part && typeof part === "object") {
        const object = part as Record<string, unknown>;
        if (object.content_type === "image_asset_pointer") {
          assets.push({ type: "image", url: String(object.asset_pointer ?? ""), sizeBytes: typeof object.size_bytes === "number" ? object.size_bytes : undefined, metadata: { width: object.width, height: object.height } });
        } else if (typeof object.text === "string") texts.push(object.text);
      }
    }
    return texts.join("\n");
  }
  return content.text ?? content.result ?? "";
}

export function parseChatGpt(data: unknown, name: string): ParseResult {
  if (!Array.isArray(data) || (data.length > 0 && !data.every((c) => c && typeof c === "object" && "mapping" in c))) {
    throw new ImportFormatError(`${name} is not a ChatGPT export: expected conversations.json, an array of conversations with a "mapping"`);
  }
  const skipped: Record<string, number> = {};
  const conversations: ImportedConversation[] = [];
  for (const raw of data as Conversation[]) {
    const id = raw.conversation_id ?? raw.id;
    const mapping = raw.mapping ?? {};
    if (!id) {
      skip(skipped, "conversations without an id");
      continue;
    }
    // The current branch: from the node the user last saw up to the root.
    let nodeId: string | null | undefined = raw.current_node ?? Object.values(mapping).find((node) => !node.children?.length)?.id;
    const path: Node[] = [];
    const visited = new Set<string>();
    while (nodeId && mapping[nodeId] && !visited.has(nodeId)) {
      visited.add(nodeId);
      path.unshift(mapping[nodeId]);
      nodeId = mapping[nodeId].parent;
    }
    const onBranch = path.filter((node) => node.message).length;
    const total = Object.values(mapping).filter((node) => node.message).length;
    if (total > onBranch) skip(skipped, "messages on other branches (edits, regenerations)", total - onBranch);
    const created = dateOf(raw.create_time);
    const messages: ImportedMessage[] = [];
    for (const node of path) {
      const message = node.message;
      if (!message) continue;
      const role = ROLES[message.author?.role ?? ""];
      if (!role) {
        skip(skipped, `messages by ${message.author?.role ?? "no one"}`);
        continue;
      }
      if (message.metadata?.is_visually_hidden_from_conversation || message.content?.content_type === "user_editable_context") {
        skip(skipped, "hidden messages (system prompt, custom instructions)");
        continue;
      }
      const assets: ImportedAsset[] = [];
      const content = contentOf(message.content, assets);
      if (!content.trim() && assets.length === 0) {
        skip(skipped, "empty messages");
        continue;
      }
      messages.push({
        externalId: message.id,
        role,
        content: content || assets.map((asset) => `<attached: ${asset.url}>`).join("\n"),
        sender: role === "TOOL" ? message.author?.name ?? undefined : undefined,
        timestamp: dateOf(message.create_time) ?? created,
        agentName: typeof message.metadata?.model_slug === "string" ? message.metadata.model_slug : undefined,
        assets,
        metadata: {
          contentType: message.content?.content_type,
          ...(message.recipient && message.recipient !== "all" ? { recipient: message.recipient } : {}),
        },
      });
    }
    const { first, last } = spanOf(messages);
    conversations.push({
      externalId: `chatgpt:${id}`,
      title: raw.title || undefined,
      startedAt: created ?? first,
      endedAt: dateOf(raw.update_time) ?? last,
      metadata: { source: "chatgpt", ...(raw.default_model_slug ? { model: raw.default_model_slug } : {}) },
      messages,
    });
  }
  return { conversations, skipped };
}
