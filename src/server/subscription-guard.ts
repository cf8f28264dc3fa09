// Access ends when the credential does: a live subscription is checked again — with the
// authenticator itself, never a cache — when one of its user's credentials is revoked or the user
// deleted (an event on the bus, so on every instance), every SUBSCRIPTION_RECHECK_MS in case an
// event was lost, and its token's `exp` ends it on time. A failed check delivers one result with
// UNAUTHENTICATED and completes the stream.
import { decodeJwt } from "jose";
import { GraphQLError, type ExecutionResult } from "graphql";
import { Repeater, type Plugin } from "graphql-yoga";
import type { Authenticator } from "../auth/viewer.ts";
import { ALL_USERS, type PubSub } from "../events/pubsub.ts";
import { classifyError, unauthenticated } from "../errors.ts";
import { ACT_AS_HEADER } from "../auth/acting.ts";

interface GuardedContext {
  viewer?: { id: string };
  credential?: string;
  request?: Request;
  connectionParams?: Record<string, unknown>;
}

function authorizationOf(context: GuardedContext): string | undefined {
  const params = context.connectionParams ?? {};
  const fromParams = params.Authorization ?? params.authorization;
  if (typeof fromParams === "string") return fromParams;
  return context.request?.headers?.get("authorization") ?? undefined;
}

/** The user a service key acts for (the act-as header or connection parameter), as the context read it. */
function actAsOf(context: GuardedContext): string | undefined {
  const params = context.connectionParams ?? {};
  const fromParams = params[ACT_AS_HEADER] ?? params["X-Threadline-Act-As"];
  if (typeof fromParams === "string") return fromParams;
  return context.request?.headers?.get(ACT_AS_HEADER) ?? undefined;
}

/** When a bearer JWT stops being valid, in ms since the epoch (undefined for keys and tokens without exp). */
function expiryOf(authorization: string | undefined): number | undefined {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (!token || token.startsWith("tl_")) return undefined;
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value;

export function useSubscriptionGuard({ authenticator, pubsub, recheckMs }: { authenticator: Authenticator; pubsub: PubSub; recheckMs: number }): Plugin {
  // One listener for the server: userId → the checks of that user's live subscriptions here.
  const checks = new Map<string, Set<() => Promise<void>>>();
  const changes = pubsub.subscribe("credentialsChanged", ALL_USERS);
  void (async () => {
    for await (const { userId } of changes) await Promise.all([...(checks.get(userId) ?? [])].map((check) => check()));
  })().catch(() => {});
  return {
    onSubscribe({ args }) {
      const context = args.contextValue as GuardedContext;
      const viewerId = context.viewer?.id;
      if (!viewerId || context.credential === "local") return; // local mode has no credential to lose
      const authorization = authorizationOf(context);
      const actAs = actAsOf(context);
      const expiry = expiryOf(authorization);
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          setResult(guard(result, { viewerId, authorization, actAs, expiry }));
        },
      };
    },
  };

  function guard(source: AsyncIterable<ExecutionResult>, who: { viewerId: string; authorization?: string; actAs?: string; expiry?: number }) {
    return new Repeater<ExecutionResult>(async (push, stop) => {
      const iterator = source[Symbol.asyncIterator]();
      const end = (error: GraphQLError) => {
        const { http: _status, ...extensions } = error.extensions;
        push({ errors: [new GraphQLError(error.message, { extensions })] }).catch(() => {});
        stop();
      };
      const check = async () => {
        try {
          const { user } = await authenticator.viewerFor(who.authorization, who.actAs);
          if (user.id !== who.viewerId) end(unauthenticated("The account this subscription belonged to was deleted"));
        } catch (error) {
          const classified = classifyError(error, { exposeInternals: false });
          // Only a refused credential ends it; a database hiccup is tried again at the next check.
          if (classified.extensions.code === "UNAUTHENTICATED") end(classified);
        }
      };
      const timers: NodeJS.Timeout[] = [setInterval(check, recheckMs)];
      if (who.expiry !== undefined) {
        const expired = () => end(unauthenticated("The token has expired"));
        const left = who.expiry - Date.now();
        if (left <= 0) expired();
        else timers.push(setTimeout(expired, Math.min(left, 2 ** 31 - 1)));
      }
      // Revocations and deletions of this user's credentials, from any instance.
      const mine = checks.get(who.viewerId) ?? new Set();
      checks.set(who.viewerId, mine.add(check));

      const stopped = stop.then(() => ({ done: true as const, value: undefined }));
      try {
        for (;;) {
          const next = await Promise.race([iterator.next(), stopped]);
          if (next.done) break;
          await push(next.value);
        }
      } finally {
        timers.forEach(clearInterval);
        mine.delete(check);
        if (mine.size === 0 && checks.get(who.viewerId) === mine) checks.delete(who.viewerId);
        stop();
        await iterator.return?.();
      }
    });
  }
}
