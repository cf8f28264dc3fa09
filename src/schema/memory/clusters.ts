// Memory clusters: named groups of memories with themes, a centroid, and a score per member.
import { builder } from "../../builder.ts";
import { retryingTransaction } from "../../db/transaction.ts";
import { badInput, notFound } from "../../errors.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import type { Context } from "../../context.ts";
import { checkVector, storeVector } from "../../search/vectors.ts";
import { ownedNodeKeys } from "../../auth/node-access.ts";
import { decodeId, requireOwned } from "../ids.ts";
import { jsonInput } from "../inputs.ts";
import { range, text } from "../constraints.ts";
import { ownedExecute, ownedQuery, owner, type ViewerTransaction } from "../../auth/viewer-client.ts";

const MAX_MEMBERS = 500;

const ClusterMemberInput = builder.inputType("ClusterMemberInput", {
  fields: (t) => ({
    memoryId: t.id({ required: true }),
    score: t.float({ description: "How strongly the memory belongs, 0 to 1.", validate: range(0, 1) }),
  }),
});

const CreateMemoryClusterInput = builder.inputType("CreateMemoryClusterInput", {
  fields: (t) => ({
    name: t.string({ required: true, validate: text({ maxLength: 200 }) }),
    themes: t.stringList(),
    description: t.string(),
    centroid: t.floatList({ description: "The cluster's centre in embedding space." }),
    model: t.string({ description: "The model of `centroid` (required with it)." }),
    metadata: t.field({ type: "JSON" }),
    members: t.field({ type: [ClusterMemberInput] }),
  }),
});

/** Members as (memory id, score), after checking every memory is the viewer's (one query). */
async function ownMembers(context: Context, members: readonly { memoryId: string; score?: number | null }[]) {
  if (members.length > MAX_MEMBERS) throw badInput(`at most ${MAX_MEMBERS} members per call`, "members");
  const rows = members.map((member, i) => ({
    memoryId: decodeId(member.memoryId, "Memory", `members[${i}].memoryId`),
    score: member.score ?? null,
  }));
  const owned = await ownedNodeKeys(context, rows.map((row) => ({ typename: "Memory", id: row.memoryId })));
  const missing = rows.findIndex((row) => !owned.has(`Memory:${row.memoryId}`));
  if (missing >= 0) throw notFound("Memory", members[missing].memoryId);
  return rows;
}

/**
 * Adds members, or updates the score of those already in. Checked again under locks, inside the
 * transaction: the cluster is still there, and no member was merged away or deleted meanwhile
 * (mergeMemories locks its memories FOR UPDATE, so a merge and an add run one after the other and
 * a membership is never left on a memory merged into another).
 */
async function upsertMembers(
  tx: Pick<ViewerTransaction, "clusterMembership" | "$executeRaw" | "$queryRaw">,
  viewerId: string,
  clusterId: string,
  rows: { memoryId: string; score: number | null }[],
  ids: readonly string[],
) {
  if (rows.length === 0) return;
  const cluster = await ownedQuery(tx, viewerId)<{ id: string }>`SELECT id FROM memory_clusters WHERE id = ${clusterId} AND ${owner()} FOR SHARE`;
  if (cluster.length === 0) throw notFound("MemoryCluster");
  const memoryIds = rows.map((row) => row.memoryId);
  const live = await ownedQuery(tx, viewerId)<{ id: string; deleted: boolean }>`
    SELECT id, deleted_at IS NOT NULL AS deleted FROM memories
     WHERE id IN (${Prisma.join(memoryIds)}) AND ${owner()} ORDER BY id FOR SHARE`;
  const state = new Map(live.map((row) => [row.id, row.deleted]));
  const gone = memoryIds.findIndex((id) => !state.has(id));
  if (gone >= 0) throw notFound("Memory", ids[gone]);
  const deleted = memoryIds.findIndex((id) => state.get(id));
  if (deleted >= 0) throw badInput(`members[${deleted}].memoryId is deleted or merged into another memory: restore it first`, `members[${deleted}].memoryId`);
  await tx.clusterMembership.createMany({ data: rows.map((row) => ({ ...row, clusterId })), skipDuplicates: true });
  await tx.$executeRaw`
    UPDATE cluster_memberships AS cm SET score = v.score
      FROM (SELECT unnest(${rows.map((r) => r.memoryId)}::text[]) AS memory_id, unnest(${rows.map((r) => r.score)}::float8[]) AS score) AS v
     WHERE cm.cluster_id = ${clusterId} AND cm.memory_id = v.memory_id`;
}

builder.mutationField("createMemoryCluster", (t) =>
  t.prismaField({
    type: "MemoryCluster",
    description: "A new cluster (names are unique per user: a taken name is CONFLICT), optionally with members.",
    args: { input: t.arg({ type: CreateMemoryClusterInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      if (input.centroid && !input.model) throw badInput("input.model is required with a centroid", "input.model");
      if (input.centroid) checkVector(input.centroid, "input.centroid");
      const members = await ownMembers(context, input.members ?? []);
      const id = await retryingTransaction(context.db, async (tx) => {
        const cluster = await tx.memoryCluster.create({
          data: {
            userId: context.viewer.id,
            name: input.name,
            themes: input.themes ? [...input.themes] : [],
            description: input.description,
            metadata: jsonInput(input.metadata),
          },
          select: { id: true },
        });
        if (input.centroid) {
          await ownedExecute(tx, context.viewer.id)`
            UPDATE memory_clusters SET ${storeVector("centroid", input.centroid, input.model!)} WHERE id = ${cluster.id} AND ${owner()}`;
        }
        await upsertMembers(tx, context.viewer.id, cluster.id, members, (input.members ?? []).map((m) => m.memoryId));
        return cluster.id;
      });
      return context.db.memoryCluster.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField("addToCluster", (t) =>
  t.prismaField({
    type: "MemoryCluster",
    description: "Adds memories to a cluster, or updates their scores if already in.",
    args: { clusterId: t.arg.id({ required: true }), members: t.arg({ type: [ClusterMemberInput], required: true }) },
    resolve: async (query, _root, args, context) => {
      const clusterId = await requireOwned(context, "MemoryCluster", args.clusterId, "clusterId");
      const members = await ownMembers(context, args.members);
      await retryingTransaction(context.db, async (tx) =>
        upsertMembers(
          tx,
          context.viewer.id,
          clusterId,
          members,
          args.members.map((m) => m.memoryId),
        ),
      );
      return context.db.memoryCluster.findUniqueOrThrow({ ...query, where: { id: clusterId } });
    },
  }),
);

builder.mutationField("removeFromCluster", (t) =>
  t.prismaField({
    type: "MemoryCluster",
    args: { clusterId: t.arg.id({ required: true }), memoryIds: t.arg.idList({ required: true }) },
    resolve: async (query, _root, args, context) => {
      const clusterId = await requireOwned(context, "MemoryCluster", args.clusterId, "clusterId");
      if (args.memoryIds.length > MAX_MEMBERS) throw badInput(`at most ${MAX_MEMBERS} ids`, "memoryIds");
      const memoryIds = args.memoryIds.map((id, i) => decodeId(id, "Memory", `memoryIds[${i}]`));
      await context.db.clusterMembership.deleteMany({ where: { clusterId, memoryId: { in: memoryIds } } });
      return context.db.memoryCluster.findUniqueOrThrow({ ...query, where: { id: clusterId } });
    },
  }),
);
