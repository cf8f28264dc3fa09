// Service keys: made by the operator's command (scripts/service-key.ts), never through the API. Each
// belongs to a user of its own, `service:<name>`, who owns nothing: the key only ever acts for the
// user a request names.
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../db/database.ts";
import { API_KEY_PREFIX, hashApiKey } from "./viewer.ts";
import { SERVICE_SCOPE, SERVICE_USER_PREFIX } from "./acting.ts";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export async function createServiceKey(prisma: PrismaClient, name: string): Promise<string> {
  if (!NAME.test(name)) throw new Error("a service name is 1–100 letters, digits, dots, dashes or underscores");
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const externalId = `${SERVICE_USER_PREFIX}${name}`;
  await prisma.$transaction(async (tx) => {
    const user = await tx.user.upsert({ where: { externalId }, create: { externalId, name: `Service ${name}` }, update: {} });
    await tx.apiKey.create({
      data: { userId: user.id, name, prefix: key.slice(0, API_KEY_PREFIX.length + 6), keyHash: hashApiKey(key), scopes: [SERVICE_SCOPE] },
    });
  });
  return key;
}

export async function revokeServiceKey(prisma: PrismaClient, name: string): Promise<number> {
  const { count } = await prisma.apiKey.updateMany({
    where: { name, scopes: { has: SERVICE_SCOPE }, revokedAt: null, user: { externalId: `${SERVICE_USER_PREFIX}${name}` } },
    data: { revokedAt: new Date() },
  });
  return count;
}

export function listServiceKeys(prisma: PrismaClient) {
  return prisma.apiKey.findMany({ where: { scopes: { has: SERVICE_SCOPE } }, orderBy: { createdAt: "asc" } });
}
