// The one Pothos builder: plugins, scalars, the Context type, and the limits every connection obeys.
import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import PrismaUtilsPlugin from "@pothos/plugin-prisma-utils";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import DataloaderPlugin from "@pothos/plugin-dataloader";
import ValidationPlugin from "@pothos/plugin-validation";
import type PrismaTypes from "./generated/pothos-types.ts";
import { getDatamodel } from "./generated/pothos-types.ts";
import type { Context } from "./context.ts";
import { badInput, constraintError, forbidden } from "./errors.ts";
import { PAGE_LIMITS } from "./config.ts";
import { resolveOwnedNodes } from "./auth/node-access.ts";

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  // Every request has a viewer (the context refuses one without); `owner` checks an object's user.
  AuthScopes: { owner: string };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: false;
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, PrismaUtilsPlugin, DataloaderPlugin, ValidationPlugin],
  // Constraints declared on input fields (schema/constraints.ts): the first one broken is the client's
  // BAD_USER_INPUT, naming the field where it sits in the arguments, as the resolvers' own checks do.
  validation: {
    validationError: (failure) => constraintError(failure.issues[0]),
  },
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      owner: (userId: string) => userId === context.viewer.id,
    }),
    runScopesOnType: true,
    unauthorizedError: () => forbidden(),
  },
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    // Oversized pages are rejected before execution (server/limits.ts); this clamp is the backstop.
    maxConnectionSize: PAGE_LIMITS.max,
    defaultConnectionSize: PAGE_LIMITS.default,
    onUnusedQuery: process.env.NODE_ENV === "production" ? null : "warn",
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    // Any type is reachable by id here, so these check the viewer owns each id before loading it.
    nodeQueryOptions: {
      nullable: true,
      resolve: async (_root, { id }, context, _info, resolveNode) =>
        (await resolveOwnedNodes(context, [id], async ([only]) => [await resolveNode(only)]))[0],
    },
    nodesQueryOptions: {
      nullable: { list: false, items: true },
      resolve: (_root, { ids }, context, _info, resolveNodes) => {
        if (ids.length > PAGE_LIMITS.max) throw badInput(`nodes takes at most ${PAGE_LIMITS.max} ids, got ${ids.length}`, "ids");
        return resolveOwnedNodes(context, ids, resolveNodes);
      },
    },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
