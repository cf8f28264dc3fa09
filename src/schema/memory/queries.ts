// Reading memories: filtered lists, nearest neighbours, clusters.
import { builder } from "../../builder.ts";
import { badInput } from "../../errors.ts";
import type { Context } from "../../context.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { checkVector, similarityOf, vectorScore, type DistanceMetric } from "../../search/vectors.ts";
import { checkModelSize } from "../../search/stored.ts";
import { DistanceMetricEnum } from "../search/metric.ts";
import { decodeId, requireOwned } from "../ids.ts";
import { DateTimeRange, MAX_PATTERN_LENGTH, MAX_TEXT_MATCHES, dateRange, embedInput, orderWithTieBreak } from "../inputs.ts";
import { pattern, range, text } from "../constraints.ts";
import { MemoryRef } from "./types.ts";
import { memoryEmbedding, memoryIdsContaining, nearestMemories } from "./sql.ts";

const FloatRange = builder.inputType("FloatRange", {
  description: "An inclusive numeric range; either end may be left open.",
  fields: (t) => ({ min: t.float({ validate: range(-Number.MAX_VALUE, Number.MAX_VALUE) }), max: t.float({ validate: range(-Number.MAX_VALUE, Number.MAX_VALUE) }) }),
});

const MemoryFilter = builder.inputType("MemoryFilter", {
  fields: (t) => ({
    kind: t.stringList({ description: "Any of these kinds." }),
    tags: t.stringList({ description: "Has every one of these tags." }),
    anyTags: t.stringList({ description: "Has at least one of these tags." }),
    importance: t.field({ type: FloatRange }),
    clusterId: t.id({ description: "Members of this cluster." }),
    conversationId: t.id(),
    contains: t.string({
      description: `Case-insensitive text in the content or summary (at most ${MAX_PATTERN_LENGTH} characters, taken literally); at most ${MAX_TEXT_MATCHES.toLocaleString("en")} matching memories are considered.`,
      validate: pattern(),
    }),
    createdAt: t.field({ type: DateTimeRange }),
    lastAccessedAt: t.field({ type: DateTimeRange }),
  }),
});

const MemoryOrder = builder.prismaOrderBy("Memory", {
  name: "MemoryOrder",
  description: "One field per entry; entries apply in order. Ties are broken by id.",
  fields: { importance: true, createdAt: true, updatedAt: true, lastAccessedAt: true, accessCount: true, kind: true },
});

async function memoryWhere(filter: typeof MemoryFilter.$inferInput | null | undefined, includeDeleted: boolean, context: Context): Promise<Prisma.MemoryWhereInput> {
  const where: Prisma.MemoryWhereInput = includeDeleted ? {} : { deletedAt: null };
  if (!filter) return where;
  const and: Prisma.MemoryWhereInput[] = [];
  if (filter.kind?.length) where.kind = { in: [...filter.kind] };
  if (filter.tags?.length) and.push({ tags: { hasEvery: [...filter.tags] } });
  if (filter.anyTags?.length) and.push({ tags: { hasSome: [...filter.anyTags] } });
  if (filter.importance) {
    const { min, max } = filter.importance;
    if (min != null && max != null && min > max) throw badInput("filter.importance.min must not be above max", "filter.importance");
    where.importance = { ...(min != null ? { gte: min } : {}), ...(max != null ? { lte: max } : {}) };
  }
  if (filter.clusterId) and.push({ clusterMemberships: { some: { clusterId: decodeId(filter.clusterId, "MemoryCluster", "filter.clusterId") } } });
  if (filter.conversationId) where.conversationId = decodeId(filter.conversationId, "Conversation", "filter.conversationId");
  if (filter.contains) {
    const conversationId = where.conversationId as string | undefined;
    and.push({ id: { in: await memoryIdsContaining(context.prisma, context.viewer.id, filter.contains, { includeDeleted, conversationId }, MAX_TEXT_MATCHES) } });
  }
  const createdAt = dateRange(filter.createdAt, "filter.createdAt");
  if (createdAt) where.createdAt = createdAt;
  const lastAccessedAt = dateRange(filter.lastAccessedAt, "filter.lastAccessedAt");
  if (lastAccessedAt) where.lastAccessedAt = lastAccessedAt;
  if (and.length) where.AND = and;
  return where;
}

builder.queryField("memories", (t) =>
  t.prismaConnection({
    type: "Memory",
    cursor: "id",
    description: "The viewer's memories, newest first unless ordered otherwise; soft-deleted ones only with includeDeleted.",
    args: {
      filter: t.arg({ type: MemoryFilter }),
      orderBy: t.arg({ type: [MemoryOrder] }),
      includeDeleted: t.arg.boolean({ defaultValue: false }),
    },
    resolve: async (query, _root, args, context) =>
      context.db.memory.findMany({
        ...query,
        where: await memoryWhere(args.filter, args.includeDeleted ?? false, context),
        orderBy: orderWithTieBreak(args.orderBy, { createdAt: "desc" }),
      }),
    totalCount: async (_root, args, context) => context.db.memory.count({ where: await memoryWhere(args.filter, args.includeDeleted ?? false, context) }),
  }),
);

interface Neighbour {
  memory: object;
  distance: number;
  metric: DistanceMetric;
}

const SimilarMemory = builder.objectRef<Neighbour>("SimilarMemory").implement({
  fields: (t) => ({
    memory: t.field({ type: MemoryRef, resolve: (n) => n.memory as never }),
    score: t.float({
      description: "The similarity in [0, 1] for display (negative similarities count as 0; L2: 1 / (1 + distance)).",
      resolve: (n) => vectorScore(n.metric, n.distance),
    }),
    similarity: t.float({
      description: "COSINE: cosine similarity (−1 to 1); L2: 1 / (1 + distance); INNER_PRODUCT: the inner product.",
      resolve: (n) => similarityOf(n.metric, n.distance),
    }),
    distance: t.exposeFloat("distance", { description: "The distance (COSINE: 1 − similarity; L2: euclidean; INNER_PRODUCT: − inner product)." }),
  }),
});

async function queryVector(context: Context, args: { to?: string | null; vector?: readonly number[] | null; text?: string | null; model?: string | null }) {
  const given = [args.to, args.vector, args.text].filter((x) => x != null).length;
  if (given !== 1) throw badInput("give exactly one of to, vector or text", "to");
  if (args.to) {
    const id = await requireOwned(context, "Memory", args.to, "to");
    const stored = await memoryEmbedding(context.prisma, context.viewer.id, id);
    if (!stored) throw badInput("that memory has no embedding to compare with", "to");
    return { vector: stored.vector, model: stored.model, excludeId: id };
  }
  if (args.vector) return { vector: args.vector, model: args.model ?? null };
  const [vector] = await embedInput(context.embedder, [args.text!], "text");
  return { vector, model: context.embedder.model };
}

builder.queryField("similarMemories", (t) =>
  t.field({
    type: [SimilarMemory],
    description: "The viewer's memories nearest to a memory (`to`), to a vector, or to a text; most similar first, deleted ones left out.",
    args: {
      to: t.arg.id(),
      vector: t.arg.floatList(),
      text: t.arg.string({ validate: text({ maxLength: 2000 }) }),
      model: t.arg.string({ description: "With `vector`: compare only with embeddings of this model." }),
      limit: t.arg.int({ defaultValue: 10, validate: range(1, 100) }),
      threshold: t.arg.float({ description: "Minimum similarity.", validate: range(-Number.MAX_VALUE, Number.MAX_VALUE) }),
      distance: t.arg({ type: DistanceMetricEnum, defaultValue: "COSINE", description: "How vectors are compared." }),
    },
    resolve: async (_root, args, context) => {
      const limit = args.limit ?? 10;
      const threshold = args.threshold;
      const metric: DistanceMetric = args.distance ?? "COSINE";
      const { vector, model, excludeId } = await queryVector(context, args);
      checkVector(vector, "vector");
      if (args.vector && model) await checkModelSize(context.prisma, context.embedder, context.viewer.id, model, vector.length, "vector");
      const hits = (await nearestMemories(context.prisma, context.viewer.id, vector, { limit, model, excludeId, metric }, context.search)).filter(
        (hit) => threshold == null || similarityOf(metric, hit.distance) >= threshold,
      );
      const memories = await context.db.memory.findMany({ where: { id: { in: hits.map((h) => h.id) } } });
      const byId = new Map(memories.map((m) => [m.id, m]));
      return hits.flatMap((hit) => (byId.has(hit.id) ? [{ memory: byId.get(hit.id)!, distance: hit.distance, metric }] : []));
    },
  }),
);

builder.queryField("memoryClusters", (t) =>
  t.prismaConnection({
    type: "MemoryCluster",
    cursor: "id",
    description: "The viewer's memory clusters, by name; each with its members and their scores.",
    args: { theme: t.arg.string({ description: "Only clusters with this theme." }) },
    resolve: (query, _root, args, context) =>
      context.db.memoryCluster.findMany({
        ...query,
        where: args.theme ? { themes: { has: args.theme } } : {},
        orderBy: [{ name: "asc" }, { id: "asc" }],
      }),
    totalCount: (_root, args, context) =>
      context.db.memoryCluster.count({ where: args.theme ? { themes: { has: args.theme } } : {} }),
  }),
);
