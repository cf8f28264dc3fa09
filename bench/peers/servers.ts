// The servers of the peers benchmark, each with its text for every scenario and a function that turns
// its answer into one canonical JSON (so answers can be compared across servers before any load).
import { queryVector, FULL_TEXT_QUERY, USER_A } from "./seed.ts";

export type ScenarioId = "typename" | "viewer" | "nested" | "nested-long" | "page-first" | "page-deep" | "search-vector" | "search-text";

export const SCENARIOS: { id: ScenarioId; title: string }[] = [
  { id: "nested", title: "(a) 20 conversations × first 5 messages × tool uses" },
  { id: "nested-long", title: "(a′) the same, oldest first: the 10,000-message conversation on the page" },
  { id: "viewer", title: "(b) { viewer { id } } (JWT, user lookup)" },
  { id: "typename", title: "(b′) { __typename }" },
  { id: "page-first", title: "(c) 10,000-message conversation: first 20" },
  { id: "page-deep", title: "(c′) 10,000-message conversation: 20 after position 9,000 (cursor)" },
  { id: "search-vector", title: "(d) search: vector, 512-d, CHUNK, limit 10" },
  { id: "search-text", title: "(d′) search: full text, MESSAGE, limit 10" },
];

export interface Fixture {
  /** The long conversation's id as this server spells it. */
  bigConversationId: string;
  /** Cursor after position 9,000 of the long conversation, as this server spells it. */
  deepCursor?: string;
}

export interface Request {
  query: string;
  variables?: Record<string, unknown>;
}

export interface ScenarioText {
  request(fixture: Fixture): Request;
  canonical(data: any): unknown;
}

export type ServerKind = "threadline" | "postgraphile" | "handwritten" | "bare-yoga";

export const SERVER_TITLES: Record<ServerKind, string> = {
  threadline: "Threadline",
  postgraphile: "PostGraphile 5 (amber)",
  handwritten: "hand-written Yoga + pg + DataLoader",
  "bare-yoga": "bare Yoga",
};

const MESSAGE_FIELDS = "position role content";
const TOOL_FIELDS = "toolName status durationMs";
const round = (x: number) => Math.round(x * 1e5) / 1e5;
const decodeGlobalId = (id: string) => Buffer.from(id, "base64").toString().replace(/^[A-Za-z]+:/, "");
// PostGraphile spells PostgreSQL enum values as stored (`user`); Threadline as GraphQL enums (`USER`).
const message = (m: any) => ({ position: m.position, role: m.role.toUpperCase(), content: m.content });
const toolUses = (list: any[]) => list.map((t) => ({ toolName: t.toolName, status: t.status.toUpperCase(), durationMs: t.durationMs }));
const pageOf = (connection: any) => ({ hasNextPage: connection.pageInfo.hasNextPage, messages: connection.edges.map((e: any) => message(e.node)) });
const byScore = (hits: { score: number; key: string }[]) => hits.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key));

export const VECTOR = queryVector(1);

const typename: ScenarioText = { request: () => ({ query: "{ __typename }" }), canonical: (data) => data.__typename };

/** Threadline's API; the hand-written server answers the same text. */
const threadlineShape: Partial<Record<ScenarioId, ScenarioText>> = {
  typename,
  viewer: { request: () => ({ query: "{ viewer { id } }" }), canonical: (data) => decodeGlobalId(data.viewer.id) },
  nested: {
    request: () => ({ query: `{ conversations(first: 20) { edges { node { title messages(first: 5) { edges { node { ${MESSAGE_FIELDS} toolUses { ${TOOL_FIELDS} } } } } } } } }` }),
    canonical: (data) => data.conversations.edges.map((e: any) => ({ title: e.node.title, messages: e.node.messages.edges.map((m: any) => ({ ...message(m.node), toolUses: toolUses(m.node.toolUses) })) })),
  },
  "nested-long": {
    request: () => ({ query: `{ conversations(first: 20, orderBy: [{ startedAt: Asc }]) { edges { node { title messages(first: 5) { edges { node { ${MESSAGE_FIELDS} toolUses { ${TOOL_FIELDS} } } } } } } } }` }),
    canonical: (data) => data.conversations.edges.map((e: any) => ({ title: e.node.title, messages: e.node.messages.edges.map((m: any) => ({ ...message(m.node), toolUses: toolUses(m.node.toolUses) })) })),
  },
  "page-first": {
    request: (f) => ({ query: `query ($id: ID!, $first: Int!) { conversation(id: $id) { messages(first: $first) { pageInfo { hasNextPage endCursor } edges { node { ${MESSAGE_FIELDS} } } } } }`, variables: { id: f.bigConversationId, first: 20 } }),
    canonical: (data) => pageOf(data.conversation.messages),
  },
  "page-deep": {
    request: (f) => ({ query: `query ($id: ID!, $first: Int!, $after: String) { conversation(id: $id) { messages(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${MESSAGE_FIELDS} } } } } }`, variables: { id: f.bigConversationId, first: 20, after: f.deepCursor } }),
    canonical: (data) => pageOf(data.conversation.messages),
  },
  "search-vector": {
    request: () => ({ query: `query ($v: [Float!]) { search(vector: $v, kinds: [CHUNK], mode: VECTOR, limit: 10) { score node { ... on ConversationChunk { chunkIndex chunkText } } } }`, variables: { v: VECTOR } }),
    canonical: (data) => byScore(data.search.map((h: any) => ({ score: round(h.score), key: h.node.chunkText }))),
  },
  "search-text": {
    request: () => ({ query: `query ($q: String) { search(query: $q, kinds: [MESSAGE], mode: FULL_TEXT, limit: 10) { score node { ... on Message { ${MESSAGE_FIELDS} } } } }`, variables: { q: FULL_TEXT_QUERY } }),
    // The hits and their order; not the score's scale, which is each server's to choose (Threadline
    // maps ts_rank_cd r to r / (1 + r), the hand-written server returns r).
    canonical: (data) => byScore(data.search.map((h: any) => ({ score: round(h.score), key: h.node.content }))).map((hit) => hit.key),
  },
};

const PG_NESTED = (order: string) => `query ($userId: String!) {
  allConversations(condition: { userId: $userId }, first: 20, orderBy: [${order}, PRIMARY_KEY_ASC]) {
    edges { node { title messagesByConversationId(first: 5, orderBy: [POSITION_ASC]) {
      edges { node { ${MESSAGE_FIELDS} toolusesByMessageId(orderBy: [TIMESTAMP_ASC, PRIMARY_KEY_ASC]) { nodes { ${TOOL_FIELDS} } } } } } } }
  }
}`;
const pgNestedCanonical = (data: any) =>
  data.allConversations.edges.map((e: any) => ({
    title: e.node.title,
    messages: e.node.messagesByConversationId.edges.map((m: any) => ({ ...message(m.node), toolUses: toolUses(m.node.toolusesByMessageId.nodes) })),
  }));
const PG_PAGE = `query ($id: String!, $first: Int!, $after: Cursor) { conversationByRowId(rowId: $id) {
  messagesByConversationId(first: $first, after: $after, orderBy: [POSITION_ASC]) { pageInfo { hasNextPage endCursor } edges { node { ${MESSAGE_FIELDS} } } } } }`;

/** PostGraphile's generated API (amber preset, default inflection): no search, so none of (d). */
const postgraphileShape: Partial<Record<ScenarioId, ScenarioText>> = {
  typename,
  viewer: {
    // users.external_id is unique through an index (as Prisma writes it), not a constraint, so PostGraphile has no userByExternalId.
    request: () => ({ query: `query ($sub: String!) { allUsers(condition: { externalId: $sub }) { nodes { rowId } } }`, variables: { sub: USER_A.externalId } }),
    canonical: (data) => data.allUsers.nodes[0].rowId,
  },
  nested: { request: () => ({ query: PG_NESTED("STARTED_AT_DESC"), variables: { userId: USER_A.id } }), canonical: pgNestedCanonical },
  "nested-long": { request: () => ({ query: PG_NESTED("STARTED_AT_ASC"), variables: { userId: USER_A.id } }), canonical: pgNestedCanonical },
  "page-first": {
    request: (f) => ({ query: PG_PAGE, variables: { id: f.bigConversationId, first: 20 } }),
    canonical: (data) => pageOf(data.conversationByRowId.messagesByConversationId),
  },
  "page-deep": {
    request: (f) => ({ query: PG_PAGE, variables: { id: f.bigConversationId, first: 20, after: f.deepCursor } }),
    canonical: (data) => pageOf(data.conversationByRowId.messagesByConversationId),
  },
};

export const SHAPES: Record<ServerKind, Partial<Record<ScenarioId, ScenarioText>>> = {
  threadline: threadlineShape,
  handwritten: threadlineShape,
  postgraphile: postgraphileShape,
  "bare-yoga": { typename },
};

/** Where the page connection sits in a page answer, to walk pages when a cursor cannot be derived. */
export function pageConnection(kind: ServerKind, data: any): { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { position: number } }[] } {
  return kind === "postgraphile" ? data.conversationByRowId.messagesByConversationId : data.conversation.messages;
}
