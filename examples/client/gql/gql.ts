/* eslint-disable */
import * as types from './graphql.ts';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation CreateConversation($input: CreateConversationInput!) {\n    createConversation(input: $input) {\n      id\n      title\n      projectPath\n      sessionId\n      status\n      active\n      startedAt\n    }\n  }\n": typeof types.CreateConversationDocument,
    "\n  mutation EndConversation($id: ID!) {\n    endConversation(id: $id) {\n      id\n      status\n      active\n      endedAt\n    }\n  }\n": typeof types.EndConversationDocument,
    "\n  mutation AppendMessages($conversationId: ID!, $messages: [MessageInput!]!) {\n    appendMessages(conversationId: $conversationId, messages: $messages) {\n      inserted\n      duplicates\n      messages {\n        id\n        position\n        role\n        toolUses {\n          id\n          toolName\n          status\n        }\n      }\n      conversation {\n        id\n        messageCount\n      }\n    }\n  }\n": typeof types.AppendMessagesDocument,
    "\n  query ConversationWithMessages($id: ID!, $first: Int = 50, $after: String) {\n    conversation(id: $id) {\n      id\n      title\n      projectPath\n      sessionId\n      status\n      startedAt\n      endedAt\n      messages(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          node {\n            id\n            position\n            role\n            content\n            timestamp\n            toolUses {\n              id\n              toolName\n              parameters\n              response\n              status\n              durationMs\n              timestamp\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.ConversationWithMessagesDocument,
    "\n  query RecentActiveConversations($projectPath: String!) {\n    conversations(\n      filter: { projectPath: $projectPath, active: true }\n      orderBy: [{ startedAt: Desc }]\n      first: 10\n    ) {\n      totalCount\n      edges {\n        node {\n          id\n          title\n          sessionId\n          startedAt\n          messageCount\n        }\n      }\n    }\n  }\n": typeof types.RecentActiveConversationsDocument,
    "\n  query ToolUsageStats($filter: ToolUsageFilter) {\n    toolUsageStats(filter: $filter) {\n      toolName\n      status\n      count\n      avgDurationMs\n      p95DurationMs\n    }\n  }\n": typeof types.ToolUsageStatsDocument,
    "\n  query SearchMessages($roles: [MessageRole!], $contains: String!, $first: Int = 20) {\n    messages(filter: { role: $roles, contains: $contains }, first: $first) {\n      totalCount\n      edges {\n        node {\n          id\n          role\n          content\n          timestamp\n          conversation {\n            id\n            title\n          }\n        }\n      }\n    }\n  }\n": typeof types.SearchMessagesDocument,
    "\n  subscription MessageAdded($conversationId: ID) {\n    messageAdded(conversationId: $conversationId) {\n      id\n      role\n      content\n      position\n    }\n  }\n": typeof types.MessageAddedDocument,
};
const documents: Documents = {
    "\n  mutation CreateConversation($input: CreateConversationInput!) {\n    createConversation(input: $input) {\n      id\n      title\n      projectPath\n      sessionId\n      status\n      active\n      startedAt\n    }\n  }\n": types.CreateConversationDocument,
    "\n  mutation EndConversation($id: ID!) {\n    endConversation(id: $id) {\n      id\n      status\n      active\n      endedAt\n    }\n  }\n": types.EndConversationDocument,
    "\n  mutation AppendMessages($conversationId: ID!, $messages: [MessageInput!]!) {\n    appendMessages(conversationId: $conversationId, messages: $messages) {\n      inserted\n      duplicates\n      messages {\n        id\n        position\n        role\n        toolUses {\n          id\n          toolName\n          status\n        }\n      }\n      conversation {\n        id\n        messageCount\n      }\n    }\n  }\n": types.AppendMessagesDocument,
    "\n  query ConversationWithMessages($id: ID!, $first: Int = 50, $after: String) {\n    conversation(id: $id) {\n      id\n      title\n      projectPath\n      sessionId\n      status\n      startedAt\n      endedAt\n      messages(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          node {\n            id\n            position\n            role\n            content\n            timestamp\n            toolUses {\n              id\n              toolName\n              parameters\n              response\n              status\n              durationMs\n              timestamp\n            }\n          }\n        }\n      }\n    }\n  }\n": types.ConversationWithMessagesDocument,
    "\n  query RecentActiveConversations($projectPath: String!) {\n    conversations(\n      filter: { projectPath: $projectPath, active: true }\n      orderBy: [{ startedAt: Desc }]\n      first: 10\n    ) {\n      totalCount\n      edges {\n        node {\n          id\n          title\n          sessionId\n          startedAt\n          messageCount\n        }\n      }\n    }\n  }\n": types.RecentActiveConversationsDocument,
    "\n  query ToolUsageStats($filter: ToolUsageFilter) {\n    toolUsageStats(filter: $filter) {\n      toolName\n      status\n      count\n      avgDurationMs\n      p95DurationMs\n    }\n  }\n": types.ToolUsageStatsDocument,
    "\n  query SearchMessages($roles: [MessageRole!], $contains: String!, $first: Int = 20) {\n    messages(filter: { role: $roles, contains: $contains }, first: $first) {\n      totalCount\n      edges {\n        node {\n          id\n          role\n          content\n          timestamp\n          conversation {\n            id\n            title\n          }\n        }\n      }\n    }\n  }\n": types.SearchMessagesDocument,
    "\n  subscription MessageAdded($conversationId: ID) {\n    messageAdded(conversationId: $conversationId) {\n      id\n      role\n      content\n      position\n    }\n  }\n": types.MessageAddedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateConversation($input: CreateConversationInput!) {\n    createConversation(input: $input) {\n      id\n      title\n      projectPath\n      sessionId\n      status\n      active\n      startedAt\n    }\n  }\n"): typeof import('./graphql.ts').CreateConversationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EndConversation($id: ID!) {\n    endConversation(id: $id) {\n      id\n      status\n      active\n      endedAt\n    }\n  }\n"): typeof import('./graphql.ts').EndConversationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AppendMessages($conversationId: ID!, $messages: [MessageInput!]!) {\n    appendMessages(conversationId: $conversationId, messages: $messages) {\n      inserted\n      duplicates\n      messages {\n        id\n        position\n        role\n        toolUses {\n          id\n          toolName\n          status\n        }\n      }\n      conversation {\n        id\n        messageCount\n      }\n    }\n  }\n"): typeof import('./graphql.ts').AppendMessagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConversationWithMessages($id: ID!, $first: Int = 50, $after: String) {\n    conversation(id: $id) {\n      id\n      title\n      projectPath\n      sessionId\n      status\n      startedAt\n      endedAt\n      messages(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          node {\n            id\n            position\n            role\n            content\n            timestamp\n            toolUses {\n              id\n              toolName\n              parameters\n              response\n              status\n              durationMs\n              timestamp\n            }\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').ConversationWithMessagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentActiveConversations($projectPath: String!) {\n    conversations(\n      filter: { projectPath: $projectPath, active: true }\n      orderBy: [{ startedAt: Desc }]\n      first: 10\n    ) {\n      totalCount\n      edges {\n        node {\n          id\n          title\n          sessionId\n          startedAt\n          messageCount\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').RecentActiveConversationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ToolUsageStats($filter: ToolUsageFilter) {\n    toolUsageStats(filter: $filter) {\n      toolName\n      status\n      count\n      avgDurationMs\n      p95DurationMs\n    }\n  }\n"): typeof import('./graphql.ts').ToolUsageStatsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchMessages($roles: [MessageRole!], $contains: String!, $first: Int = 20) {\n    messages(filter: { role: $roles, contains: $contains }, first: $first) {\n      totalCount\n      edges {\n        node {\n          id\n          role\n          content\n          timestamp\n          conversation {\n            id\n            title\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').SearchMessagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MessageAdded($conversationId: ID) {\n    messageAdded(conversationId: $conversationId) {\n      id\n      role\n      content\n      position\n    }\n  }\n"): typeof import('./graphql.ts').MessageAddedDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
