// Threadline's own export (`npm run export`, JSONL of exportViewer's records) and bringing it back
// into a server: the profile through updateViewer, each conversation with its messages through
// importConversation (in batches), then actions, previews and memories with their conversation ids
// mapped to the new ones. A record without a source id gets `threadline:<its id there>`, so
// importing the same export again adds nothing.
import { ImportFormatError } from "./model.ts";
import { linesOf } from "./lines.ts";
import { EXPORT_RECORDS } from "./record-types.ts";
import { request, GraphQLRequestError, type ServerTarget } from "./client.ts";

type Row = Record<string, any>;

/** What the second pass keeps of an export: everything but the messages (sent as they are read), and the few messages other records name. */
export interface ThreadlineExport {
  user?: Row;
  conversations: Row[];
  /** Message id → its conversation and source id, for the messages other records name. */
  messages: Map<string, { conversationId: string; externalId?: string | null; id: string }>;
  actions: Row[];
  previews: Row[];
  memories: Row[];
  /** The other records (emotional, quality, clusters, chunks, epics, …) by their `record`. */
  others: Map<string, Row[]>;
}

const TYPES = new Set<string>(EXPORT_RECORDS);

/** One line of an export as a record, or an ImportFormatError naming the line. */
function recordOf(text: string, index: number, last: boolean, name: string): Row {
  let record: Row;
  try {
    record = JSON.parse(text);
  } catch {
    throw new ImportFormatError(`${name}:${index + 1} is not JSON${last ? " (was the file cut short?)" : ""}: not a Threadline export`);
  }
  if (!record || typeof record !== "object" || !TYPES.has(record.record)) {
    throw new ImportFormatError(`${name}:${index + 1} is not a Threadline export record (record ${[...TYPES].join(", ")})`);
  }
  return record;
}

export interface ThreadlineScan {
  file: string;
  conversations: number;
  messages: number;
  /** Messages other records name (memories' sources, mood scores, …): the only ones whose source id is remembered. */
  referenced: Set<string>;
}

/**
 * First pass over an export: every line a record, every message of a conversation the file holds.
 * Keeps counts and the ids of messages other records name, not the records.
 */
export async function scanThreadline(file: string): Promise<ThreadlineScan> {
  const conversations = new Set<string>();
  const messageConversations = new Set<string>();
  const referenced = new Set<string>();
  let messages = 0;
  let substantive = false;
  for await (const { text, index, last } of linesOf(file)) {
    const record = recordOf(text, index, last, file);
    if (record.record === "conversation") conversations.add(record.id);
    else if (record.record === "message") {
      messages++;
      messageConversations.add(record.conversationId);
    } else {
      for (const id of record.sourceMessageIds ?? []) referenced.add(id);
      if (record.messageId) referenced.add(record.messageId);
    }
    substantive ||= record.record === "user" || record.record === "conversation" || record.record === "memory";
  }
  if (!substantive) throw new ImportFormatError(`${file} holds no Threadline records`);
  for (const id of messageConversations) {
    if (!conversations.has(id)) throw new ImportFormatError(`${file} has messages of conversation ${id}, which it does not hold`);
  }
  return { file, conversations: conversations.size, messages, referenced };
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

const conversationInput = (c: Row) => ({
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
});

/**
 * Second pass over an export the first pass accepted: messages go out in batches per conversation as
 * they are read (memory holds at most a batch per conversation), everything else is kept and sent
 * after them, with ids mapped to the new ones.
 */
export async function sendThreadline(target: ServerTarget, scan: ThreadlineScan, batchSize: number, onMessages: (n: number) => void): Promise<ThreadlineCounts> {
  const counts: ThreadlineCounts = { conversations: 0, created: 0, messages: 0, duplicates: 0, toolUses: 0, others: 0, otherDuplicates: 0 };
  const data: ThreadlineExport = { conversations: [], messages: new Map(), actions: [], previews: [], memories: [], others: new Map() };
  const conversations = new Map<string, Row>();
  const newIds = new Map<string, string>();
  const buffers = new Map<string, Row[]>();
  const flush = async (conversationId: string) => {
    const batch = buffers.get(conversationId) ?? [];
    buffers.delete(conversationId);
    const { importConversation: r } = await request(target, IMPORT, { input: { ...conversationInput(conversations.get(conversationId)!), messages: batch } });
    newIds.set(conversationId, r.conversations[0].id);
    counts.created += r.created;
    counts.messages += r.inserted;
    counts.duplicates += r.duplicates;
    counts.toolUses += r.toolUses;
    onMessages(batch.length);
  };
  for await (const { text, index, last } of linesOf(scan.file)) {
    const record = recordOf(text, index, last, scan.file);
    switch (record.record) {
      case "user":
        data.user = record;
        break;
      case "conversation":
        conversations.set(record.id, record);
        data.conversations.push(record);
        break;
      case "message": {
        const { id, record: _record, conversationId, createdAt: _created, ...message } = record;
        if (scan.referenced.has(id)) data.messages.set(id, { id, conversationId, externalId: message.externalId });
        const buffer = buffers.get(conversationId) ?? [];
        buffer.push({ ...message, externalId: message.externalId ?? `threadline:${id}` });
        buffers.set(conversationId, buffer);
        if (buffer.length >= batchSize) await flush(conversationId);
        break;
      }
      case "action":
        data.actions.push(record);
        break;
      case "preview":
        data.previews.push(record);
        break;
      case "memory":
        data.memories.push(record);
        break;
      default:
        data.others.set(record.record, [...(data.others.get(record.record) ?? []), record]);
    }
  }
  // The rest of each conversation's messages; a conversation without any is created by an empty batch.
  for (const id of conversations.keys()) if (buffers.has(id) || !newIds.has(id)) await flush(id);
  counts.conversations = conversations.size;
  if (data.user) {
    const { name, firstName, lastName, email, preferences } = data.user;
    await request(target, `mutation($input: UpdateViewerInput!) { updateViewer(input: $input) { id } }`, { input: { name, firstName, lastName, email, preferences } });
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
  await sendAnalysed(target, data, conversationOf, counts);
  return counts;
}

const RECORDS = `mutation($input: MemoryRecordsImportInput!) { importMemoryRecords(input: $input) {
  memories { stored alreadyThere } moodScores { stored alreadyThere } turningPoints { stored alreadyThere }
  clusters { stored alreadyThere } clusterMembers { stored alreadyThere } conversationRecords { stored alreadyThere } } }`;

const pick = (row: Row | undefined, ...keys: string[]) => (row ? Object.fromEntries(keys.filter((k) => row[k] !== undefined).map((k) => [k, row[k]])) : undefined);

/** Memories with what was recorded about them, the conversations' mood and analysis records, clusters, chunks and the planning board. */
async function sendAnalysed(target: ServerTarget, data: ThreadlineExport, conversationOf: (row: Row) => string | null, counts: ThreadlineCounts) {
  const others = (record: string) => data.others.get(record) ?? [];
  const byKey = (record: string, key: string) => {
    const map = new Map<string, Row[]>();
    for (const row of others(record)) if (row[key]) map.set(row[key], [...(map.get(row[key]) ?? []), row]);
    return map;
  };
  const conversations = new Map(data.conversations.map((c) => [c.id, c]));
  const messages = data.messages;
  const messageKey = (id: string | null | undefined) => (id && messages.has(id) ? sourceId(messages.get(id)!) : undefined);
  const memoryKeys = new Map(data.memories.map((m) => [m.id, sourceId(m)]));
  const contexts = byKey("emotionalContext", "memoryId");
  const dynamics = byKey("relationshipDynamics", "memoryId");
  const validations = byKey("validationStatus", "memoryId");
  const quality = byKey("qualityMetrics", "memoryId");
  const analyses = byKey("analysis", "memoryId");
  const merges = byKey("deduplicationRecord", "memoryId");
  const add = (r: Record<string, { stored: number; alreadyThere: number }>) => {
    for (const c of Object.values(r)) {
      counts.others += c.stored;
      counts.otherDuplicates += c.alreadyThere;
    }
  };
  const memoryRecord = (m: Row) => ({
    externalId: sourceId(m),
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
    sourceMessageExternalIds: (m.sourceMessageIds ?? [])
      .filter((id: string) => messages.get(id)?.conversationId === m.conversationId)
      .map((id: string) => messageKey(id)),
    emotionalContext: pick(contexts.get(m.id)?.[0], "mood", "intensity", "themes", "markers", "metadata", "createdAt"),
    relationshipDynamics: (dynamics.get(m.id) ?? []).map((d) => pick(d, "participants", "closeness", "tension", "support", "patterns", "metadata", "createdAt")),
    validation: validations.get(m.id)?.[0] && {
      ...pick(validations.get(m.id)![0], "status", "errors", "resolvedAt", "resolvedBy", "metadata", "createdAt"),
      results: validations.get(m.id)![0].results.map((r: Row) => pick(r, "rule", "passed", "severity", "message", "metadata", "createdAt")),
    },
    qualityMetrics: pick(quality.get(m.id)?.[0], "overall", "completeness", "accuracy", "relevance", "clarity", "dimensions", "createdAt"),
    analyses: (analyses.get(m.id) ?? []).map((a) => pick(a, "analyzer", "version", "status", "config", "startedAt", "completedAt", "error", "createdAt")),
    deduplicationRecords: (merges.get(m.id) ?? []).map((d) => pick(d, "mergedMemoryIds", "strategy", "conflicts", "createdAt")),
  });
  // Memories by conversation (their records name its messages), 100 a call.
  const groups = new Map<string | null, Row[]>();
  for (const m of data.memories) groups.set(m.conversationId ?? null, [...(groups.get(m.conversationId ?? null) ?? []), m]);
  for (const [conversationId, memories] of groups) {
    const conversationExternalId = conversationId && conversations.has(conversationId) ? sourceId(conversations.get(conversationId)!) : undefined;
    for (let b = 0; b * 100 < memories.length; b++) {
      const batch = memories.slice(b * 100, (b + 1) * 100).map(memoryRecord);
      add((await request(target, RECORDS, { input: { conversationExternalId, memories: batch } })).importMemoryRecords);
    }
  }
  // Each conversation's own records.
  const inConversation = (record: string) => byKey(record, "conversationId");
  const scores = inConversation("moodScore");
  const points = inConversation("turningPoint");
  const patterns = inConversation("deltaPattern");
  const ownDynamics = inConversation("relationshipDynamics");
  const ownAnalyses = inConversation("analysis");
  const messageContexts = new Map<string, Row[]>();
  for (const c of others("emotionalContext")) {
    const message = c.messageId && messages.get(c.messageId);
    if (message) messageContexts.set(message.conversationId, [...(messageContexts.get(message.conversationId) ?? []), c]);
  }
  for (const c of data.conversations) {
    const input = {
      conversationExternalId: sourceId(c),
      moodScores: (scores.get(c.id) ?? []).map((s) => ({ ...pick(s, "score", "measuredAt", "participant", "label", "confidence", "factors"), messageExternalId: messageKey(s.messageId) })),
      turningPoints: (points.get(c.id) ?? []).map((p) => ({ ...pick(p, "type", "magnitude", "occurredAt", "description", "metadata"), messageExternalId: messageKey(p.messageId) })),
      messageEmotionalContexts: (messageContexts.get(c.id) ?? []).map((e) => ({
        ...pick(e, "mood", "intensity", "themes", "markers", "metadata", "createdAt"),
        messageExternalId: messageKey(e.messageId),
      })),
      relationshipDynamics: (ownDynamics.get(c.id) ?? []).filter((d) => !d.memoryId).map((d) => pick(d, "participants", "closeness", "tension", "support", "patterns", "metadata", "createdAt")),
      analyses: (ownAnalyses.get(c.id) ?? []).filter((a) => !a.memoryId).map((a) => pick(a, "analyzer", "version", "status", "config", "startedAt", "completedAt", "error", "createdAt")),
      deltaPatterns: (patterns.get(c.id) ?? []).map((p) => pick(p, "patternType", "description", "confidence", "metadata", "createdAt", "deltasTo")),
    };
    if (Object.values(input).some((v) => Array.isArray(v) && v.length)) add((await request(target, RECORDS, { input })).importMemoryRecords);
  }
  const clusters = others("cluster").map((c) => ({
    ...pick(c, "name", "themes", "description", "metadata", "createdAt"),
    members: c.members.filter((m: Row) => memoryKeys.has(m.memoryId)).map((m: Row) => ({ memoryExternalId: memoryKeys.get(m.memoryId), score: m.score, metadata: m.metadata, addedAt: m.addedAt })),
  }));
  for (let b = 0; b * 50 < clusters.length; b++) add((await request(target, RECORDS, { input: { clusters: clusters.slice(b * 50, (b + 1) * 50) } })).importMemoryRecords);
  // Chunks by conversation: upsertChunks replaces by chunkIndex, so sending them again changes nothing.
  for (const [conversationId, chunks] of byKey("chunk", "conversationId")) {
    const id = conversationOf({ conversationId });
    if (!id) continue;
    for (let b = 0; b * 200 < chunks.length; b++) {
      const batch = chunks.slice(b * 200, (b + 1) * 200).map((k) => ({ chunkIndex: k.chunkIndex, chunkText: k.chunkText, metadata: k.metadata }));
      await request(target, `mutation($id: ID!, $chunks: [ChunkInput!]!) { upsertChunks(conversationId: $id, chunks: $chunks) { id } }`, { id, chunks: batch });
      counts.others += batch.length;
    }
  }
  // The planning board, in its order; an epic with the same title already on the board is already there.
  const epics = [...others("epic")].sort((x, y) => x.order - y.order);
  if (epics.length) {
    const titles = new Set<string>();
    let after: string | null = null;
    do {
      const { epics: page }: { epics: Row } = await request(target, `query($after: String) { epics(first: 100, after: $after) { edges { node { title } } pageInfo { hasNextPage endCursor } } }`, { after });
      for (const edge of page.edges) titles.add(edge.node.title);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    for (const e of epics) {
      if (titles.has(e.title)) {
        counts.otherDuplicates++;
        continue;
      }
      await request(target, `mutation($input: CreateEpicInput!) { createEpic(input: $input) { id } }`, {
        input: pick(e, "title", "description", "status", "priority", "quarter", "outcome", "icon", "color"),
      });
      counts.others++;
    }
  }
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

