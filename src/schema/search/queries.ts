// search: semantic (pgvector), full-text and hybrid search over messages, chunks and memories.
import { builder } from "../../builder.ts";
import { badInput } from "../../errors.ts";
import type { Context } from "../../context.ts";
import { decodeId } from "../ids.ts";
import { DateTimeRange, dateRange, embedInput } from "../inputs.ts";
import { range, rule, text } from "../constraints.ts";
import { ConversationChunkRef, MessageRef } from "../conversations/types.ts";
import { MemoryRef } from "../memory/types.ts";
import { checkVector, type DistanceMetric } from "../../search/vectors.ts";
import { checkModelSize } from "../../search/stored.ts";
import { DistanceMetricEnum } from "./metric.ts";
import { textCandidates, vectorCandidates, type Candidate, type SearchKind, type SearchScope } from "../../search/sql.ts";
import { rankHits, type Hit, type SearchMode } from "../../search/hybrid.ts";

const MAX_LIMIT = 100;
/** Each list feeding the fusion is deeper than the page, so a hit ranked low in one list can still win. */
const CANDIDATE_FACTOR = 4;

const SearchKindEnum = builder.enumType("SearchKind", {
  values: {
    MESSAGE: { description: "Messages: by their words, and by meaning through the chunks embedded from each message." },
    CHUNK: { description: "Chunks you stored with `upsertChunks`." },
    MEMORY: { description: "Memories that are not deleted." },
  } as const,
});
const SearchModeEnum = builder.enumType("SearchMode", {
  values: {
    VECTOR: { description: "Nearest embeddings by the chosen distance." },
    FULL_TEXT: { description: "PostgreSQL full-text search (web-search syntax, English stemming)." },
    HYBRID: { description: "Both, fused by reciprocal rank fusion." },
  } as const,
});
const SearchFilter = builder.inputType("SearchFilter", {
  fields: (t) => ({
    conversationId: t.id(),
    createdAt: t.field({ type: DateTimeRange, description: "Messages: their timestamp; chunks and memories: when they were stored." }),
    model: t.string({ description: "Only embeddings of this model (vector part). With a text query, the server's model." }),
  }),
});

const SearchNode = builder.unionType("SearchNode", {
  types: [MessageRef, ConversationChunkRef, MemoryRef],
  resolveType: (row) => ("chunkText" in row ? ConversationChunkRef : "importance" in row ? MemoryRef : MessageRef),
});

type LoadedHit = Hit & { node: object };

const SearchHit = builder.objectRef<LoadedHit>("SearchHit").implement({
  description: "One hit. `score` is what hits are ordered by; the other numbers are its parts.",
  fields: (t) => ({
    kind: t.field({ type: SearchKindEnum, resolve: (hit) => hit.kind }),
    node: t.field({ type: SearchNode, resolve: (hit) => hit.node as never }),
    score: t.exposeFloat("score", {
      description:
        "In [0, 1], higher is better, comparable between hits of one search. VECTOR: the vector similarity clamped to [0, 1] " +
        "(L2: 1 / (1 + distance)); FULL_TEXT: textRank / (textRank + 1); HYBRID: fusedRank divided by its maximum (first in both lists).",
    }),
    vectorSimilarity: t.exposeFloat("vectorSimilarity", {
      nullable: true,
      description: "When the vector part matched: COSINE: cosine similarity (−1 to 1); L2: 1 / (1 + distance); INNER_PRODUCT: the inner product.",
    }),
    vectorDistance: t.exposeFloat("vectorDistance", {
      nullable: true,
      description: "When the vector part matched: the distance (COSINE: 1 − similarity; L2: euclidean; INNER_PRODUCT: − inner product).",
    }),
    vectorRank: t.exposeInt("vectorRank", { nullable: true, description: "Position (1 = nearest) among the vector matches of its kind." }),
    similarity: t.exposeFloat("vectorSimilarity", { nullable: true, deprecationReason: "Use vectorSimilarity." }),
    textRank: t.exposeFloat("textRank", { nullable: true, description: "ts_rank_cd of the full-text match (0 and up), when the full-text part matched." }),
    textPosition: t.exposeInt("textPosition", { nullable: true, description: "Position (1 = best) among the full-text matches of its kind." }),
    fusedRank: t.exposeFloat("fusedRank", {
      nullable: true,
      description: "HYBRID: the reciprocal rank fusion sum, 1/(60 + vectorRank) + 1/(60 + textPosition), counting the lists it appears in.",
    }),
  }),
});

async function loadNodes(context: Context, hits: Hit[]): Promise<LoadedHit[]> {
  const ids = (kind: SearchKind) => hits.filter((h) => h.kind === kind).map((h) => h.id);
  const [messages, chunks, memories] = await Promise.all([
    ids("MESSAGE").length ? context.db.message.findMany({ where: { id: { in: ids("MESSAGE") } } }) : [],
    ids("CHUNK").length ? context.db.conversationChunk.findMany({ where: { id: { in: ids("CHUNK") } } }) : [],
    ids("MEMORY").length ? context.db.memory.findMany({ where: { id: { in: ids("MEMORY") } } }) : [],
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
      "Give `query` (text; embedded by the server's embedder for the vector part) and/or `vector` (your own embedding, any size up to 2,000).",
    args: {
      query: t.arg.string({ validate: text({ maxLength: 2000 }) }),
      vector: t.arg.floatList(),
      kinds: t.arg({
        type: [SearchKindEnum],
        defaultValue: ["MESSAGE", "CHUNK", "MEMORY"],
        validate: rule<readonly unknown[]>((kinds) => (kinds.length === 0 ? "must name at least one kind" : undefined)),
      }),
      mode: t.arg({ type: SearchModeEnum, description: "Default: HYBRID with a query, VECTOR with only a vector." }),
      distance: t.arg({ type: DistanceMetricEnum, defaultValue: "COSINE", description: "How the vector part compares vectors." }),
      limit: t.arg.int({ defaultValue: 10, validate: range(1, MAX_LIMIT) }),
      threshold: t.arg.float({ description: "Minimum vectorSimilarity for vector matches.", validate: range(-Number.MAX_VALUE, Number.MAX_VALUE) }),
      filter: t.arg({ type: SearchFilter }),
    },
    resolve: async (_root, args, context) => {
      const limit = args.limit ?? 10;
      const threshold = args.threshold;
      const text = args.query ?? undefined;
      const mode: SearchMode = args.mode ?? (text === undefined ? "VECTOR" : "HYBRID");
      const metric: DistanceMetric = args.distance ?? "COSINE";
      const kinds = [...new Set(args.kinds ?? ["MESSAGE", "CHUNK", "MEMORY"])] as SearchKind[];
      if (mode !== "VECTOR" && text === undefined) throw badInput(`mode ${mode} needs a text query`, "query");

      let vector: readonly number[] | undefined;
      let model = args.filter?.model ?? undefined;
      if (mode !== "FULL_TEXT") {
        if (args.vector) {
          checkVector(args.vector, "vector");
          vector = args.vector;
          if (model) await checkModelSize(context.prisma, context.embedder, context.viewer.id, model, vector.length, "vector");
        } else if (text !== undefined) {
          [vector] = await embedInput(context.embedder, [text], "query");
          model ??= context.embedder.model;
        } else throw badInput("give a query or a vector", "vector");
      }
      const range = dateRange(args.filter?.createdAt, "filter.createdAt");
      const scope: SearchScope = {
        userId: context.viewer.id,
        conversationId: args.filter?.conversationId ? decodeId(args.filter.conversationId, "Conversation", "filter.conversationId") : undefined,
        from: range?.gte,
        to: range?.lte,
      };
      const depth = limit * CANDIDATE_FACTOR;
      const [vectorLists, textLists] = await Promise.all([
        vector
          ? Promise.all(kinds.map((kind) => vectorCandidates(context.prisma, kind, scope, { vector: vector!, metric, model, limit: depth }, context.search)))
          : Promise.resolve([] as Candidate[][]),
        mode !== "VECTOR" ? Promise.all(kinds.map((kind) => textCandidates(context.prisma, kind, text!, scope, depth))) : Promise.resolve([] as Candidate[][]),
      ]);
      return loadNodes(context, rankHits(mode, mode === "FULL_TEXT" ? [] : vectorLists, textLists, { limit, threshold, metric }));
    },
  }),
);
