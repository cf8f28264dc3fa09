// search: semantic (pgvector), full-text and hybrid search over messages, chunks and memories.
import { builder } from "../../builder.ts";
import { badInput } from "../../errors.ts";
import type { Context } from "../../context.ts";
import { decodeId } from "../ids.ts";
import { DateTimeRange, checkRange, checkText, dateRange } from "../inputs.ts";
import { ConversationChunkRef, MessageRef } from "../conversations/types.ts";
import { MemoryRef } from "../memory/types.ts";
import { checkVector } from "../../search/vectors.ts";
import { textCandidates, vectorCandidates, type Candidate, type SearchKind, type SearchScope } from "../../search/sql.ts";
import { rankHits, type Hit, type SearchMode } from "../../search/hybrid.ts";

const MAX_LIMIT = 100;
/** Each list feeding the fusion is deeper than the page, so a hit ranked low in one list can still win. */
const CANDIDATE_FACTOR = 4;

const SearchKindEnum = builder.enumType("SearchKind", {
  values: { MESSAGE: { description: "Messages (full text only: messages carry no embedding)." }, CHUNK: {}, MEMORY: { description: "Memories that are not deleted." } } as const,
});
const SearchModeEnum = builder.enumType("SearchMode", {
  values: {
    VECTOR: { description: "Nearest embeddings by cosine similarity." },
    FULL_TEXT: { description: "PostgreSQL full-text search (web-search syntax, English stemming)." },
    HYBRID: { description: "Both, fused by reciprocal rank fusion." },
  } as const,
});

const SearchFilter = builder.inputType("SearchFilter", {
  fields: (t) => ({
    conversationId: t.id(),
    createdAt: t.field({ type: DateTimeRange }),
    model: t.string({ description: "Only embeddings of this model (vector part)." }),
  }),
});

const SearchNode = builder.unionType("SearchNode", {
  types: [MessageRef, ConversationChunkRef, MemoryRef],
  resolveType: (row) => ("chunkText" in row ? ConversationChunkRef : "importance" in row ? MemoryRef : MessageRef),
});

type LoadedHit = Hit & { node: object };

const SearchHit = builder.objectRef<LoadedHit>("SearchHit").implement({
  fields: (t) => ({
    kind: t.field({ type: SearchKindEnum, resolve: (hit) => hit.kind }),
    node: t.field({ type: SearchNode, resolve: (hit) => hit.node as never }),
    score: t.exposeFloat("score", { description: "VECTOR: similarity; FULL_TEXT: text rank; HYBRID: reciprocal-rank-fusion score." }),
    vectorDistance: t.exposeFloat("vectorDistance", { nullable: true, description: "Cosine distance, when the vector part matched." }),
    similarity: t.exposeFloat("similarity", { nullable: true, description: "1 − cosine distance." }),
    textRank: t.exposeFloat("textRank", { nullable: true, description: "ts_rank_cd, when the full-text part matched." }),
  }),
});

async function loadNodes(context: Context, hits: Hit[]): Promise<LoadedHit[]> {
  const ids = (kind: SearchKind) => hits.filter((h) => h.kind === kind).map((h) => h.id);
  const userId = context.viewer.id;
  const [messages, chunks, memories] = await Promise.all([
    ids("MESSAGE").length ? context.prisma.message.findMany({ where: { id: { in: ids("MESSAGE") }, conversation: { userId } } }) : [],
    ids("CHUNK").length ? context.prisma.conversationChunk.findMany({ where: { id: { in: ids("CHUNK") }, conversation: { userId } } }) : [],
    ids("MEMORY").length ? context.prisma.memory.findMany({ where: { id: { in: ids("MEMORY") }, userId } }) : [],
  ]);
  const byKey = new Map<string, object>([
    ...messages.map((m) => [`MESSAGE:${m.id}`, m] as const),
    ...chunks.map((c) => [`CHUNK:${c.id}`, c] as const),
    ...memories.map((m) => [`MEMORY:${m.id}`, m] as const),
  ]);
  return hits.flatMap((hit) => {
    const node = byKey.get(`${hit.kind}:${hit.id}`);
    return node ? [{ ...hit, node }] : [];
  });
}

builder.queryField("search", (t) =>
  t.field({
    type: [SearchHit],
    description:
      "Search the viewer's messages, conversation chunks and memories by meaning (vector), by words (full text), or both (hybrid). " +
      "Give `query` (text; embedded by the server's embedder for the vector part) and/or `vector` (your own embedding).",
    args: {
      query: t.arg.string(),
      vector: t.arg.floatList(),
      kinds: t.arg({ type: [SearchKindEnum], defaultValue: ["MESSAGE", "CHUNK", "MEMORY"] }),
      mode: t.arg({ type: SearchModeEnum, description: "Default: HYBRID with a query, VECTOR with only a vector." }),
      limit: t.arg.int({ defaultValue: 10 }),
      threshold: t.arg.float({ description: "Minimum cosine similarity (−1 to 1) for vector matches." }),
      filter: t.arg({ type: SearchFilter }),
    },
    resolve: async (_root, args, context) => {
      const limit = checkRange(args.limit ?? 10, "limit", 1, MAX_LIMIT)!;
      const threshold = checkRange(args.threshold, "threshold", -1, 1);
      const text = args.query == null ? undefined : checkText(args.query, "query", { maxLength: 2000 })!;
      const mode: SearchMode = args.mode ?? (text === undefined ? "VECTOR" : "HYBRID");
      const kinds = [...new Set(args.kinds ?? ["MESSAGE", "CHUNK", "MEMORY"])] as SearchKind[];
      if (kinds.length === 0) throw badInput("kinds must name at least one kind", "kinds");
      if (mode !== "VECTOR" && text === undefined) throw badInput(`mode ${mode} needs a text query`, "query");

      let vector: readonly number[] | undefined;
      let model = args.filter?.model ?? undefined;
      if (mode !== "FULL_TEXT") {
        if (args.vector) vector = args.vector;
        else if (text !== undefined) {
          try {
            [vector] = await context.embedder.embed([text]);
          } catch (error) {
            throw badInput(`query cannot be embedded: ${error instanceof Error ? error.message : String(error)}`, "query");
          }
          model ??= context.embedder.model;
        } else throw badInput("give a query or a vector", "vector");
      }
      const dimensions = vector ? checkVector(vector, args.vector ? "vector" : "query") : undefined;
      const range = dateRange(args.filter?.createdAt, "filter.createdAt");
      const scope: SearchScope = {
        userId: context.viewer.id,
        conversationId: args.filter?.conversationId ? decodeId(args.filter.conversationId, "Conversation", "filter.conversationId") : undefined,
        from: range?.gte,
        to: range?.lte,
      };
      const depth = limit * CANDIDATE_FACTOR;
      const vectorKinds = kinds.filter((k): k is "CHUNK" | "MEMORY" => k !== "MESSAGE");
      const [vectorLists, textLists] = await Promise.all([
        vector && dimensions
          ? Promise.all(vectorKinds.map((kind) => vectorCandidates(context.prisma, kind, vector!, dimensions, scope, { limit: depth, model })))
          : Promise.resolve([] as Candidate[][]),
        mode !== "VECTOR" ? Promise.all(kinds.map((kind) => textCandidates(context.prisma, kind, text!, scope, depth))) : Promise.resolve([] as Candidate[][]),
      ]);
      return loadNodes(context, rankHits(mode, vectorLists, textLists, { limit, threshold }));
    },
  }),
);
