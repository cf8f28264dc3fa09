// API keys for service-to-service ingest: `Authorization: Bearer tl_…`. The key is shown once, at
// creation; only its sha256 is stored.
import { randomBytes } from "node:crypto";
import { builder } from "../../builder.ts";
import { API_KEY_PREFIX, hashApiKey, requirePerson } from "../../auth/viewer.ts";
import { text } from "../constraints.ts";
import { requireOwned } from "../ids.ts";
import type { ApiKey } from "../../generated/prisma/client.ts";
import { ApiKeyRef } from "./types.ts";

const CreatedApiKey = builder.objectRef<{ apiKey: ApiKey; key: string }>("CreatedApiKey").implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (created) => created.apiKey }),
    key: t.exposeString("key", { description: "The key itself. Shown only now: store it, Threadline keeps only a hash." }),
  }),
});

builder.mutationField("createApiKey", (t) =>
  t.field({
    type: CreatedApiKey,
    description: "A new key that acts as the viewer. Send it as `Authorization: Bearer <key>`.",
    args: { name: t.arg.string({ required: true, validate: text({ maxLength: 200 }) }) },
    resolve: async (_root, args, context) => {
      requirePerson(context, "create API keys");
      const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
      const apiKey = await context.db.apiKey.create({
        data: {
          userId: context.viewer.id,
          name: args.name,
          prefix: key.slice(0, API_KEY_PREFIX.length + 6),
          keyHash: hashApiKey(key),
        },
      });
      return { apiKey, key };
    },
  }),
);

builder.mutationField("revokeApiKey", (t) =>
  t.prismaField({
    type: "ApiKey",
    description: "Stops a key from working, at once. Revoking twice keeps the first revocation time.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, context) => {
      requirePerson(context, "revoke API keys");
      const id = await requireOwned(context, "ApiKey", args.id);
      await context.db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
      context.credentialsChanged(context.viewer.id);
      return context.db.apiKey.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
