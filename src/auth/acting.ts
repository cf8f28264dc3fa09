// Acting for another user. A backend that serves many users (the agent-debate app's API, the memory
// service) authenticates once, as a service, and names per request the user it acts for:
//   - a service key (an API key with the `service` scope, made only by `npm run service-key`) with the
//     header `X-Threadline-Act-As: <the user's externalId>`;
//   - or a JWT whose `act` claim (RFC 8693) names the actor: `{ "sub": "<user>", "act": { "sub": "<service>" } }`.
// The viewer is then the named user: every ownership rule applies to them. The actor is kept for the
// access log. Any other credential that names a user to act for is refused.
import type { ApiKey, User } from "../generated/prisma/client.ts";
import { forbidden, unauthenticated } from "../errors.ts";

export const ACT_AS_HEADER = "x-threadline-act-as";
export const SERVICE_SCOPE = "service";
/** Service keys belong to a user of their own, never to a person: `service:<key name>`. */
export const SERVICE_USER_PREFIX = "service:";

export interface Acting {
  user: User;
  /** Who acts for the user, when not the user themself: "service:<name>" or the JWT's act.sub. */
  actor?: string;
}

function checkActAs(actAs: string): string {
  const subject = actAs.trim();
  if (!subject || subject.length > 255 || /[\u0000-\u001f]/.test(subject)) throw unauthenticated(`${ACT_AS_HEADER} must be a user's externalId`);
  if (subject.startsWith(SERVICE_USER_PREFIX)) throw forbidden("A service cannot act for another service");
  return subject;
}

/** The viewer an API key stands for: its owner, or with the service scope the user the request names. */
export async function apiKeyViewer(
  key: ApiKey & { user: User },
  actAs: string | undefined,
  userBySubject: (externalId: string) => Promise<User>,
): Promise<Acting> {
  if (!key.scopes.includes(SERVICE_SCOPE)) {
    if (actAs !== undefined) throw forbidden(`Only a service key may act for another user (${ACT_AS_HEADER})`);
    return { user: key.user };
  }
  if (actAs === undefined) throw unauthenticated(`A service key acts for a user: name them in the ${ACT_AS_HEADER} header`);
  return { user: await userBySubject(checkActAs(actAs)), actor: key.user.externalId };
}

/** The actor a verified JWT names in its `act` claim; a header naming a user to act for is refused. */
export function tokenActor(claims: Record<string, unknown>, actAs: string | undefined): string | undefined {
  if (actAs !== undefined) throw forbidden(`Only a service key may act for another user (${ACT_AS_HEADER}); a token acts for its subject`);
  const act = claims.act as { sub?: unknown } | undefined;
  return act && typeof act === "object" && typeof act.sub === "string" && act.sub ? act.sub : undefined;
}
