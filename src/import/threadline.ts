// Threadline's own export (`npm run export`, JSONL of exportViewer's records) and bringing it back
// into a server: the profile through updateViewer, each conversation with its messages through
// importConversation (in batches), then actions, previews and memories with their conversation ids
// mapped to the new ones. A record without a source id gets `threadline:<its id there>`, so
// importing the same export again adds nothing.
import fs from "node:fs";
import { ImportFormatError, textOf } from "./model.ts";
import { request, GraphQLRequestError, type ServerTarget } from "./client.ts";

type Row = Record<string, any>;

export interface ThreadlineExport {
  user?: Row;
  conversations: Row[];
  messages: Map<string, Row[]>;
  actions: Row[];
  previews: Row[];
  memories: Row[];
}

const TYPES = new Set(["user", "conversation", "message", "action", "preview", "memory"]);

export function parseThreadline(bytes: Uint8Array, name: string): ThreadlineExport {
  const text = textOf(bytes, name);
  const out: ThreadlineExport = { conversations: [], messages: new Map(), actions: [], previews: [], memories: [] };
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let record: Row;
    try {
      record = JSON.parse(line);
    } catch {
      throw new ImportFormatError(`${name}:${i + 1} is not JSON${i === lines.length - 1 ? " (was the file cut short?)" : ""}: not a Threadline export`);
    }
    if (!record || typeof record !== "object" || !TYPES.has(record.record)) {
      throw new ImportFormatError(`${name}:${i + 1} is not a Threadline export record (record user, conversation, message, action, preview or memory)`);
    }
    if (record.record === "user") out.user = record;
    else if (record.record === "conversation") out.conversations.push(record);
    else if (record.record === "message") {
      const list = out.messages.get(record.conversationId) ?? [];
      list.push(record);
      out.messages.set(record.conversationId, list);
    } else if (record.record === "action") out.actions.push(record);
    else if (record.record === "preview") out.previews.push(record);
    else out.memories.push(record);
  }
  if (!out.user && out.conversations.length === 0 && out.memories.length === 0) throw new ImportFormatError(`${name} holds no Threadline records`);
  for (const [conversationId] of out.messages) {
    if (!out.conversations.some((c) => c.id === conversationId)) throw new ImportFormatError(`${name} has messages of conversation ${conversationId}, which it does not hold`);
  }
  return out;
}

const sourceId = (row: Row) => row.externalId ?? `threadline:${row.id}`;

const IMPORT = `mutation($input: ConversationImportInput!) { importConversation(input: $input) { created inserted duplicates toolUses conversations { id } } }`;

export interface ThreadlineCounts {
  conversations: number;
  created: number;
  messages: number;
  duplicates: number;
  toolUses: number;
  others: number;
  otherDuplicates: number;
}

/** Creates one record; a CONFLICT (its source id is already there) counts as a duplicate. */
async function once(target: ServerTarget, query: string, variables: Row): Promise<boolean> {
  try {
    await request(target, query, variables);
    return true;
  } catch (error) {
    if (error instanceof GraphQLRequestError && error.code === "CONFLICT") return false;
    throw error;
  }
}

export async function sendThreadline(target: ServerTarget, data: ThreadlineExport, batchSize: number, onMessages: (n: number) => void): Promise<ThreadlineCounts> {
  const counts: ThreadlineCounts = { conversations: 0, created: 0, messages: 0, duplicates: 0, toolUses: 0, others: 0, otherDuplicates: 0 };
  if (data.user) {
    const { name, firstName, lastName, email, preferences } = data.user;
    await request(target, `mutation($input: UpdateViewerInput!) { updateViewer(input: $input) { id } }`, { input: { name, firstName, lastName, email, preferences } });
  }
  const newIds = new Map<string, string>();
  for (const c of data.conversations) {
    const input = {
      externalId: sourceId(c),
      title: c.title,
      description: c.description,
      sessionId: c.sessionId,
      projectPath: c.projectPath,
      status: c.status,
      contentSource: c.contentType
        ? { type: c.contentType, title: c.contentTitle, body: c.contentBody, url: c.contentUrl, author: c.contentAuthor, publishedAt: c.contentPublishedAt, metadata: c.contentMetadata }
        : undefined,
      consensusReached: c.consensusReached,
      finalRecommendation: c.finalRecommendation,
      confidenceScore: c.confidenceScore,
      flow: c.flow,
      config: c.config,
      metadata: c.metadata,
      startedAt: c.startedAt,
      endedAt: c.endedAt,
      completedAt: c.completedAt,
      createdAt: c.createdAt,
    };
    const messages = (data.messages.get(c.id) ?? []).map(({ id, record: _record, conversationId: _c, createdAt: _created, ...m }) => ({ ...m, externalId: m.externalId ?? `threadline:${id}` }));
    counts.conversations++;
    for (let b = 0; b === 0 || b * batchSize < messages.length; b++) {
      const batch = messages.slice(b * batchSize, (b + 1) * batchSize);
      const { importConversation: r } = await request(target, IMPORT, { input: { ...input, messages: batch } });
      newIds.set(c.id, r.conversations[0].id);
      counts.created += r.created;
      counts.messages += r.inserted;
      counts.duplicates += r.duplicates;
      counts.toolUses += r.toolUses;
      onMessages(batch.length);
    }
  }
  const conversationOf = (row: Row) => (row.conversationId ? newIds.get(row.conversationId) ?? null : null);
  for (const a of data.actions) {
    const created = await once(
      target,
      `mutation($c: ID!, $type: String!, $payload: JSON!, $status: ActionStatus, $result: JSON, $x: String, $at: DateTime) {
        createAction(conversationId: $c, type: $type, payload: $payload, status: $status, result: $result, externalId: $x, createdAt: $at) { id } }`,
      { c: conversationOf(a), type: a.type, payload: a.payload, status: a.status, result: a.result, x: sourceId(a), at: a.createdAt },
    );
    counts[created ? "others" : "otherDuplicates"]++;
  }
  for (const p of data.previews) {
    const created = await once(
      target,
      `mutation($c: ID!, $url: String, $d: String, $status: PreviewStatus, $m: JSON, $x: String, $at: DateTime) {
        createPreview(conversationId: $c, url: $url, deploymentId: $d, status: $status, metadata: $m, externalId: $x, createdAt: $at) { id } }`,
      { c: conversationOf(p), url: p.url, d: p.deploymentId, status: p.status, m: p.metadata, x: sourceId(p), at: p.createdAt },
    );
    counts[created ? "others" : "otherDuplicates"]++;
  }
  const memoryInput = (m: Row) => ({
    externalId: sourceId(m),
    conversationId: conversationOf(m),
    content: m.content,
    summary: m.summary,
    kind: m.kind,
    importance: m.importance,
    confidence: m.confidence,
    participants: m.participants,
    tags: m.tags,
    accessCount: m.accessCount,
    lastAccessedAt: m.lastAccessedAt,
    metadata: m.metadata,
    createdAt: m.createdAt,
  });
  const CREATE_MANY = `mutation($inputs: [CreateMemoryInput!]!) { createMemories(inputs: $inputs) { id } }`;
  for (let b = 0; b * 200 < data.memories.length; b++) {
    const batch = data.memories.slice(b * 200, (b + 1) * 200).map(memoryInput);
    if (await once(target, CREATE_MANY, { inputs: batch })) counts.others += batch.length;
    else {
      // Some are there already (an import sent again): one by one, the rest still go in.
      for (const input of batch) counts[(await once(target, CREATE_MANY, { inputs: [input] })) ? "others" : "otherDuplicates"]++;
    }
  }
  return counts;
}

const EXPORT = `query($after: String) { exportViewer(after: $after, first: 100) { records endCursor hasNextPage } }`;

/** `npm run export`: every record of the token's user, one JSON object a line. */
export async function runExport(target: ServerTarget, write: (line: string) => void): Promise<number> {
  let after: string | null = null;
  let count = 0;
  do {
    const { exportViewer: page }: { exportViewer: { records: Row[]; endCursor: string | null; hasNextPage: boolean } } = await request(target, EXPORT, { after });
    for (const record of page.records) write(JSON.stringify(record));
    count += page.records.length;
    after = page.hasNextPage ? page.endCursor : null;
  } while (after);
  return count;
}

export const readThreadline = (file: string) => parseThreadline(fs.readFileSync(file), file);
