// How many objects an operation may return, computed before it runs, on the operation as it will
// run: its variables after their declared defaults and coercion, its arguments after the schema's
// defaults. Depth and page-size limits alone still let a query multiply: conversations(first: 100)
// → messages(first: 100) → conversation → messages(first: 100) … is a million rows at depth 5. Every
// object-typed field counts the objects it can return (its page size, `limit`, the number of `ids`,
// or the cap a list field declares in `extensions.maxItems`) times the count of its parents; an
// operation over MAX_QUERY_COST is refused with QUERY_TOO_COMPLEX before anything runs.
//
// Linear in the document: a fragment's cost is computed once (cost is proportional to the count of
// its parents, so it is memoised per fragment at one parent and scaled at each spread).
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { PAGE_LIMITS } from "../config.ts";
import { badInput, tooComplex } from "../errors.ts";

/** Where a list field that is neither paginated nor limited by an argument declares how many items it returns at most. */
export const LIST_CAP_EXTENSION = "maxItems";
/** Objects counted for a list field without `first` and no declared cap: the most a list returns (schema/lists.ts). */
export const UNDECLARED_LIST_CAP = PAGE_LIMITS.max;

const isConnection = (type: GraphQLCompositeType) => type.name.endsWith("Connection") && isObjectType(type) && "edges" in type.getFields();
const isEdge = (type: GraphQLCompositeType) => type.name.endsWith("Edge") && isObjectType(type) && "node" in type.getFields();

/** How many objects one occurrence of this field returns, at most; checks its page size on the way. */
function width(definition: GraphQLField<unknown, unknown>, args: Record<string, unknown>): number {
  const type = getNamedType(definition.type);
  if (isCompositeType(type) && isConnection(type)) {
    for (const name of ["first", "last"] as const) {
      const value = args[name];
      if (typeof value === "number" && (value < 0 || value > PAGE_LIMITS.max)) {
        throw badInput(`\`${name}\` must be between 0 and ${PAGE_LIMITS.max}, got ${value}`, name);
      }
    }
    const page = args.first ?? args.last;
    return typeof page === "number" ? page : PAGE_LIMITS.default;
  }
  if (!isListType(getNullableType(definition.type))) return 1;
  if (typeof args.first === "number") return Math.max(0, args.first); // a capped list (schema/lists.ts)
  if (typeof args.limit === "number") return Math.max(0, args.limit);
  if (Array.isArray(args.ids)) return args.ids.length;
  const cap = definition.extensions?.[LIST_CAP_EXTENSION];
  return typeof cap === "number" ? cap : UNDECLARED_LIST_CAP;
}

class NotRunnable extends Error {}

/**
 * The number of objects the operation can return. Throws BAD_USER_INPUT for a page size out of
 * range; returns undefined when the operation cannot run as sent (unknown operation, variables that
 * do not coerce, bad arguments): execution reports those with their own errors.
 */
export function estimateCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, rawVariables: Record<string, unknown> = {}): number | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return undefined;
  const root = schema.getRootType(operation.operation);
  if (!root) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 1 });
  if (coerced.errors) return undefined;
  const variables = coerced.coerced;

  const fragmentCost = new Map<string, number>(); // per fragment, for one parent object
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, inFragments: ReadonlySet<string>): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith("__") || !selection.selectionSet) continue; // introspection, scalars
        const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : {};
        const definition = fields[selection.name.value];
        if (!definition) throw new NotRunnable(); // validation reports unknown fields
        const type = getNamedType(definition.type);
        if (!isCompositeType(type)) continue;
        if (isConnection(parent) || isEdge(parent)) {
          // edges, node, pageInfo: the objects the connection's page size already counted.
          cost += walk(selection.selectionSet, type, inFragments);
          continue;
        }
        let args: Record<string, unknown>;
        try {
          args = getArgumentValues(definition, selection, variables);
        } catch {
          throw new NotRunnable();
        }
        const objects = width(definition, args);
        cost += objects + objects * walk(selection.selectionSet, type, inFragments);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost += walk(selection.selectionSet, condition && isCompositeType(condition) ? condition : parent, inFragments);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || inFragments.has(name)) throw new NotRunnable(); // validation reports cycles
        let once = fragmentCost.get(name);
        if (once === undefined) {
          const condition = schema.getType(fragment.typeCondition.name.value);
          once = walk(fragment.selectionSet, condition && isCompositeType(condition) ? condition : parent, new Set(inFragments).add(name));
          fragmentCost.set(name, once);
        }
        cost += once;
      }
    }
    return cost;
  };
  try {
    // A union's members are reached through its fragments' type conditions.
    return walk(operation.selectionSet, root, new Set());
  } catch (error) {
    if (error instanceof NotRunnable) return undefined;
    throw error;
  }
}

/** Refuses an operation whose pages are out of range, or that could return more than `maxCost` objects. */
export function checkOperation(args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: unknown }, maxCost: number) {
  const variables = args.variableValues && typeof args.variableValues === "object" ? (args.variableValues as Record<string, unknown>) : {};
  const cost = estimateCost(args.schema, args.document, args.operationName, variables);
  if (cost !== undefined && cost > maxCost) {
    throw tooComplex(
      `The operation could return about ${Math.round(cost).toLocaleString("en")} objects; at most ${maxCost.toLocaleString("en")} are allowed. Ask for smaller pages (first/last) or fewer nested lists.`,
      { cost: Math.round(cost), maxCost },
    );
  }
}
