// Who is asking: a verified JWT (its `sub` is the user's externalId; the user is created on first
// sight), an API key (`tl_…`, stored hashed), or, with no auth configured, the single local user.
import { createHash } from "node:crypto";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from "jose";
import type { AuthConfig } from "../config.ts";
import type { PrismaClient } from "../db/database.ts";
import type { User } from "../generated/prisma/client.ts";
import { forbidden, unauthenticated } from "../errors.ts";
import { apiKeyViewer, tokenActor } from "./acting.ts";

export const API_KEY_PREFIX = "tl_";
/** Asymmetric algorithms accepted from a JWKS; HS256 only with AUTH_JWT_SECRET, `none` never. */
const JWKS_ALGORITHMS = ["RS256", "ES256"];
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * For what only the person may do (manage API keys, delete the account): an API key is for ingest,
 * so a leaked one can neither mint a successor that outlives its revocation nor erase the account.
 */
export function requirePerson(context: { credential: Credential; actor?: string }, action: string) {
  if (context.credential === "apiKey") throw forbidden(`An API key cannot ${action}: sign in with a token`);
  if (context.actor) throw forbidden(`A service acting for a user cannot ${action}: the user must sign in`);
}

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

/** How the viewer proved who they are: a signed token, an API key, or local mode. */
export type Credential = "token" | "apiKey" | "local";

export interface Viewer {
  user: User;
  credential: Credential;
  /** When the credential itself expires (a token's `exp`), in ms since the epoch. */
  expiresAt?: number;
  /** Who acts for the user, when a service does (see acting.ts). */
  actor?: string;
}

export interface Authenticator {
  /**
   * Resolves the viewer for an `Authorization` header value (or undefined when none was sent), and
   * `actAs`, the user a service names to act for (see acting.ts); `actor` is then who acts.
   */
  viewerFor(authorization: string | undefined, actAs?: string): Promise<Viewer>;
}

export function createAuthenticator(auth: AuthConfig, prisma: PrismaClient): Authenticator {
  const verifyToken = auth.mode === "jwt" ? createTokenVerifier(auth) : undefined;

  async function userBySubject(externalId: string, claims: Record<string, unknown> = {}): Promise<User> {
    const existing = await prisma.user.findUnique({ where: { externalId } });
    if (existing) return existing;
    const text = (key: string) => (typeof claims[key] === "string" ? (claims[key] as string) : undefined);
    try {
      return await prisma.user.create({
        data: {
          externalId,
          email: text("email"),
          name: text("name"),
          firstName: text("given_name"),
          lastName: text("family_name"),
        },
      });
    } catch {
      // Two first requests raced (or the email is taken by another subject): the row that won is the user.
      const user = await prisma.user.findUnique({ where: { externalId } });
      if (user) return user;
      return prisma.user.create({ data: { externalId } });
    }
  }

  async function apiKeyNamed(key: string) {
    const apiKey = await prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(key) }, include: { user: true } });
    if (!apiKey || apiKey.revokedAt) throw unauthenticated("The API key is not valid or was revoked");
    // Recorded at most once a minute: an ingest loop should not write on every request.
    if (!apiKey.lastUsedAt || Date.now() - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date() } });
    }
    return apiKey;
  }

  return {
    async viewerFor(authorization, actAs) {
      if (auth.mode === "local") {
        if (actAs !== undefined) throw forbidden("Acting for another user needs a service key; the server runs in single-user local mode");
        return { user: await userBySubject(auth.localUser, { name: "Local User" }), credential: "local" };
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
      if (!match) throw unauthenticated();
      const token = match[1];
      if (token.startsWith(API_KEY_PREFIX)) {
        const acting = await apiKeyViewer(await apiKeyNamed(token), actAs, (externalId) => userBySubject(externalId));
        return { ...acting, credential: "apiKey" };
      }
      const payload = await verifyToken!(token);
      if (!payload.sub) throw unauthenticated("The token has no subject (sub) claim");
      const actor = tokenActor(payload, actAs);
      const expiresAt = typeof payload.exp === "number" ? payload.exp * 1000 : undefined;
      return { user: await userBySubject(payload.sub, payload), credential: "token", expiresAt, actor };
    },
  };
}

type JwtConfig = Extract<AuthConfig, { mode: "jwt" }>;

/**
 * Verifies a JWT by the algorithm its header names: HS256 against the shared secret, RS256/ES256
 * against the JWKS (fetched on first use, cached, and fetched again when a token names a key id
 * it has not seen, so the issuer can rotate keys). Issuer and audience are checked when configured.
 */
function createTokenVerifier(auth: JwtConfig) {
  const secret = auth.secret ? new TextEncoder().encode(auth.secret) : undefined;
  const jwks = auth.jwksUrl ? createRemoteJWKSet(auth.jwksUrl, { timeoutDuration: 5_000, cooldownDuration: auth.jwksCooldownMs }) : undefined;
  const algorithms = [...(secret ? ["HS256"] : []), ...(jwks ? JWKS_ALGORITHMS : [])];
  // Only reached for an algorithm in `algorithms` (checked before and by jwtVerify).
  const keyFor: JWTVerifyGetKey = (header, token) => (header.alg === "HS256" ? secret! : jwks!(header, token));

  return async (token: string) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthenticated("The token is not a JWT (nor a tl_ API key)");
    }
    if (!alg || !algorithms.includes(alg)) throw unauthenticated(`The token is signed with ${alg ?? "no algorithm"}; accepted: ${algorithms.join(", ")}`);
    try {
      const { payload } = await jwtVerify(token, keyFor, { algorithms, issuer: auth.issuer, audience: auth.audience });
      return payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated("The token has expired");
      if (error instanceof joseErrors.JWKSNoMatchingKey) throw unauthenticated("The token's signing key is not in the issuer's key set");
      if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
        throw unauthenticated(`The issuer's key set could not be loaded from ${auth.jwksUrl} (${error.code})`);
      }
      if (jwks && error instanceof joseErrors.JOSEError && error.code === "ERR_JOSE_GENERIC") {
        // The key set answered with something other than 200 and JSON.
        throw unauthenticated(`The issuer's key set could not be loaded from ${auth.jwksUrl}: ${error.message}`);
      }
      if (error instanceof joseErrors.JOSEError) throw unauthenticated(`The token is not valid: ${error.code}`);
      if (jwks && error instanceof TypeError) {
        // fetch() failed: the JWKS host is unreachable. The client cannot be authenticated now.
        throw unauthenticated(`The issuer's key set could not be loaded from ${auth.jwksUrl}`);
      }
      throw error;
    }
  };
}
