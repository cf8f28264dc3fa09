/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AssetInput = {
  filename?: string | null | undefined;
  metadata?: unknown;
  mimeType?: string | null | undefined;
  sizeBytes?: number | null | undefined;
  /** image, document, audio, video, file, ... */
  type: string;
  url?: string | null | undefined;
};

/** What an agent debate discusses: an article, a post, a document. */
export type ContentSourceInput = {
  author?: string | null | undefined;
  body?: string | null | undefined;
  metadata?: unknown;
  publishedAt?: string | null | undefined;
  title?: string | null | undefined;
  type: string;
  url?: string | null | undefined;
};

export type ConversationStatus =
  | 'ACTIVE'
  | 'ARCHIVED'
  | 'COMPLETED'
  | 'FAILED'
  | 'INITIALIZED';

export type CreateConversationInput = {
  completedAt?: string | null | undefined;
  /** 0 to 1. */
  confidenceScore?: number | null | undefined;
  /** A build context's configuration (template, tooling, settings), as the application stores it. */
  config?: unknown;
  consensusReached?: boolean | null | undefined;
  contentSource?: ContentSourceInput | null | undefined;
  /** When it was first recorded, to keep an import's history. Defaults to now. */
  createdAt?: string | null | undefined;
  description?: string | null | undefined;
  /** When it ended (an import's history); endConversation sets it otherwise. */
  endedAt?: string | null | undefined;
  /** The source system's id for it (an import's session or conversation id); unique among your conversations (CONFLICT otherwise). */
  externalId?: string | null | undefined;
  finalRecommendation?: string | null | undefined;
  /** A build context's flow (its steps and their state), as the application stores it. */
  flow?: unknown;
  metadata?: unknown;
  projectPath?: string | null | undefined;
  sessionId?: string | null | undefined;
  startedAt?: string | null | undefined;
  status?: ConversationStatus | null | undefined;
  title?: string | null | undefined;
};

/** An inclusive time range; either end may be left open. */
export type DateTimeRange = {
  from?: string | null | undefined;
  to?: string | null | undefined;
};

/** A message is stored once: one with an `externalId` the conversation already holds, or without one the same role, sender, timestamp and content as a message it holds (or as an earlier one of the same call), is skipped and counted in `duplicates`. A message without `externalId` and without `timestamp` is stamped when it arrives and is never a duplicate. */
export type MessageInput = {
  agentName?: string | null | undefined;
  agentType?: string | null | undefined;
  assets?: Array<AssetInput> | null | undefined;
  citedSources?: Array<string> | null | undefined;
  /** 0 to 1. */
  confidence?: number | null | undefined;
  /** May be empty only for a message with tool uses, tool calls, assets or links (an assistant turn that only calls tools, a photo sent without text). */
  content: string;
  /** The source system's id for the message (Claude Code's uuid, ChatGPT's message id, an export line's place); unique within the conversation. */
  externalId?: string | null | undefined;
  /** http(s) URLs to record as the message's links besides those found in its content (a source system's own link records). */
  links?: Array<string> | null | undefined;
  metadata?: unknown;
  /** 1-based place in the conversation (an import's original order). Left out: after the last message. A place already taken is a CONFLICT. */
  position?: number | null | undefined;
  role: MessageRole;
  /** Author's display name (chat exports). */
  sender?: string | null | undefined;
  signalReferences?: Array<string> | null | undefined;
  /** Defaults to now. */
  timestamp?: string | null | undefined;
  toolCalls?: unknown;
  toolUses?: Array<ToolUseInput> | null | undefined;
};

export type MessageRole =
  | 'ASSISTANT'
  | 'FUNCTION'
  | 'SYSTEM'
  | 'TOOL'
  | 'USER';

export type ToolUsageFilter = {
  conversationId?: string | null | undefined;
  status?: ToolUseStatus | null | undefined;
  timestamp?: DateTimeRange | null | undefined;
  toolName?: string | null | undefined;
};

export type ToolUseInput = {
  durationMs?: number | null | undefined;
  /** The source system's id for the call (e.g. Claude Code's tool_use id); unique within its message. */
  externalId?: string | null | undefined;
  metadata?: unknown;
  parameters?: unknown;
  response?: unknown;
  status?: ToolUseStatus | null | undefined;
  timestamp?: string | null | undefined;
  toolName: string;
};

export type ToolUseStatus =
  | 'ERROR'
  | 'PENDING'
  | 'SUCCESS'
  | 'TIMEOUT';

export type CreateConversationMutationVariables = Exact<{
  input: CreateConversationInput;
}>;


export type CreateConversationMutation = { createConversation: { id: string, title: string | null, projectPath: string | null, sessionId: string | null, status: ConversationStatus, active: boolean, startedAt: string } };

export type EndConversationMutationVariables = Exact<{
  id: string;
}>;


export type EndConversationMutation = { endConversation: { id: string, status: ConversationStatus, active: boolean, endedAt: string | null } };

export type AppendMessagesMutationVariables = Exact<{
  conversationId: string;
  messages: Array<MessageInput> | MessageInput;
}>;


export type AppendMessagesMutation = { appendMessages: { inserted: number, duplicates: number, messages: Array<{ id: string, position: number, role: MessageRole, toolUses: Array<{ id: string, toolName: string, status: ToolUseStatus }> }>, conversation: { id: string, messageCount: number } } };

export type ConversationWithMessagesQueryVariables = Exact<{
  id: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ConversationWithMessagesQuery = { conversation: { id: string, title: string | null, projectPath: string | null, sessionId: string | null, status: ConversationStatus, startedAt: string, endedAt: string | null, messages: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, position: number, role: MessageRole, content: string, timestamp: string, toolUses: Array<{ id: string, toolName: string, parameters: unknown, response: unknown, status: ToolUseStatus, durationMs: number | null, timestamp: string }> } }> } } | null };

export type RecentActiveConversationsQueryVariables = Exact<{
  projectPath: string;
}>;


export type RecentActiveConversationsQuery = { conversations: { totalCount: number, edges: Array<{ node: { id: string, title: string | null, sessionId: string | null, startedAt: string, messageCount: number } }> } };

export type ToolUsageStatsQueryVariables = Exact<{
  filter?: ToolUsageFilter | null | undefined;
}>;


export type ToolUsageStatsQuery = { toolUsageStats: Array<{ toolName: string, status: ToolUseStatus, count: number, avgDurationMs: number | null, p95DurationMs: number | null }> };

export type SearchMessagesQueryVariables = Exact<{
  roles?: Array<MessageRole> | MessageRole | null | undefined;
  contains: string;
  first?: number | null | undefined;
}>;


export type SearchMessagesQuery = { messages: { totalCount: number, edges: Array<{ node: { id: string, role: MessageRole, content: string, timestamp: string, conversation: { id: string, title: string | null } } }> } };

export type MessageAddedSubscriptionVariables = Exact<{
  conversationId?: string | null | undefined;
}>;


export type MessageAddedSubscription = { messageAdded: { id: string, role: MessageRole, content: string, position: number } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const CreateConversationDocument = new TypedDocumentString(`
    mutation CreateConversation($input: CreateConversationInput!) {
  createConversation(input: $input) {
    id
    title
    projectPath
    sessionId
    status
    active
    startedAt
  }
}
    `, {"hash":"sha256:93a72e041182ff57ddbe7b80c55d0f335a50db4c30b614ea6f93c5701ad75d73"}) as unknown as TypedDocumentString<CreateConversationMutation, CreateConversationMutationVariables>;
export const EndConversationDocument = new TypedDocumentString(`
    mutation EndConversation($id: ID!) {
  endConversation(id: $id) {
    id
    status
    active
    endedAt
  }
}
    `, {"hash":"sha256:41906152888c2ac3c70673b9ec7bd9aaa57485c7820bc787a062b1c0e26d57dc"}) as unknown as TypedDocumentString<EndConversationMutation, EndConversationMutationVariables>;
export const AppendMessagesDocument = new TypedDocumentString(`
    mutation AppendMessages($conversationId: ID!, $messages: [MessageInput!]!) {
  appendMessages(conversationId: $conversationId, messages: $messages) {
    inserted
    duplicates
    messages {
      id
      position
      role
      toolUses {
        id
        toolName
        status
      }
    }
    conversation {
      id
      messageCount
    }
  }
}
    `, {"hash":"sha256:7a3e2d5467490e08d37482d1f1c786d25e53bcdfc569d795b9c19a7c72200c18"}) as unknown as TypedDocumentString<AppendMessagesMutation, AppendMessagesMutationVariables>;
export const ConversationWithMessagesDocument = new TypedDocumentString(`
    query ConversationWithMessages($id: ID!, $first: Int = 50, $after: String) {
  conversation(id: $id) {
    id
    title
    projectPath
    sessionId
    status
    startedAt
    endedAt
    messages(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          position
          role
          content
          timestamp
          toolUses {
            id
            toolName
            parameters
            response
            status
            durationMs
            timestamp
          }
        }
      }
    }
  }
}
    `, {"hash":"sha256:6ccd12f077cdcac290ecebac51ca0ed223f0df6ec30c5dd507ff59a44a137eac"}) as unknown as TypedDocumentString<ConversationWithMessagesQuery, ConversationWithMessagesQueryVariables>;
export const RecentActiveConversationsDocument = new TypedDocumentString(`
    query RecentActiveConversations($projectPath: String!) {
  conversations(
    filter: {projectPath: $projectPath, active: true}
    orderBy: [{startedAt: Desc}]
    first: 10
  ) {
    totalCount
    edges {
      node {
        id
        title
        sessionId
        startedAt
        messageCount
      }
    }
  }
}
    `, {"hash":"sha256:9bf1c500beb1e5c1cba68deb89391b58d2b4dc626deef1c505479a9cf4f69c33"}) as unknown as TypedDocumentString<RecentActiveConversationsQuery, RecentActiveConversationsQueryVariables>;
export const ToolUsageStatsDocument = new TypedDocumentString(`
    query ToolUsageStats($filter: ToolUsageFilter) {
  toolUsageStats(filter: $filter) {
    toolName
    status
    count
    avgDurationMs
    p95DurationMs
  }
}
    `, {"hash":"sha256:6af286e8ec4e402391cf1d664a436fb0c6c9b9ed8b5310c71dd5c6e73b430e7f"}) as unknown as TypedDocumentString<ToolUsageStatsQuery, ToolUsageStatsQueryVariables>;
export const SearchMessagesDocument = new TypedDocumentString(`
    query SearchMessages($roles: [MessageRole!], $contains: String!, $first: Int = 20) {
  messages(filter: {role: $roles, contains: $contains}, first: $first) {
    totalCount
    edges {
      node {
        id
        role
        content
        timestamp
        conversation {
          id
          title
        }
      }
    }
  }
}
    `, {"hash":"sha256:f5c4e3025e878df82cd788ec978c3cae9f12c2669ad5dea01cc78fefc29465e4"}) as unknown as TypedDocumentString<SearchMessagesQuery, SearchMessagesQueryVariables>;
export const MessageAddedDocument = new TypedDocumentString(`
    subscription MessageAdded($conversationId: ID) {
  messageAdded(conversationId: $conversationId) {
    id
    role
    content
    position
  }
}
    `, {"hash":"sha256:08d40a6857c98c9b30601fc81527860bbb401f130361d2e5cfbc31498b4dd749"}) as unknown as TypedDocumentString<MessageAddedSubscription, MessageAddedSubscriptionVariables>;