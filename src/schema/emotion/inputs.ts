// What the emotion mutations share: lists of short labels, and a message named as part of a conversation.
import type { ViewerTransaction } from "../../auth/viewer-client.ts";
import { badInput, notFound } from "../../errors.ts";
import { decodeId } from "../ids.ts";
import { MAX_LIST } from "../inputs.ts";
import { list, text } from "../constraints.ts";

/** The constraint on lists of short labels (themes, markers, participants): at most MAX_LIST, each a text of at most 200 characters. */
export const labels = list(MAX_LIST, text({ maxLength: 200 }));

/**
 * The message with this global id as a message of this conversation: NOT_FOUND when it is not the
 * viewer's (`db` is the viewer's client), BAD_USER_INPUT when it belongs to another of the viewer's conversations.
 */
export async function messageOfConversation(
  db: Pick<ViewerTransaction, "message">,
  conversationId: string,
  globalId: string,
  field: string,
): Promise<{ id: string; timestamp: Date }> {
  const id = decodeId(globalId, "Message", field);
  const message = await db.message.findFirst({ where: { id }, select: { id: true, conversationId: true, timestamp: true } });
  if (!message) throw notFound("Message", globalId);
  if (message.conversationId !== conversationId) throw badInput(`${field} must be a message of this conversation`, field);
  return message;
}
