// Limits every operation obeys before it touches the database: query depth, aliases, page sizes, cost.
import {
  GraphQLError,
  Kind,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { PAGE_LIMITS } from "../config.ts";
import { estimateCost } from "./cost.ts";
import { badInput, tooComplex } from "../errors.ts";

const INTROSPECTION = new Set(["__schema", "__type"]);

function depthOf(selectionSet: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, seen: Set<string>): number {
  if (!selectionSet) return 0;
  let max = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (INTROSPECTION.has(selection.name.value)) continue; // tools' introspection queries are deep by nature
      max = Math.max(max, selection.selectionSet ? 1 + depthOf(selection.selectionSet, fragments, seen) : 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      max = Math.max(max, depthOf(selection.selectionSet, fragments, seen));
    } else {
      const name = selection.name.value;
      if (seen.has(name) || !fragments[name]) continue; // cycles are reported by the standard rules
      max = Math.max(max, depthOf(fragments[name].selectionSet, fragments, new Set(seen).add(name)));
    }
  }
  return max;
}

export function maxDepthRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const document = context.getDocument();
    const fragments = Object.fromEntries(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, fragments, new Set());
        if (depth > maxDepth) context.reportError(tooComplex(`The query is ${depth} levels deep; at most ${maxDepth} are allowed`));
      },
    };
  };
}

export function maxAliasesRule(maxAliases: number) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(field) {
        if (field.alias) aliases += 1;
      },
      Document: {
        leave() {
          if (aliases > maxAliases) context.reportError(tooComplex(`The query uses ${aliases} aliases; at most ${maxAliases} are allowed`));
        },
      },
    };
  };
}

function intValue(node: ValueNode, variables: Record<string, unknown>): unknown {
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  return undefined;
}

/** Every `first`/`last` argument in the document, literal or variable, must be within PAGE_LIMITS.max. */
export function checkPageSizes(document: DocumentNode, variables: Record<string, unknown> = {}) {
  visit(document, {
    Argument(argument) {
      if (argument.name.value !== "first" && argument.name.value !== "last") return;
      const value = intValue(argument.value, variables);
      if (typeof value === "number" && (value < 0 || value > PAGE_LIMITS.max)) {
        throw badInput(`\`${argument.name.value}\` must be between 0 and ${PAGE_LIMITS.max}, got ${value}`, argument.name.value);
      }
    },
  });
}

/** Refuses an operation estimated to return more than `maxCost` objects (server/cost.ts). */
export function checkCost(args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: unknown }, maxCost: number) {
  const cost = estimateCost(args.schema, args.document, args.operationName, (args.variableValues ?? {}) as Record<string, unknown>);
  if (cost > maxCost) {
    throw tooComplex(
      `The operation could return about ${cost.toLocaleString("en")} objects; at most ${maxCost.toLocaleString("en")} are allowed. Ask for smaller pages (first/last) or fewer nested lists.`,
      { cost, maxCost },
    );
  }
}

export function useLimits({ maxDepth, maxAliases, maxCost }: { maxDepth: number; maxAliases: number; maxCost: number }): Plugin {
  const check = (args: Parameters<typeof checkCost>[0]) => {
    checkPageSizes(args.document, (args.variableValues ?? {}) as Record<string, unknown>);
    checkCost(args, maxCost);
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(maxDepthRule(maxDepth));
      addValidationRule(maxAliasesRule(maxAliases));
    },
    onExecute({ args, setResultAndStopExecution }) {
      try {
        check(args);
      } catch (error) {
        setResultAndStopExecution({ errors: [error as GraphQLError] });
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      try {
        check(args);
      } catch (error) {
        setResultAndStopExecution({ errors: [error as GraphQLError] });
      }
    },
  };
}
