// Deep pages under a parent, with a LIMIT. Prisma loads a nested relation that has a cursor with a
// statement of its own and no LIMIT, and takes the page in memory: `conversation(id) { messages(first:
// 20, after: <position 9,000>) }` read the 1,000 messages after the cursor to return 20. The messages
// connection also states its cursor as a range (`seekRange` in src/schema/cursors.ts: position ≥ the
// cursor's, or ≤ for a backward page), next to the Prisma cursor Pothos gives it. Where both say the
// same — a `conversationId_position` cursor and a `position` range bounded by that very position — the
// cursor adds nothing but the lost LIMIT: this drops it, makes the bound strict and the skip of the
// cursor row 0 (a cursor row since deleted then skips nothing). The page is then a plain filtered
// relation: a LATERAL subquery with its LIMIT. Without this rewrite the same arguments still give the
// same page, only without the LIMIT. Nothing else is touched.
const READS = new Set(["findMany", "findFirst", "findFirstOrThrow", "findUnique", "findUniqueOrThrow"]);

type Args = Record<string, unknown> & {
  cursor?: { conversationId_position?: { position?: unknown } };
  where?: { position?: { gte?: unknown; lte?: unknown; gt?: unknown; lt?: unknown } };
  select?: Record<string, unknown>;
  include?: Record<string, unknown>;
};

/** Rewrites a query's arguments in place, at every depth; returns them. */
export function dropRedundantCursors<T>(args: T): T {
  const node = args as Args;
  if (!node || typeof node !== "object") return args;
  const at = node.cursor?.conversationId_position?.position;
  const range = node.where?.position;
  if (at !== undefined && range && node.skip === 1 && (range.gte === at || range.lte === at)) {
    node.where = { ...node.where, position: range.gte === at ? { gt: at } : { lt: at } };
    delete node.cursor;
    node.skip = 0;
  }
  for (const nested of [node.select, node.include]) {
    if (nested && typeof nested === "object") for (const value of Object.values(nested)) if (value && typeof value === "object") dropRedundantCursors(value);
  }
  return args;
}

const delegates = new WeakMap<object, object>();

/** The client, with its reads' arguments passed through dropRedundantCursors first. */
export function withSeekPages<T extends object>(prisma: T): T {
  return new Proxy(prisma, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || property.startsWith("$") || !value || typeof value !== "object" || !("findMany" in value)) return value;
      let delegate = delegates.get(value);
      if (!delegate) {
        delegate = new Proxy(value, {
          get(model, method, modelReceiver) {
            const fn = Reflect.get(model, method, modelReceiver);
            return typeof method === "string" && READS.has(method) && typeof fn === "function"
              ? (args: unknown) => fn.call(model, dropRedundantCursors(args))
              : fn;
          },
        });
        delegates.set(value, delegate);
      }
      return delegate;
    },
  });
}
