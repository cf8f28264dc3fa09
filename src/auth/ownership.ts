// Who owns what: the Prisma `where` fragment that limits each model to one user's rows.
// Every root query and every mutation that takes an id goes through these, so another user's
// row is never found, by construction.
import type { Prisma } from "../generated/prisma/client.ts";

export const ownedBy = {
  user: (userId: string) => ({ AND: [{ id: userId }] }) satisfies Prisma.UserWhereInput,
  apiKey: (userId: string) => ({ userId }) satisfies Prisma.ApiKeyWhereInput,
  conversation: (userId: string) => ({ userId }) satisfies Prisma.ConversationWhereInput,
  message: (userId: string) => ({ conversation: { userId } }) satisfies Prisma.MessageWhereInput,
  toolUse: (userId: string) => ({ message: { conversation: { userId } } }) satisfies Prisma.ToolUseWhereInput,
  link: (userId: string) => ({ message: { conversation: { userId } } }) satisfies Prisma.LinkWhereInput,
  asset: (userId: string) => ({ message: { conversation: { userId } } }) satisfies Prisma.AssetWhereInput,
  action: (userId: string) => ({ conversation: { userId } }) satisfies Prisma.ActionWhereInput,
  preview: (userId: string) => ({ conversation: { userId } }) satisfies Prisma.PreviewWhereInput,
  conversationChunk: (userId: string) => ({ conversation: { userId } }) satisfies Prisma.ConversationChunkWhereInput,
  memory: (userId: string) => ({ userId }) satisfies Prisma.MemoryWhereInput,
  memoryCluster: (userId: string) => ({ userId }) satisfies Prisma.MemoryClusterWhereInput,
  clusterMembership: (userId: string) => ({ cluster: { userId } }) satisfies Prisma.ClusterMembershipWhereInput,
  emotionalContext: (userId: string) =>
    ({ OR: [{ memory: { userId } }, { message: { conversation: { userId } } }] }) satisfies Prisma.EmotionalContextWhereInput,
  relationshipDynamics: (userId: string) =>
    ({ OR: [{ conversation: { userId } }, { memory: { userId } }] }) satisfies Prisma.RelationshipDynamicsWhereInput,
  moodScore: (userId: string) => ({ conversation: { userId } }) satisfies Prisma.MoodScoreWhereInput,
  moodDelta: (userId: string) => ({ conversation: { userId } }) satisfies Prisma.MoodDeltaWhereInput,
  deltaPattern: (userId: string) => ({ conversation: { userId } }) satisfies Prisma.DeltaPatternWhereInput,
  deltaPatternMember: (userId: string) => ({ pattern: { conversation: { userId } } }) satisfies Prisma.DeltaPatternMemberWhereInput,
  turningPoint: (userId: string) => ({ conversation: { userId } }) satisfies Prisma.TurningPointWhereInput,
  validationStatus: (userId: string) => ({ memory: { userId } }) satisfies Prisma.ValidationStatusWhereInput,
  validationResult: (userId: string) => ({ validationStatus: { memory: { userId } } }) satisfies Prisma.ValidationResultWhereInput,
  qualityMetrics: (userId: string) => ({ memory: { userId } }) satisfies Prisma.QualityMetricsWhereInput,
  analysisMetadata: (userId: string) =>
    ({ OR: [{ conversation: { userId } }, { memory: { userId } }] }) satisfies Prisma.AnalysisMetadataWhereInput,
  deduplicationRecord: (userId: string) => ({ memory: { userId } }) satisfies Prisma.DeduplicationRecordWhereInput,
  epic: (userId: string) => ({ userId }) satisfies Prisma.EpicWhereInput,
};

/**
 * Models no user owns, each with the reason: the server's own bookkeeping, which no GraphQL field
 * reads or writes. Every other model must have a rule above (test/ownership-rules.test.ts).
 */
export const unownedModels = {
  backgroundJob: "the server's queue of embedding work; workers read it across users, and a user's jobs go with their rows",
  serverEmbedder: "which embedding models this server has used: server configuration, not anyone's data",
} as const;

/**
 * The one write a viewer's client may make to a server table: queuing the embedding of the messages
 * the same transaction stores, as a job of the viewer's own (a `create`, nothing else; any other
 * operation on these tables, and a job for someone else, is refused).
 */
export const viewerInserts: { [M in keyof typeof unownedModels]?: (userId: string, data: { userId?: string | null }) => boolean } = {
  backgroundJob: (userId, data) => data.userId === userId,
};

export const serverOnlyModels = Object.keys(unownedModels) as (keyof typeof unownedModels)[];
