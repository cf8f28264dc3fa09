// The viewer and their API keys.
import { builder } from "../../builder.ts";

builder.prismaNode("User", {
  id: { field: "id" },
  nullable: true,
  authScopes: (user) => ({ owner: user.id }),
  fields: (t) => ({
    externalId: t.exposeString("externalId", { description: "The identity provider's subject (a Clerk user id, for seed 002)." }),
    email: t.exposeString("email", { nullable: true }),
    name: t.exposeString("name", { nullable: true }),
    firstName: t.exposeString("firstName", { nullable: true }),
    lastName: t.exposeString("lastName", { nullable: true }),
    preferences: t.expose("preferences", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    conversationCount: t.relationCount("conversations"),
    apiKeys: t.relation("apiKeys", { query: { orderBy: { createdAt: "desc" } } }),
  }),
});

export const ApiKeyRef = builder.prismaNode("ApiKey", {
  description: "A key for service-to-service ingest. The key itself is shown once, when created.",
  id: { field: "id" },
  nullable: true,
  authScopes: (key) => ({ owner: key.userId }),
  fields: (t) => ({
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix"),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryField("viewer", (t) =>
  t.prismaField({
    type: "User",
    description: "The signed-in user.",
    resolve: (query, _root, _args, context) => context.prisma.user.findUniqueOrThrow({ ...query, where: { id: context.viewer.id } }),
  }),
);
