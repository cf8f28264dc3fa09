// node(id:) and nodes(ids:) reach any type by id, so they check ownership first: one query per type
// asked for, whatever the number of ids, then the nodes are loaded (batched by Prisma).
import type { Context } from "../context.ts";
import { ownedBy } from "./ownership.ts";

export interface NodeId {
  typename: string;
  id: string;
}

const key = ({ typename, id }: NodeId) => `${typename}:${id}`;
const modelKey = (typename: string) => typename.charAt(0).toLowerCase() + typename.slice(1);

/** The subset of `ids` that exist and belong to the viewer, as "Type:id" keys. */
export async function ownedNodeKeys(context: Context, ids: readonly NodeId[]): Promise<Set<string>> {
  const byType = new Map<string, string[]>();
  for (const { typename, id } of ids) byType.set(typename, [...(byType.get(typename) ?? []), id]);
  const owned = new Set<string>();
  await Promise.all(
    [...byType].map(async ([typename, typeIds]) => {
      const model = modelKey(typename);
      // Own properties only: a type name like "constructor" or "toString" must not reach Object.prototype.
      if (!Object.hasOwn(ownedBy, model)) return; // not a type that can be fetched by id
      const ownership = (ownedBy as Record<string, (userId: string) => object>)[model];
      const delegate = (context.prisma as unknown as Record<string, { findMany?: unknown } | undefined>)[model];
      if (typeof delegate?.findMany !== "function") return;
      const findMany = delegate.findMany as (args: object) => Promise<{ id: string }[]>;
      const rows = await findMany.call(delegate, { where: { id: { in: typeIds }, ...ownership(context.viewer.id) }, select: { id: true } });
      for (const row of rows) owned.add(key({ typename, id: row.id }));
    }),
  );
  return owned;
}

export async function resolveOwnedNodes(
  context: Context,
  ids: readonly NodeId[],
  resolveNodes: (ids: NodeId[]) => Promise<unknown[]>,
): Promise<unknown[]> {
  const owned = await ownedNodeKeys(context, ids);
  const allowed = ids.filter((id) => owned.has(key(id)));
  const loaded = await resolveNodes(allowed);
  const byKey = new Map(allowed.map((id, i) => [key(id), loaded[i]]));
  return ids.map((id) => byKey.get(key(id)) ?? null);
}
