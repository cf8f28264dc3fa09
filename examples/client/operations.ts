// Every operation the example client sends, typed by `npm run codegen` from schema.graphql.
import { graphql } from "./gql/index.ts";

export const CreateConversation = graphql(`
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
`);

export const EndConversation = graphql(`
  mutation EndConversation($id: ID!) {
    endConversation(id: $id) {
      id
      status
      active
      endedAt
    }
  }
`);

/** Appends messages in one transaction; repeated content is skipped and counted, not stored twice. */
export const AppendMessages = graphql(`
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
`);

/** Seed 001's "conversation with messages and tool uses, in order". */
export const ConversationWithMessages = graphql(`
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
`);

/** Seed 001's "recent conversations": a project's conversations that have not ended, newest first. */
export const RecentActiveConversations = graphql(`
  query RecentActiveConversations($projectPath: String!) {
    conversations(
      filter: { projectPath: $projectPath, active: true }
      orderBy: [{ startedAt: Desc }]
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
`);

/** Seed 001's tool usage statistics: calls per tool and outcome, most used first. */
export const ToolUsageStats = graphql(`
  query ToolUsageStats($filter: ToolUsageFilter) {
    toolUsageStats(filter: $filter) {
      toolName
      status
      count
      avgDurationMs
      p95DurationMs
    }
  }
`);

/** Messages of some roles whose content contains a text (case-insensitive), oldest first. */
export const SearchMessages = graphql(`
  query SearchMessages($roles: [MessageRole!], $contains: String!, $first: Int = 20) {
    messages(filter: { role: $roles, contains: $contains }, first: $first) {
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
`);

/** Each new message of a conversation, live (graphql-ws or SSE; see the API guide). */
export const MessageAdded = graphql(`
  subscription MessageAdded($conversationId: ID) {
    messageAdded(conversationId: $conversationId) {
      id
      role
      content
      position
    }
  }
`);
