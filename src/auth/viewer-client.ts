// The viewer's client: every find, count, aggregate, update and delete it sends carries the model's
// ownership rule (ownership.ts), so a resolver cannot read or change another user's row by leaving
// a filter out. Raw SQL goes through ownedQuery, which refuses a statement that does not bind the
// viewer. docs/design/ownership.md says what this covers and what it leaves to other layers.
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { dropRedundantCursors } from "../db/seek-pages.ts";
import { ownedBy, unownedModels, viewerInserts } from "./ownership.ts";

/** Operations whose `where` is filtered by the owner. Inserts have no `where`: their parent is looked up through this client first. */
const FILTERED = new Set([
  "findUnique",
  "findUniqueOrThrow",
  "findFirst",
  "findFirstOrThrow",
  "findMany",
  "count",
  "aggregate",
  "groupBy",
  "update",
  "updateMany",
  "updateManyAndReturn",
  "delete",
  "deleteMany",
]);
const READS = new Set(["findUnique", "findUniqueOrThrow", "findFirst", "findFirstOrThrow", "findMany"]);

type Rule = (userId: string) => object;
const rules = new Map<string, Rule>(Object.entries(ownedBy).map(([model, rule]) => [model[0].toUpperCase() + model.slice(1), rule]));
const unowned = new Set(Object.keys(unownedModels).map((model) => model[0].toUpperCase() + model.slice(1)));
const inserts = new Map(Object.entries(viewerInserts).map(([model, allowed]) => [model[0].toUpperCase() + model.slice(1), allowed!]));

type Where = { AND?: object | object[] } & Record<string, unknown>;

/** `where` AND the rule; spread so that a unique `where` (findUnique, update, delete) keeps its unique field on top. */
function withRule(where: Where | undefined, rule: object): Where {
  const and = where?.AND === undefined ? [] : Array.isArray(where.AND) ? where.AND : [where.AND];
  return { ...where, AND: [...and, rule] };
}

export function viewerClient(prisma: PrismaClient, viewerId: string) {
  return prisma.$extends({
    name: "viewer",
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          const rule = rules.get(model);
          const insert = inserts.get(model);
          if (!rule && insert && operation === "create" && insert(viewerId, (args as { data: { userId?: string | null } }).data)) return query(args);
          if (!rule) {
            throw new Error(unowned.has(model) ? `${model} is the server's own table, not reachable through a viewer's client` : `${model} has no ownership rule`);
          }
          // A new arguments object: the caller's (often Pothos' query) is left as it was.
          const scoped = FILTERED.has(operation) ? { ...args, where: withRule((args as { where?: Where }).where, rule(viewerId)) } : args;
          // The reads keep the bounded deep pages of seek-pages.ts.
          return query(READS.has(operation) ? dropRedundantCursors(scoped) : scoped);
        },
      },
    },
  });
}

export type ViewerClient = ReturnType<typeof viewerClient>;
/** The viewer's client inside one of its interactive transactions. */
export type ViewerTransaction = Parameters<Parameters<ViewerClient["$transaction"]>[0]>[0];

const OWNER = Symbol("owner");
interface OwnerMarker {
  [OWNER]: string | null;
}

/** In an ownedQuery: `<alias>.user_id = <the viewer>` (the table's own user_id without an alias). */
export const owner = (alias?: string): OwnerMarker => ({ [OWNER]: alias ?? null });
const isOwner = (value: unknown): value is OwnerMarker => typeof value === "object" && value !== null && OWNER in value;

/**
 * Raw SQL that always binds the viewer: a tagged template in which `${owner("c")}` stands for
 * `c.user_id = <viewer id>`. A statement with no owner() in it is refused before it is sent.
 *
 *   await ownedQuery(tx, viewerId)<{ id: string }>`SELECT id FROM conversations WHERE id = ${id} AND ${owner()} FOR UPDATE`;
 */
export function ownedQuery(db: Pick<PrismaClient, "$queryRaw">, viewerId: string) {
  return <T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T[]> => db.$queryRaw<T[]>(ownedSql(viewerId, strings, values));
}

/** The same for a statement that returns a row count (UPDATE, DELETE). */
export function ownedExecute(db: Pick<PrismaClient, "$executeRaw">, viewerId: string) {
  return (strings: TemplateStringsArray, ...values: unknown[]): Promise<number> => db.$executeRaw(ownedSql(viewerId, strings, values));
}

/** The statement as Prisma.Sql, each owner() replaced by its condition; throws when there is none. */
export function ownedSql(viewerId: string, strings: readonly string[], values: readonly unknown[]): Prisma.Sql {
  return ownedStatement(viewerId, Prisma.sql(strings, ...values));
}

/**
 * A statement composed of fragments (`Prisma.sql` pieces that put `${owner("v")}` where the owner
 * belongs, as the vector search does), bound to the viewer: each owner() becomes `v.user_id = <id>`,
 * a plain equality with a parameter, the text the planner and the users' own partial indexes match.
 * Prisma flattens nested fragments, so an owner() anywhere in them counts; none at all throws.
 */
export function ownedStatement(viewerId: string, statement: Prisma.Sql): Prisma.Sql {
  if (!statement.values.some(isOwner)) throw new Error("A raw statement on the viewer's data must bind the viewer: put ${owner()} in its WHERE");
  const bound = statement.values.map((value) =>
    isOwner(value) ? Prisma.sql`${Prisma.raw(value[OWNER] === null ? "user_id" : `${assertAlias(value[OWNER])}.user_id`)} = ${viewerId}` : value,
  );
  return Prisma.sql(statement.strings, ...bound);
}

function assertAlias(alias: string): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(alias)) throw new Error(`not a table alias: ${alias}`);
  return alias;
}
