// Long-term memories (what an assistant keeps across sessions), their clusters and merge history.
import { builder } from "../../builder.ts";
import { listFirst, listTake } from "../lists.ts";
import { storedEmbeddings } from "../../search/stored.ts";

export const MemoryRef = builder.prismaNode("Memory", {
  id: { field: "id" },
  nullable: true,
  authScopes: (memory) => ({ owner: memory.userId }),
  fields: (t) => ({
    conversation: t.relation("conversation", { nullable: true, description: "The conversation (a memory session, say) it came from." }),
    externalId: t.exposeString("externalId", { nullable: true, description: "The source system's id for the memory; unique among the user's." }),
    content: t.exposeString("content"),
    summary: t.exposeString("summary", { nullable: true }),
    kind: t.exposeString("kind"),
    importance: t.exposeFloat("importance"),
    confidence: t.exposeFloat("confidence", { nullable: true }),
    participants: t.exposeStringList("participants"),
    sourceMessageIds: t.exposeStringList("sourceMessageIds"),
    tags: t.exposeStringList("tags"),
    embeddingModel: t.exposeString("embeddingModel", { nullable: true }),
    embeddingDimensions: t.exposeInt("embeddingDimensions", { nullable: true }),
    embedding: t.loadableList({
      type: "Float",
      nullable: true,
      description: "The stored vector. Costly (up to 2,000 numbers per memory): ask for it only when you need the numbers.",
      load: (ids: string[], context) => storedEmbeddings(context.prisma, "MEMORY", context.viewer.id, ids),
      resolve: (memory) => memory.id,
    }),
    accessCount: t.exposeInt("accessCount"),
    lastAccessedAt: t.expose("lastAccessedAt", { type: "DateTime", nullable: true }),
    deletedAt: t.expose("deletedAt", { type: "DateTime", nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    clusterMemberships: t.relation("clusterMemberships", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ addedAt: "asc" }, { id: "asc" }] }),
    }),
    emotionalContext: t.relation("emotionalContext", { nullable: true }),
    relationshipDynamics: t.relation("relationshipDynamics", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
    validationStatus: t.relation("validationStatus", { nullable: true }),
    qualityMetrics: t.relation("qualityMetrics", { nullable: true }),
    analyses: t.relation("analyses", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
    deduplicationRecords: t.relation("deduplicationRecords", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    }),
  }),
});

builder.prismaNode("MemoryCluster", {
  id: { field: "id" },
  nullable: true,
  authScopes: (cluster) => ({ owner: cluster.userId }),
  fields: (t) => ({
    name: t.exposeString("name"),
    themes: t.exposeStringList("themes"),
    description: t.exposeString("description", { nullable: true }),
    centroidModel: t.exposeString("centroidModel", { nullable: true }),
    centroidDimensions: t.exposeInt("centroidDimensions", { nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    memberCount: t.relationCount("memberships"),
    members: t.relatedConnection("memberships", {
      description: "Member memories, strongest first.",
      cursor: "id",
      totalCount: true,
      query: { orderBy: [{ score: { sort: "desc", nulls: "last" } }, { id: "asc" }] },
    }),
  }),
});

builder.prismaNode("ClusterMembership", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    memory: t.relation("memory"),
    cluster: t.relation("cluster"),
    score: t.exposeFloat("score", { nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true, description: "Anything else known about the membership (e.g. how much the memory contributes to the cluster)." }),
    addedAt: t.expose("addedAt", { type: "DateTime" }),
  }),
});

builder.prismaNode("DeduplicationRecord", {
  description: "A merge: `memory` was kept and `mergedMemoryIds` were folded into it.",
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    memory: t.relation("memory"),
    mergedMemoryIds: t.exposeStringList("mergedMemoryIds"),
    strategy: t.exposeString("strategy"),
    conflicts: t.expose("conflicts", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});
