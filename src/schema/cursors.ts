// Deep pages that seek. Prisma turns a cursor into "after this row in the sort order", an OR that
// PostgreSQL can only filter by, so a page 9,000 messages deep reads the 9,000 before it. When the
// cursor is a compound unique that carries the sort key (conversationId + position), the key is
// known up front and an extra range condition lets the index start at the cursor. (Under a parent,
// where Prisma would also drop the LIMIT, src/db/seek-pages.ts turns cursor + range into the range
// alone.)
import { decodeBase64, decodeCursorChunk } from "@pothos/core";

/** The sort key stored at `index` in a compound Pothos cursor, or undefined for any other cursor. */
function keyOf(cursor: string | null | undefined, index: number): number | undefined {
  if (!cursor) return undefined;
  try {
    const decoded = decodeBase64(cursor);
    if (!decoded.startsWith("GPC:")) return undefined;
    const parts = decodeCursorChunk(decoded.slice(4));
    const key = Array.isArray(parts) ? parts[index] : undefined;
    return typeof key === "number" && Number.isFinite(key) ? key : undefined;
  } catch {
    return undefined; // Pothos rejects a malformed cursor itself, with its own error.
  }
}

/**
 * The range of `field` a connection page can hold given its cursors, for a connection ordered by
 * `field` ascending whose cursor is `[parentId, field]`: `{ position: { gte: 9000 } }` after the
 * cursor of position 9,000. Empty when there is no cursor.
 */
export function seekRange(field: string, args: object) {
  // Pothos hands the connection arguments to `query` as well, though its type lists only the field's own.
  const { after, before } = args as { after?: string | null; before?: string | null };
  const from = keyOf(after, 1);
  const to = keyOf(before, 1);
  if (from === undefined && to === undefined) return {};
  return { [field]: { ...(from !== undefined ? { gte: from } : {}), ...(to !== undefined ? { lte: to } : {}) } };
}
