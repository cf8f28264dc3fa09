// The SQL behind the planning board: its lock, its order, and renumbering it in one statement.
import { ownedExecute, owner, type ViewerTransaction } from "../../auth/viewer-client.ts";

type Tx = ViewerTransaction;

/**
 * Serialises changes to the viewer's board for the rest of the transaction. NO KEY UPDATE does not
 * block inserts elsewhere that reference the user (their foreign-key checks take KEY SHARE).
 */
export async function lockBoard(tx: Tx, userId: string) {
  await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId} FOR NO KEY UPDATE`;
}

/** The viewer's epic ids in board order (ties broken by id, as the epics query does): tx is the viewer's. */
export async function boardIds(tx: Tx): Promise<string[]> {
  const rows = await tx.epic.findMany({ orderBy: [{ order: "asc" }, { id: "asc" }], select: { id: true } });
  return rows.map((row) => row.id);
}

/** Numbers the board 1..n in the given order, in one statement, touching only epics whose order changes. */
export async function renumber(tx: Tx, userId: string, ids: string[]) {
  if (ids.length === 0) return;
  await ownedExecute(tx, userId)`
    UPDATE epics SET "order" = array_position(${ids}::text[], id)
     WHERE ${owner()} AND id = ANY(${ids}::text[]) AND "order" <> array_position(${ids}::text[], id)`;
}
