// node(id:) and nodes(ids:) reach any type by id, so they check ownership first: one query per type
// asked for, whatever the number of ids, then the nodes are loaded (batched by Prisma).
import type { Context } from "../context.ts";
import type { ViewerClient } from "./viewer-client.ts";

export interface NodeId {
  typename: string;
  id: string;
}

// The viewer's client adds each model's ownership rule, so these name the ids and nothing else.
type OwnedIds = (db: ViewerClient, ids: string[]) => Promise<{ id: string }[]>;
const selectId = { id: true } as const;

/** Every GraphQL type that node(id:) can return, and which of some of its ids are the viewer's. */
const nodeTypes = {
  User: (db, ids) => db.user.findMany({ where: { id: { in: ids } }, select: selectId }),
  ApiKey: (db, ids) => db.apiKey.findMany({ where: { id: { in: ids } }, select: selectId }),
  Conversation: (db, ids) => db.conversation.findMany({ where: { id: { in: ids } }, select: selectId }),
  Message: (db, ids) => db.message.findMany({ where: { id: { in: ids } }, select: selectId }),
  ToolUse: (db, ids) => db.toolUse.findMany({ where: { id: { in: ids } }, select: selectId }),
  Link: (db, ids) => db.link.findMany({ where: { id: { in: ids } }, select: selectId }),
  Asset: (db, ids) => db.asset.findMany({ where: { id: { in: ids } }, select: selectId }),
  Action: (db, ids) => db.action.findMany({ where: { id: { in: ids } }, select: selectId }),
  Preview: (db, ids) => db.preview.findMany({ where: { id: { in: ids } }, select: selectId }),
  ConversationChunk: (db, ids) => db.conversationChunk.findMany({ where: { id: { in: ids } }, select: selectId }),
  Memory: (db, ids) => db.memory.findMany({ where: { id: { in: ids } }, select: selectId }),
  MemoryCluster: (db, ids) => db.memoryCluster.findMany({ where: { id: { in: ids } }, select: selectId }),
  ClusterMembership: (db, ids) => db.clusterMembership.findMany({ where: { id: { in: ids } }, select: selectId }),
  EmotionalContext: (db, ids) => db.emotionalContext.findMany({ where: { id: { in: ids } }, select: selectId }),
  RelationshipDynamics: (db, ids) => db.relationshipDynamics.findMany({ where: { id: { in: ids } }, select: selectId }),
  MoodScore: (db, ids) => db.moodScore.findMany({ where: { id: { in: ids } }, select: selectId }),
  MoodDelta: (db, ids) => db.moodDelta.findMany({ where: { id: { in: ids } }, select: selectId }),
  DeltaPattern: (db, ids) => db.deltaPattern.findMany({ where: { id: { in: ids } }, select: selectId }),
  TurningPoint: (db, ids) => db.turningPoint.findMany({ where: { id: { in: ids } }, select: selectId }),
  ValidationStatus: (db, ids) => db.validationStatus.findMany({ where: { id: { in: ids } }, select: selectId }),
  ValidationResult: (db, ids) => db.validationResult.findMany({ where: { id: { in: ids } }, select: selectId }),
  QualityMetrics: (db, ids) => db.qualityMetrics.findMany({ where: { id: { in: ids } }, select: selectId }),
  AnalysisMetadata: (db, ids) => db.analysisMetadata.findMany({ where: { id: { in: ids } }, select: selectId }),
  DeduplicationRecord: (db, ids) => db.deduplicationRecord.findMany({ where: { id: { in: ids } }, select: selectId }),
  Epic: (db, ids) => db.epic.findMany({ where: { id: { in: ids } }, select: selectId }),
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
      for (const row of await nodeTypes[typename](context.db, typeIds)) owned.add(key({ typename, id: row.id }));
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
