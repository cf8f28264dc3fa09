// Global ids (Relay): base64 of "Type:id". Arguments that name an object of a given type decode here,
// so a malformed id, or an id of another type, is a BAD_USER_INPUT error and never reaches the database.
import { decodeGlobalID } from "@pothos/plugin-relay";
import { badInput, notFound } from "../errors.ts";
import { ownedNodeKeys, type NodeTypename } from "../auth/node-access.ts";
import type { Context } from "../context.ts";

export function decodeId(globalId: string, typename: string, field = "id"): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw badInput(`${field} is not a valid id`, field);
  }
  if (decoded.typename !== typename || !decoded.id) {
    throw badInput(`${field} must be the id of a ${typename}`, field);
  }
  return decoded.id;
}

/** The database id of the viewer's object of this type with this global id, or NOT_FOUND. */
export async function requireOwned(context: Context, typename: NodeTypename, globalId: string, field = "id"): Promise<string> {
  const id = decodeId(globalId, typename, field);
  const owned = await ownedNodeKeys(context, [{ typename, id }]);
  if (!owned.has(`${typename}:${id}`)) throw notFound(typename, globalId);
  return id;
}
