// The floor of what hand code gets: graphql-yoga + pg + DataLoader over Threadline's tables, answering
// the benchmark's operations with the same query text and the same JSON as Threadline. The same auth:
// an HS256 bearer token (AUTH_JWT_SECRET) whose `sub` is the user's external id, looked up per request;
// every statement is filtered by that user. One statement per nesting level, with a per-parent LIMIT
// (LATERAL), only the selected tables' needed columns, named (prepared) statements — except search,
// which sends Threadline's statements as Threadline does, so both do the same database work. A benchmark peer, not part of the product.
//   DATABASE_URL=… AUTH_JWT_SECRET=… PORT=… node --import tsx bench/peers/handwritten/server.ts
import { createServer } from "node:http";
import DataLoader from "dataloader";
import { GraphQLError } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";
import { jwtVerify } from "jose";
import pg from "pg";
import pgvector from "pgvector";

const { DATABASE_URL, AUTH_JWT_SECRET, PORT = "4200", POOL_SIZE = "10" } = process.env;
if (!DATABASE_URL || !AUTH_JWT_SECRET) throw new Error("DATABASE_URL and AUTH_JWT_SECRET are required");
const secret = new TextEncoder().encode(AUTH_JWT_SECRET);
// Connections are kept (no idle timeout): on PGlite every connection is the same session, where a
// reconnecting client would find its named statements already prepared.
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: Number(POOL_SIZE), idleTimeoutMillis: 0 });
pool.on("error", (error) => console.error("pool:", error.message));

const typeDefs = /* GraphQL */ `
  enum MessageRole { USER ASSISTANT SYSTEM FUNCTION TOOL }
  enum ToolUseStatus { PENDING SUCCESS ERROR TIMEOUT }
  enum OrderBy { Asc Desc }
  enum SearchKind { MESSAGE CHUNK MEMORY }
  enum SearchMode { VECTOR FULL_TEXT HYBRID }
  input ConversationOrder { startedAt: OrderBy }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type User { id: ID! }
  type ToolUse { toolName: String! status: ToolUseStatus! durationMs: Int }
  type Message { id: ID! position: Int! role: MessageRole! content: String! toolUses: [ToolUse!]! }
  type MessageEdge { cursor: String! node: Message! }
  type MessageConnection { edges: [MessageEdge!]! pageInfo: PageInfo! }
  type Conversation { id: ID! title: String messages(first: Int, after: String): MessageConnection! }
  type ConversationEdge { cursor: String! node: Conversation! }
  type ConversationConnection { edges: [ConversationEdge!]! pageInfo: PageInfo! }
  type ConversationChunk { id: ID! chunkIndex: Int! chunkText: String! }
  union SearchNode = Message | ConversationChunk
  type SearchHit { kind: SearchKind! score: Float! node: SearchNode! }
  type Query {
    viewer: User!
    conversation(id: ID!): Conversation
    conversations(first: Int, after: String, orderBy: [ConversationOrder!]): ConversationConnection!
    search(query: String, vector: [Float!], kinds: [SearchKind!], mode: SearchMode, limit: Int = 10): [SearchHit!]!
  }
`;

const MAX_PAGE = 100;
const ROLE = (role: string) => role.toUpperCase();
const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString("base64");
const fromGlobalId = (type: string, value: string) => {
  const decoded = Buffer.from(value, "base64").toString();
  return decoded.startsWith(`${type}:`) ? decoded.slice(type.length + 1) : null;
};
const cursorOf = (value: number) => Buffer.from(`p:${value}`).toString("base64");
function afterOf(cursor: string | null | undefined): number {
  if (!cursor) return 0;
  const match = /^p:(\d+)$/.exec(Buffer.from(cursor, "base64").toString());
  if (!match) throw new GraphQLError("after is not a valid cursor", { extensions: { code: "BAD_USER_INPUT" } });
  return Number(match[1]);
}
const pageSize = (first: number | null | undefined) => Math.min(Math.max(first ?? 20, 0), MAX_PAGE);

interface Row {
  [column: string]: any;
}
interface Context {
  userId: string;
  /** Messages of many conversations, one page each (same first/after): one statement per page shape. */
  messagePages(first: number, after: number): DataLoader<string, Row[]>;
  toolUses: DataLoader<string, Row[]>;
}

function contextFor(userId: string): Context {
  const pages = new Map<string, DataLoader<string, Row[]>>();
  return {
    userId,
    messagePages(first, after) {
      const key = `${first}:${after}`;
      let loader = pages.get(key);
      if (!loader) {
        loader = new DataLoader(async (conversationIds) => {
          // One more row than asked for tells hasNextPage. The conversations were loaded by owner already.
          const { rows } = await pool.query({ name: "messages-page", text: `SELECT p.conversation_id, m.id, m.position, m.role, m.content
               FROM unnest($1::text[]) AS p(conversation_id)
               CROSS JOIN LATERAL (
                 SELECT id, position, role, content FROM messages
                  WHERE conversation_id = p.conversation_id AND position > $2
                  ORDER BY position LIMIT $3) m
              ORDER BY p.conversation_id, m.position`, values: [conversationIds, after, first + 1] });
          return conversationIds.map((id) => rows.filter((row) => row.conversation_id === id));
        });
        pages.set(key, loader);
      }
      return loader;
    },
    toolUses: new DataLoader(async (messageIds) => {
      const { rows } = await pool.query({ name: "tool-uses", text: `SELECT p.message_id, t.tool_name, t.status, t.duration_ms
           FROM unnest($1::text[]) AS p(message_id)
           CROSS JOIN LATERAL (
             SELECT tool_name, status, duration_ms FROM tool_uses
              WHERE message_id = p.message_id ORDER BY timestamp, id) t`, values: [messageIds] });
      const byMessage = new Map<string, Row[]>(messageIds.map((id) => [id, []]));
      for (const row of rows) byMessage.get(row.message_id)!.push(row);
      return messageIds.map((id) => byMessage.get(id)!);
    }),
  };
}

const connection = (rows: Row[], first: number, cursor: (row: Row) => string) => {
  const page = rows.slice(0, first);
  return {
    edges: page.map((row) => ({ cursor: cursor(row), node: row })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? cursor(page[page.length - 1]) : null },
  };
};

const schema = createSchema<Context>({
  typeDefs,
  resolvers: {
    Query: {
      viewer: (_, __, context) => ({ id: globalId("User", context.userId) }),
      async conversation(_, args: { id: string }, context) {
        const id = fromGlobalId("Conversation", args.id);
        if (!id) return null;
        const { rows } = await pool.query({ name: "conversation", text: `SELECT id, title FROM conversations WHERE id = $1 AND user_id = $2`, values: [id, context.userId] });
        return rows[0] ?? null;
      },
      async conversations(_, args: { first?: number; after?: string; orderBy?: { startedAt?: "Asc" | "Desc" }[] }, context) {
        const first = pageSize(args.first);
        const ascending = args.orderBy?.[0]?.startedAt === "Asc";
        // Keyset on (started_at, id); the cursor is the last row's id.
        const after = args.after ? fromGlobalId("Conversation", Buffer.from(args.after, "base64").toString()) : null;
        const { rows } = await pool.query({ name: `conversations-page-${ascending ? "asc" : "desc"}`, text: `SELECT id, title FROM conversations c
            WHERE user_id = $1
              AND ($2::text IS NULL OR (started_at, id) ${ascending ? ">" : "<"} (SELECT started_at, id FROM conversations WHERE id = $2 AND user_id = $1))
            ORDER BY started_at ${ascending ? "ASC" : "DESC"}, id ${ascending ? "ASC" : "DESC"}
            LIMIT $3`, values: [context.userId, after, first + 1] });
        return connection(rows, first, (row) => Buffer.from(globalId("Conversation", row.id)).toString("base64"));
      },
      async search(_, args: { query?: string; vector?: number[]; kinds?: string[]; mode?: string; limit: number }, context) {
        const limit = Math.min(Math.max(args.limit, 1), 100);
        const kinds = args.kinds ?? ["MESSAGE", "CHUNK"];
        if (args.mode === "VECTOR" && args.vector && kinds.length === 1 && kinds[0] === "CHUNK") {
          if (args.vector.length !== 512) throw new GraphQLError("vector must have 512 dimensions", { extensions: { code: "BAD_USER_INPUT" } });
          // An exact scan of the viewer's own vectors, as Threadline does for a user of this size (≤ 2,000
          // rows; it walks the HNSW index only for larger ones): the true nearest, so the two servers do
          // the same work and must give the same answer. (The former statement — the global HNSW index,
          // then the owner join — is approximate: on PGlite's graph it ranked a different 4th hit.)
          // Comparing `embedding` itself, not `embedding::vector(512)`, keeps the partial index out.
          const { rows } = await pool.query({ text: `SELECT ch.id, ch.chunk_index, ch.chunk_text, 1 - (ch.embedding <=> $2::vector)::float8 AS score
               FROM conversation_chunks ch JOIN conversations c ON c.id = ch.conversation_id
              WHERE c.user_id = $1 AND ch.embedding_dimensions = 512
              ORDER BY ch.embedding <=> $2::vector, ch.id
              LIMIT $3`, values: [context.userId, pgvector.toSql(args.vector), limit] });
          return rows.slice(0, limit).map((row) => ({ kind: "CHUNK", score: row.score, node: { __typename: "ConversationChunk", ...row } }));
        }
        if (args.mode === "FULL_TEXT" && args.query && kinds.length === 1 && kinds[0] === "MESSAGE") {
          const { rows } = await pool.query({ text: `SELECT m.id, m.position, m.role, m.content, ts_rank_cd(m.search_vector, q)::float8 AS score
               FROM messages m JOIN conversations c ON c.id = m.conversation_id, websearch_to_tsquery('english', $2) q
              WHERE c.user_id = $1 AND m.search_vector @@ q
              ORDER BY score DESC, m.id
              LIMIT $3`, values: [context.userId, args.query, limit] });
          return rows.map((row) => ({ kind: "MESSAGE", score: row.score, node: { __typename: "Message", ...row } }));
        }
        throw new GraphQLError("this peer answers VECTOR search over CHUNK and FULL_TEXT search over MESSAGE only", { extensions: { code: "BAD_USER_INPUT" } });
      },
    },
    SearchNode: { __resolveType: (node: Row) => node.__typename },
    Conversation: {
      id: (row: Row) => globalId("Conversation", row.id),
      async messages(row: Row, args: { first?: number; after?: string }, context) {
        const first = pageSize(args.first);
        const rows = await context.messagePages(first, afterOf(args.after)).load(row.id);
        return connection(rows, first, (message) => cursorOf(message.position));
      },
    },
    Message: {
      id: (row: Row) => globalId("Message", row.id),
      role: (row: Row) => ROLE(row.role),
      toolUses: (row: Row, _: unknown, context) => context.toolUses.load(row.id),
    },
    ConversationChunk: {
      id: (row: Row) => globalId("ConversationChunk", row.id),
      chunkIndex: (row: Row) => row.chunk_index,
      chunkText: (row: Row) => row.chunk_text,
    },
    ToolUse: {
      toolName: (row: Row) => row.tool_name,
      status: (row: Row) => ROLE(row.status),
      durationMs: (row: Row) => row.duration_ms,
    },
  },
});

const unauthenticated = (message: string) => new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });

const yoga = createYoga<{}, Context>({
  schema,
  graphiql: false,
  logging: "warn",
  async context({ request }) {
    const header = request.headers.get("authorization") ?? "";
    if (!header.startsWith("Bearer ")) throw unauthenticated("A bearer token is required");
    let subject: string | undefined;
    try {
      ({ payload: { sub: subject } } = await jwtVerify(header.slice(7), secret, { algorithms: ["HS256"] }));
    } catch {
      throw unauthenticated("The token is not valid");
    }
    const { rows } = await pool.query({ name: "viewer", text: `SELECT id FROM users WHERE external_id = $1`, values: [subject] });
    if (!rows[0]) throw unauthenticated("No such user");
    return contextFor(rows[0].id);
  },
});

const server = createServer(yoga);
server.listen(Number(PORT), "127.0.0.1", () => console.log(`handwritten listening on http://127.0.0.1:${PORT}/graphql`));
const stop = () => server.close(() => pool.end().finally(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
