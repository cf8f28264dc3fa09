// The viewer and their API keys.
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import { builder } from "../../builder.ts";
import { listFirst, listTake } from "../lists.ts";

builder.prismaNode("User", {
  id: { field: "id" },
  nullable: true,
  authScopes: (user) => ({ owner: user.id }),
  fields: (t) => ({
    externalId: t.exposeString("externalId", { description: "The user's id at the identity provider: the `sub` of their token (a Clerk or Auth0 user id, say)." }),
    email: t.exposeString("email", { nullable: true }),
    name: t.exposeString("name", { nullable: true }),
    firstName: t.exposeString("firstName", { nullable: true }),
    lastName: t.exposeString("lastName", { nullable: true }),
    preferences: t.expose("preferences", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    conversationCount: t.relationCount("conversations"),
    apiKeys: t.relation("apiKeys", {
      args: { first: t.arg.int(listFirst) },
      query: (args) => ({ take: listTake(args.first), orderBy: [{ createdAt: "desc" }, { id: "asc" }] }),
    }),
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

const IMMUTABLE_USER_FIELDS = new Set(["__typename", "id", "externalId", "createdAt"]);

/** True when the field's selection (fragments included) asks for nothing outside `fields`. */
function selectsOnly(info: GraphQLResolveInfo, fields: Set<string>): boolean {
  const within = (selectionSet: SelectionSetNode | undefined): boolean =>
    (selectionSet?.selections ?? []).every((selection) => {
      if (selection.kind === Kind.FIELD) return fields.has(selection.name.value) && !selection.selectionSet;
      if (selection.kind === Kind.INLINE_FRAGMENT) return within(selection.selectionSet);
      const fragment = info.fragments[selection.name.value];
      return fragment ? within(fragment.selectionSet) : false;
    });
  return info.fieldNodes.every((node) => within(node.selectionSet));
}

builder.queryField("viewer", (t) =>
  t.prismaField({
    type: "User",
    description: "The signed-in user.",
    // The context knows who the viewer is (possibly from a few seconds ago): fields that never
    // change are answered from it; anything else is read fresh.
    resolve: (query, _root, _args, context, info) =>
      selectsOnly(info, IMMUTABLE_USER_FIELDS) ? context.viewer : context.db.user.findUniqueOrThrow({ ...query, where: { id: context.viewer.id } }),
  }),
);
