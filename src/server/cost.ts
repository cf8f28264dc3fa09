// How many objects an operation may return, estimated before it runs. Depth and page-size limits
// alone still let a query multiply: conversations(first: 100) → messages(first: 100) →
// conversation → messages(first: 100) … is a million rows at depth 5. Every object-typed field
// counts the objects it can return (its page size, `limit`, the number of `ids`, or LIST_ESTIMATE
// for an unpaginated list such as a message's toolUses) times the count of its parents; an operation
// over MAX_QUERY_COST is refused with QUERY_TOO_COMPLEX before anything runs.
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { PAGE_LIMITS } from "../config.ts";

/** Objects assumed in a list field that has no page size or limit (a message's tool uses, links…). */
export const LIST_ESTIMATE = 5;

function argumentValue(field: FieldNode, name: string, variables: Record<string, unknown>): unknown {
  const node: ValueNode | undefined = field.arguments?.find((argument) => argument.name.value === name)?.value;
  if (!node) return undefined;
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.LIST) return node.values;
  return undefined;
}

const isConnection = (type: GraphQLCompositeType) => type.name.endsWith("Connection") && isObjectType(type) && "edges" in type.getFields();
const isEdge = (type: GraphQLCompositeType) => type.name.endsWith("Edge") && isObjectType(type) && "node" in type.getFields();

/** How many objects one occurrence of this field returns, at most or by estimate. */
function width(field: FieldNode, definition: GraphQLField<unknown, unknown>, variables: Record<string, unknown>): number {
  const type = getNamedType(definition.type);
  if (isCompositeType(type) && isConnection(type)) {
    const page = argumentValue(field, "first", variables) ?? argumentValue(field, "last", variables);
    return typeof page === "number" ? page : PAGE_LIMITS.default;
  }
  if (!isListType(getNullableType(definition.type))) return 1;
  const limit = argumentValue(field, "limit", variables);
  if (typeof limit === "number") return limit;
  const ids = argumentValue(field, "ids", variables);
  if (Array.isArray(ids)) return ids.length;
  return LIST_ESTIMATE;
}

export function estimateCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> = {}): number {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName)) operation ??= definition;
  }
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, multiplier: number, seen: Set<string>): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith("__") || !selection.selectionSet) continue; // introspection, scalars
        const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : {};
        const definition = fields[selection.name.value];
        if (!definition) continue; // validation reports unknown fields
        const type = getNamedType(definition.type);
        if (!isCompositeType(type)) continue;
        if (isConnection(parent) || isEdge(parent)) {
          // edges, node, pageInfo: the objects the connection's page size already counted.
          cost += walk(selection.selectionSet, type, multiplier, seen);
          continue;
        }
        const objects = multiplier * width(selection, definition, variables);
        cost += objects + walk(selection.selectionSet, type, objects, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost += walk(selection.selectionSet, condition && isCompositeType(condition) ? condition : parent, multiplier, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments[name];
        if (!fragment || seen.has(name)) continue; // cycles are reported by validation
        const condition = schema.getType(fragment.typeCondition.name.value);
        cost += walk(fragment.selectionSet, condition && isCompositeType(condition) ? condition : parent, multiplier, new Set(seen).add(name));
      }
    }
    return cost;
  };
  // A union's members are reached through its fragments' type conditions.
  return walk(operation.selectionSet, root, 1, new Set());
}
