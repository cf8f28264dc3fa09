// The benchmark's synthetic data and its scenarios. Deterministic: every run loads the same text.
// buildScenarios runs on the load thread, from plain data the main thread hands over.
import type { Operation, Scenario } from "./harness.ts";

/** mulberry32: a tiny seeded generator. */
export function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)],
  };
}
export type Rng = ReturnType<typeof generator>;

export const TERMS = [
  "postgres", "migration", "vector", "index", "query", "flaky", "test", "deploy", "cache", "latency",
  "connection", "pool", "schema", "resolver", "timeout", "retry", "build", "docker", "token", "memory",
  "cluster", "embedding", "search", "hybrid", "transaction", "lock", "commit", "branch", "review", "error",
  "stack", "trace", "config", "server", "client", "request", "response", "batch", "insert", "planner",
];
const FILLER = ["the", "a", "we", "should", "because", "then", "after", "before", "check", "fix", "read", "run", "see", "why", "does", "fails", "works", "again", "now", "this", "that", "with", "on", "in"];
const TOOLS = ["Read", "Bash", "Edit", "Grep", "Write", "WebFetch", "Glob", "TodoWrite"];

/** Words drawn 40 % from TERMS (the searchable vocabulary), 60 % from filler. */
export function sentence(rng: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(rng.next() < 0.4 ? rng.pick(TERMS) : rng.pick(FILLER));
  return out.join(" ");
}

/** A MessageInput: user and assistant turns alternate, each assistant turn with 1–2 tool uses. */
export function message(rng: Rng, index: number, tag: string) {
  const assistant = index % 2 === 1;
  const link = rng.next() < 0.1 ? ` see https://ci.example.com/run/${rng.int(1, 99_999)}` : "";
  return {
    role: assistant ? "ASSISTANT" : "USER",
    // The tag keeps content unique, so appendMessages never skips a message as a duplicate.
    content: `${sentence(rng, rng.int(15, 60))}${link} (${tag})`,
    ...(assistant
      ? {
          toolUses: Array.from({ length: rng.int(1, 2) }, () => ({
            toolName: rng.pick(TOOLS),
            status: rng.next() < 0.9 ? "SUCCESS" : "ERROR",
            durationMs: rng.int(5, 5_000),
            parameters: { path: `/src/file${rng.int(1, 500)}.ts` },
          })),
        }
      : {}),
  };
}

export const APPEND_BATCH = 10;

export interface Fixture {
  conversationIds: string[];
  /** Query embeddings of the same model and dimension as the stored chunks. */
  queryVectors: number[][];
  containsTerms: string[];
  hybridQueries: string[];
}

export const APPEND_MESSAGES = `mutation ($id: ID!, $messages: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $messages) { inserted duplicates } }`;
export const NESTED_PAGE = `{ conversations(first: 10) { edges { node { title messages(first: 50) { edges { node { content toolUses { toolName durationMs } } } } } } } }`;

/**
 * In run order. appendMessages runs last, so every read scenario sees the same data; its workers each
 * append to their own conversations, so no two requests wait on the same row lock.
 */
export function buildScenarios(fixture: Fixture, concurrency: number): Scenario[] {
  const { conversationIds, queryVectors, containsTerms, hybridQueries } = fixture;
  const ownedBy = Array.from({ length: concurrency }, (_, worker) => {
    const mine = conversationIds.filter((_, k) => k % concurrency === worker);
    return mine.length ? mine : [conversationIds[worker % conversationIds.length]];
  });
  const scenario = (name: string, next: (worker: number, iteration: number) => Operation): Scenario => ({ name, next });
  return [
    scenario("(a) viewer { id }", () => ({ query: `{ viewer { id } }` })),
    scenario("(b) 10 conversations × 50 messages × tool uses", () => ({ query: NESTED_PAGE })),
    scenario("(d) toolUsageStats", () => ({ query: `{ toolUsageStats { toolName status count avgDurationMs p95DurationMs } }` })),
    scenario("(e) messages(filter: { contains }, first: 20)", (w, i) => ({
      query: `query ($q: String!) { messages(filter: { contains: $q }, first: 20) { edges { node { id role content } } } }`,
      variables: { q: containsTerms[(w * 7 + i) % containsTerms.length] },
    })),
    scenario("(f) search: vector, CHUNK, limit 10", (w, i) => ({
      query: `query ($v: [Float!]) { search(vector: $v, kinds: [CHUNK], mode: VECTOR, limit: 10) { score node { ... on ConversationChunk { id chunkIndex } } } }`,
      variables: { v: queryVectors[(w * 13 + i) % queryVectors.length] },
    })),
    scenario("(g) search: hybrid text, all kinds, limit 10", (w, i) => ({
      query: `query ($q: String) { search(query: $q, limit: 10) { kind score node { ... on Message { id } ... on ConversationChunk { id } ... on Memory { id } } } }`,
      variables: { q: hybridQueries[(w * 13 + i) % hybridQueries.length] },
    })),
    scenario("(h) nodes(ids:) of 10 conversations, epics totalCount", (w, i) => ({
      query: `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Conversation { title } } epics { totalCount } }`,
      variables: { ids: Array.from({ length: 10 }, (_, k) => conversationIds[(w * 17 + i + k) % conversationIds.length]) },
    })),
    scenario(`(c) appendMessages, ${APPEND_BATCH} new per call`, (w, i) => {
      const ids = ownedBy[w % ownedBy.length];
      const rng = generator(w * 1_000_003 + i);
      return {
        query: APPEND_MESSAGES,
        variables: { id: ids[i % ids.length], messages: Array.from({ length: APPEND_BATCH }, (_, k) => message(rng, k, `w${w}i${i}k${k}`)) },
      };
    }),
  ];
}
