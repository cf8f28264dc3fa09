// node(id:) and nodes(ids:) reach any type by id, so they check ownership first: one query per type
// asked for, whatever the number of ids, then the nodes are loaded (batched by Prisma).
import type { Context } from "../context.ts";
import type { PrismaClient } from "../db/database.ts";
import { ownedBy } from "./ownership.ts";

export interface NodeId {
  typename: string;
  id: string;
}

type OwnedIds = (prisma: PrismaClient, userId: string, ids: string[]) => Promise<{ id: string }[]>;
const selectId = { id: true } as const;

/** Every GraphQL type that node(id:) can return, and which of some of its ids are the viewer's. */
const nodeTypes = {
  User: (db, userId, ids) => db.user.findMany({ where: { id: { in: ids }, ...ownedBy.user(userId) }, select: selectId }),
  ApiKey: (db, userId, ids) => db.apiKey.findMany({ where: { id: { in: ids }, ...ownedBy.apiKey(userId) }, select: selectId }),
  Conversation: (db, userId, ids) => db.conversation.findMany({ where: { id: { in: ids }, ...ownedBy.conversation(userId) }, select: selectId }),
  Message: (db, userId, ids) => db.message.findMany({ where: { id: { in: ids }, ...ownedBy.message(userId) }, select: selectId }),
  ToolUse: (db, userId, ids) => db.toolUse.findMany({ where: { id: { in: ids }, ...ownedBy.toolUse(userId) }, select: selectId }),
  Link: (db, userId, ids) => db.link.findMany({ where: { id: { in: ids }, ...ownedBy.link(userId) }, select: selectId }),
  Asset: (db, userId, ids) => db.asset.findMany({ where: { id: { in: ids }, ...ownedBy.asset(userId) }, select: selectId }),
  Action: (db, userId, ids) => db.action.findMany({ where: { id: { in: ids }, ...ownedBy.action(userId) }, select: selectId }),
  Preview: (db, userId, ids) => db.preview.findMany({ where: { id: { in: ids }, ...ownedBy.preview(userId) }, select: selectId }),
  ConversationChunk: (db, userId, ids) =>
    db.conversationChunk.findMany({ where: { id: { in: ids }, ...ownedBy.conversationChunk(userId) }, select: selectId }),
  Memory: (db, userId, ids) => db.memory.findMany({ where: { id: { in: ids }, ...ownedBy.memory(userId) }, select: selectId }),
  MemoryCluster: (db, userId, ids) => db.memoryCluster.findMany({ where: { id: { in: ids }, ...ownedBy.memoryCluster(userId) }, select: selectId }),
  ClusterMembership: (db, userId, ids) =>
    db.clusterMembership.findMany({ where: { id: { in: ids }, ...ownedBy.clusterMembership(userId) }, select: selectId }),
  EmotionalContext: (db, userId, ids) =>
    db.emotionalContext.findMany({ where: { id: { in: ids }, ...ownedBy.emotionalContext(userId) }, select: selectId }),
  RelationshipDynamics: (db, userId, ids) =>
    db.relationshipDynamics.findMany({ where: { id: { in: ids }, ...ownedBy.relationshipDynamics(userId) }, select: selectId }),
  MoodScore: (db, userId, ids) => db.moodScore.findMany({ where: { id: { in: ids }, ...ownedBy.moodScore(userId) }, select: selectId }),
  MoodDelta: (db, userId, ids) => db.moodDelta.findMany({ where: { id: { in: ids }, ...ownedBy.moodDelta(userId) }, select: selectId }),
  DeltaPattern: (db, userId, ids) => db.deltaPattern.findMany({ where: { id: { in: ids }, ...ownedBy.deltaPattern(userId) }, select: selectId }),
  TurningPoint: (db, userId, ids) => db.turningPoint.findMany({ where: { id: { in: ids }, ...ownedBy.turningPoint(userId) }, select: selectId }),
  ValidationStatus: (db, userId, ids) =>
    db.validationStatus.findMany({ where: { id: { in: ids }, ...ownedBy.validationStatus(userId) }, select: selectId }),
  ValidationResult: (db, userId, ids) =>
    db.validationResult.findMany({ where: { id: { in: ids }, ...ownedBy.validationResult(userId) }, select: selectId }),
  QualityMetrics: (db, userId, ids) => db.qualityMetrics.findMany({ where: { id: { in: ids }, ...ownedBy.qualityMetrics(userId) }, select: selectId }),
  AnalysisMetadata: (db, userId, ids) =>
    db.analysisMetadata.findMany({ where: { id: { in: ids }, ...ownedBy.analysisMetadata(userId) }, select: selectId }),
  DeduplicationRecord: (db, userId, ids) =>
    db.deduplicationRecord.findMany({ where: { id: { in: ids }, ...ownedBy.deduplicationRecord(userId) }, select: selectId }),
  Epic: (db, userId, ids) => db.epic.findMany({ where: { id: { in: ids }, ...ownedBy.epic(userId) }, select: selectId }),
} satisfies Record<string, OwnedIds>;

/** The name of a GraphQL type that can be fetched by id. */
export type NodeTypename = keyof typeof nodeTypes;
export const nodeTypenames = Object.keys(nodeTypes) as NodeTypename[];

// Own properties only: a type name like "constructor" or "toString" must not reach Object.prototype.
const isNodeTypename = (typename: string): typename is NodeTypename => Object.hasOwn(nodeTypes, typename);

const key = ({ typename, id }: NodeId) => `${typename}:${id}`;

/** The subset of `ids` that exist and belong to the viewer, as "Type:id" keys. */
export async function ownedNodeKeys(context: Context, ids: readonly NodeId[]): Promise<Set<string>> {
  const byType = new Map<NodeTypename, string[]>();
  for (const { typename, id } of ids) if (isNodeTypename(typename)) byType.set(typename, [...(byType.get(typename) ?? []), id]);
  const owned = new Set<string>();
  await Promise.all(
    [...byType].map(async ([typename, typeIds]) => {
      for (const row of await nodeTypes[typename](context.prisma, context.viewer.id, typeIds)) owned.add(key({ typename, id: row.id }));
    }),
  );
  return owned;
}

export async function resolveOwnedNodes(
  context: Context,
  ids: readonly NodeId[],
  resolveNodes: (ids: NodeId[]) => Promise<unknown[]>,
): Promise<unknown[]> {
  const owned = await ownedNodeKeys(context, ids);
  const allowed = ids.filter((id) => owned.has(key(id)));
  const loaded = await resolveNodes(allowed);
  const byKey = new Map(allowed.map((id, i) => [key(id), loaded[i]]));
  return ids.map((id) => byKey.get(key(id)) ?? null);
}
