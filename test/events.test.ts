// The event bus on its own: one event per write expands into the subscriber's items in order,
// topics are per user, and a subscriber whose client stopped reading is completed at its bound
// instead of growing the server's memory (or throwing in the publisher, as an unbounded queue would).
import { describe, expect, it } from "vitest";
import { inProcessEvents } from "../src/events/pubsub.ts";

const expand = (event: { conversationId: string; messageIds: string[] }) => event.messageIds;

describe("the in-process event bus", () => {
  it("hands one write's messages over one by one, in order, only to that user's subscribers", async () => {
    const { pubsub } = inProcessEvents();
    const alice = pubsub.subscribe("messageAdded", "alice", expand);
    const bob = pubsub.subscribe("messageAdded", "bob", expand);
    const first = alice.next(); // a repeater starts listening on its first pull
    const bobs = bob.next();
    pubsub.publish("messageAdded", "alice", { conversationId: "c1", messageIds: ["m1", "m2", "m3"] });
    pubsub.publish("messageAdded", "bob", { conversationId: "c2", messageIds: ["b1"] });
    expect((await first).value).toBe("m1");
    expect((await alice.next()).value).toBe("m2");
    expect((await alice.next()).value).toBe("m3");
    expect((await bobs).value).toBe("b1");
    await alice.return();
    await bob.return();
  });

  it("takes a write of 5,000 messages to a subscriber that reads slowly", async () => {
    const { pubsub } = inProcessEvents();
    const sub = pubsub.subscribe("messageAdded", "alice", expand);
    const first = sub.next();
    const ids = Array.from({ length: 5_000 }, (_, i) => `m${i}`);
    pubsub.publish("messageAdded", "alice", { conversationId: "c", messageIds: ids }); // more than Repeater's 1,024 pending pushes
    const seen = [(await first).value];
    for (let i = 1; i < ids.length; i++) {
      if (i % 1_000 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push((await sub.next()).value);
    }
    expect(seen).toEqual(ids);
    await sub.return();
  });

  it("completes a subscriber that falls more than its bound behind, and says so", async () => {
    const overflowed: string[] = [];
    const { pubsub } = inProcessEvents({ maxBufferedItems: 100, onOverflow: (topic) => overflowed.push(topic) });
    const sub = pubsub.subscribe("messageAdded", "alice", expand);
    const first = sub.next();
    pubsub.publish("messageAdded", "alice", { conversationId: "c", messageIds: ["m0"] });
    expect((await first).value).toBe("m0");
    for (let i = 0; i < 3; i++) pubsub.publish("messageAdded", "alice", { conversationId: "c", messageIds: Array.from({ length: 40 }, (_, j) => `x${i}-${j}`) });
    expect(overflowed).toEqual(["messageAdded:alice"]);
    // What was admitted may still arrive; then the subscription is over.
    let step = await sub.next();
    let delivered = 0;
    while (!step.done) {
      delivered += 1;
      step = await sub.next();
    }
    expect(delivered).toBeLessThanOrEqual(80);
    // The listener is gone: a later event reaches nobody and throws nowhere.
    pubsub.publish("messageAdded", "alice", { conversationId: "c", messageIds: ["late"] });
  });
});
