// Runs each example operation against a running server and prints what came back:
//   THREADLINE_URL=http://127.0.0.1:4000/graphql [THREADLINE_TOKEN=...] npx tsx examples/client/demo.ts
import { THREADLINE_URL, ThreadlineError, execute, subscribe } from "./client.ts";
import {
  AppendMessages,
  ConversationWithMessages,
  CreateConversation,
  EndConversation,
  MessageAdded,
  RecentActiveConversations,
  SearchMessages,
  ToolUsageStats,
} from "./operations.ts";

// A project path of its own, so repeated runs against one database don't see each other's rows.
const projectPath = `/demo/threadline-client-${Date.now()}`;
const heading = (text: string) => console.log(`\n== ${text}`);

console.log(`Threadline at ${THREADLINE_URL}, project ${projectPath}`);

heading("createConversation (two sessions of one project)");
const { createConversation: session } = await execute(CreateConversation, {
  input: { title: "Fix the flaky migration test", projectPath, sessionId: "session-a" },
});
const { createConversation: earlier } = await execute(CreateConversation, {
  input: { title: "Yesterday's refactor", projectPath, sessionId: "session-b", startedAt: new Date(Date.now() - 86_400_000).toISOString() },
});
for (const conversation of [session, earlier]) {
  console.log(`${conversation.id}  ${conversation.status}  active=${conversation.active}  "${conversation.title}"`);
}

heading("messageAdded (live, over WebSocket) while appendMessages stores an assistant turn with tool uses");
// Subscribe first, then append: each stored message arrives once the server has committed it.
const live: string[] = [];
const stopLive = new AbortController();
const listening = (async () => {
  for await (const { messageAdded } of subscribe(MessageAdded, { conversationId: session.id }, { signal: stopLive.signal })) {
    if (!messageAdded) continue;
    live.push(`  live: #${messageAdded.position} ${messageAdded.role} ${messageAdded.content.slice(0, 50)}`);
    if (live.length === 4) stopLive.abort();
  }
})();
// The server registers a subscription a moment after the socket opens; a real app subscribes early.
await new Promise((resolve) => setTimeout(resolve, 500));

const now = Date.now();
const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
const { appendMessages } = await execute(AppendMessages, {
  conversationId: session.id,
  messages: [
    { role: "USER", content: "The migration test fails about one run in five. Can you look?", timestamp: at(0) },
    {
      role: "ASSISTANT",
      content: "Reading the migration test, then running it a few times to catch the failure.",
      timestamp: at(1),
      toolUses: [
        { toolName: "Read", parameters: { path: "test/migrate.test.ts" }, response: { lines: 212 }, status: "SUCCESS", durationMs: 14, timestamp: at(2) },
        { toolName: "Bash", parameters: { command: "npx vitest run test/migrate.test.ts --repeat 5" }, status: "ERROR", durationMs: 8_210, timestamp: at(3) },
      ],
    },
    { role: "TOOL", content: "1 of 5 runs failed: relation \"conversations\" already exists", timestamp: at(11) },
    { role: "ASSISTANT", content: "The migration runs twice when two workers share a database; each test file now gets its own.", timestamp: at(12) },
  ],
});
console.log(`inserted ${appendMessages.inserted}, duplicates ${appendMessages.duplicates}; the conversation now holds ${appendMessages.conversation.messageCount}`);
for (const message of appendMessages.messages) {
  const tools = message.toolUses.map((tool) => `${tool.toolName}:${tool.status}`).join(", ");
  console.log(`  #${message.position} ${message.role}${tools ? `  tools: ${tools}` : ""}`);
}

// Sending the same message again (same role, content and timestamp, or the same externalId) is safe:
// it is recognised and skipped. The same words at another time would be a new message.
const { appendMessages: retry } = await execute(AppendMessages, {
  conversationId: session.id,
  messages: [{ role: "USER", content: "The migration test fails about one run in five. Can you look?", timestamp: at(0) }],
});
console.log(`retried the first message: inserted ${retry.inserted}, duplicates ${retry.duplicates}`);
await Promise.race([listening, new Promise((resolve) => setTimeout(resolve, 5_000))]);
stopLive.abort();
console.log(live.length ? live.join("\n") : "  (no live messages arrived within 5 s)");

heading("endConversation (the earlier session)");
const { endConversation } = await execute(EndConversation, { id: earlier.id });
console.log(`${endConversation.id}  ${endConversation.status}  active=${endConversation.active}  ended ${endConversation.endedAt}`);

heading("conversation with messages and tool uses, in order");
const { conversation } = await execute(ConversationWithMessages, { id: session.id });
if (!conversation) throw new Error(`conversation ${session.id} was not found`);
console.log(`"${conversation.title}" (${conversation.projectPath}, ${conversation.sessionId}): ${conversation.messages.totalCount} messages`);
for (const { node: message } of conversation.messages.edges) {
  console.log(`  #${message.position} ${message.timestamp} ${message.role.padEnd(9)} ${message.content}`);
  for (const tool of message.toolUses) {
    console.log(`      ${tool.toolName} ${tool.status} ${tool.durationMs ?? "?"} ms  ${JSON.stringify(tool.parameters)}`);
  }
}

heading("recent active conversations of the project");
const { conversations } = await execute(RecentActiveConversations, { projectPath });
console.log(`${conversations.totalCount} active`);
for (const { node } of conversations.edges) {
  console.log(`  ${node.startedAt}  ${node.sessionId}  "${node.title}"  ${node.messageCount} messages`);
}

heading("toolUsageStats (this conversation)");
const { toolUsageStats } = await execute(ToolUsageStats, { filter: { conversationId: session.id } });
console.table(toolUsageStats.map(({ toolName, status, count, avgDurationMs, p95DurationMs }) => ({ toolName, status, count, avgDurationMs, p95DurationMs })));

heading('messages search: assistant messages containing "MIGRATION"');
const { messages } = await execute(SearchMessages, { roles: ["ASSISTANT"], contains: "MIGRATION" });
console.log(`${messages.totalCount} found (across all of the viewer's conversations)`);
for (const { node } of messages.edges.filter(({ node }) => node.conversation.id === session.id)) {
  console.log(`  ${node.role} in "${node.conversation.title}": ${node.content}`);
}

heading("an error, as a client sees it");
try {
  await execute(ConversationWithMessages, { id: session.id, first: 1_000 });
} catch (error) {
  if (!(error instanceof ThreadlineError)) throw error;
  console.log(`ThreadlineError codes=${JSON.stringify(error.codes)} status=${error.status}: ${error.message}`);
}
