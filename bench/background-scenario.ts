// The load of bench/background.ts (runs on the load thread): each client appends 10 new messages per
// call to its own conversations.
import { generator, message } from "./scenarios.ts";

export function appendScenario(data: { conversationIds: string[] }, clients: number) {
  const { conversationIds } = data;
  return [
    {
      name: "append",
      next(w: number, i: number) {
        const mine = conversationIds.filter((_, k) => k % clients === w);
        const r = generator(w * 1_000_003 + i);
        return {
          query: `mutation ($id: ID!, $messages: [MessageInput!]!) { appendMessages(conversationId: $id, messages: $messages) { inserted } }`,
          variables: { id: mine[i % mine.length], messages: Array.from({ length: 10 }, (_, k) => message(r, k, `w${w}i${i}k${k}`)) },
        };
      },
    },
  ];
}

