// Reading subscription results as a test would: buffer what a real client (graphql-ws, graphql-sse,
// a raw SSE fetch) yields, take the next one with a timeout, and wait until the server has really
// registered a subscription before triggering the events under test.

/** One result as a client sees it: data, errors or both. */
export interface StreamResult<T = any> {
  data?: T | null;
  errors?: readonly { message: string; extensions?: { code?: string; [key: string]: unknown }; [key: string]: unknown }[];
}

export class EventStream<T = any> {
  private readonly buffer: StreamResult<T>[] = [];
  private readonly waiters = new Set<() => void>();
  private ended = false;
  private failure: unknown;
  private failed = false;

  /** `cancel` stops the client when the iterator cannot be returned while it waits (a raw fetch). */
  constructor(
    private readonly iterator: AsyncIterator<object>, // any client's results: graphql-ws, graphql-sse, sseResults
    private readonly cancel?: () => void,
  ) {
    void this.pump();
  }

  private async pump() {
    try {
      for (;;) {
        const step = await this.iterator.next();
        if (step.done) break;
        this.buffer.push(step.value as StreamResult<T>);
        this.wake();
      }
    } catch (error) {
      this.failed = true;
      this.failure = error;
    }
    this.ended = true;
    this.wake();
  }

  private wake() {
    for (const waiter of this.waiters) waiter();
  }

  /** Resolves when a result is buffered or the stream is over; false if `ms` passed first. */
  private async settled(ms: number): Promise<boolean> {
    if (this.buffer.length > 0 || this.ended) return true;
    return new Promise<boolean>((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(value);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.waiters.add(wake);
    });
  }

  /** Whether a result arrives (without taking it) within `ms`. */
  async hasResultWithin(ms: number): Promise<boolean> {
    return (await this.settled(ms)) && this.buffer.length > 0;
  }

  /** The next result; fails if none arrives within `ms`, the stream ends, or the client threw. */
  async next(ms = 5_000): Promise<StreamResult<T>> {
    if (!(await this.settled(ms))) throw new Error(`no subscription result within ${ms}ms`);
    if (this.buffer.length > 0) return this.buffer.shift()!;
    if (this.failed) throw new Error(`the subscription failed instead: ${describe(this.failure)}`);
    throw new Error("the subscription ended instead of yielding a result");
  }

  /** The next `count` results' data, each of which must carry no errors. */
  async take(count: number, ms = 5_000): Promise<T[]> {
    const taken: T[] = [];
    for (let i = 0; i < count; i++) {
      const result = await this.next(ms);
      if (result.errors?.length) throw new Error(`result ${i} has errors: ${JSON.stringify(result.errors)}`);
      taken.push(result.data as T);
    }
    return taken;
  }

  /** What the client threw (graphql-ws: the `error` message's GraphQL errors); fails if it yielded or ended cleanly. */
  async rejection(ms = 5_000): Promise<unknown> {
    if (!(await this.settled(ms))) throw new Error(`the subscription neither failed nor yielded within ${ms}ms`);
    if (this.buffer.length > 0) throw new Error(`expected a failure, got a result: ${JSON.stringify(this.buffer[0])}`);
    if (!this.failed) throw new Error("expected a failure, the subscription completed");
    return this.failure;
  }

  /** Resolves true once the stream has completed without error, false if still open after `ms`. */
  async completes(ms = 5_000): Promise<boolean> {
    await this.settled(ms);
    return this.ended && !this.failed && this.buffer.length === 0;
  }

  /** Ended (completed or failed) with nothing left to read. */
  get over(): boolean {
    return this.ended && this.buffer.length === 0;
  }

  async close() {
    this.cancel?.();
    // A client's return() unsubscribes; never let a stuck one hold up the test's teardown.
    await Promise.race([this.iterator.return?.(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return JSON.stringify(error);
}

/**
 * Waits until every stream is live on the server. A subscription is registered asynchronously after
 * the client sends it (authentication, the ownership check), so this keeps triggering numbered
 * "ping" events until each stream has received one, then drains each up to the last ping: events
 * arrive in publish order, so nothing of the pings is left for the test to read.
 * Returns how many pings were triggered.
 */
export async function whenLive(
  streams: EventStream[],
  ping: (index: number) => Promise<string>,
  markerOf: (result: StreamResult) => string | undefined,
  { attempts = 100, waitMs = 50 } = {},
): Promise<number> {
  const live = new Set<EventStream>();
  let marker: string | undefined;
  let pings = 0;
  while (live.size < streams.length) {
    if (pings >= attempts) throw new Error(`${streams.length - live.size} subscription(s) never went live after ${pings} pings`);
    marker = await ping(pings++);
    await Promise.all(
      streams
        .filter((stream) => !live.has(stream))
        .map(async (stream) => {
          if (await stream.hasResultWithin(waitMs)) live.add(stream);
          else if (stream.over) await stream.next(); // throws with why it ended
        }),
    );
  }
  for (const stream of streams) {
    for (;;) {
      const result = await stream.next();
      if (result.errors?.length) throw new Error(`a ping yielded errors: ${JSON.stringify(result.errors)}`);
      if (markerOf(result) === marker) break;
    }
  }
  return pings;
}

/** Results of a text/event-stream response (GraphQL over SSE, distinct connections mode), parsed by hand. */
export async function* sseResults<T = any>(response: Response): AsyncGenerator<StreamResult<T>> {
  if (!response.body) throw new Error("the response has no body");
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue; // keep-alive comment
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        if (field === "data") data.push(value);
      }
      if (event === "complete") return;
      if (event === "next") yield JSON.parse(data.join("\n")) as StreamResult<T>;
    }
  }
}
