// Who is asking: a verified JWT (its `sub` is the user's externalId; the user is created on first
// sight), an API key (`tl_…`, stored hashed), or, with no auth configured, the single local user.
import { createHash } from "node:crypto";
import { jwtVerify, errors as joseErrors } from "jose";
import type { AuthConfig } from "../config.ts";
import type { PrismaClient } from "../db/database.ts";
import type { User } from "../generated/prisma/client.ts";
import { unauthenticated } from "../errors.ts";

export const API_KEY_PREFIX = "tl_";
const LAST_USED_RESOLUTION_MS = 60_000;

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

export interface Authenticator {
  /** Resolves the viewer for an `Authorization` header value (or undefined when none was sent). */
  viewerFor(authorization: string | undefined): Promise<User>;
}

export function createAuthenticator(auth: AuthConfig, prisma: PrismaClient): Authenticator {
  const secret = auth.mode === "jwt" ? new TextEncoder().encode(auth.secret) : undefined;

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

  async function userByApiKey(key: string): Promise<User> {
    const apiKey = await prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(key) }, include: { user: true } });
    if (!apiKey || apiKey.revokedAt) throw unauthenticated("The API key is not valid or was revoked");
    // Recorded at most once a minute: an ingest loop should not write on every request.
    if (!apiKey.lastUsedAt || Date.now() - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date() } });
    }
    return apiKey.user;
  }

  return {
    async viewerFor(authorization) {
      if (auth.mode === "local") return userBySubject(auth.localUser, { name: "Local User" });
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
      if (!match) throw unauthenticated();
      const token = match[1];
      if (token.startsWith(API_KEY_PREFIX)) return userByApiKey(token);
      try {
        const { payload } = await jwtVerify(token, secret!, {
          algorithms: ["HS256"],
          issuer: auth.issuer,
          audience: auth.audience,
        });
        if (!payload.sub) throw unauthenticated("The token has no subject (sub) claim");
        return await userBySubject(payload.sub, payload);
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw unauthenticated("The token has expired");
        if (error instanceof joseErrors.JOSEError) throw unauthenticated(`The token is not valid: ${error.code}`);
        throw error;
      }
    },
  };
}
