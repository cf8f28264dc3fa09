// Limits every operation obeys before it touches the database, each in time linear in the request:
// tokens while parsing (graphql-armor), a bounded walk of the operation with fragments expanded
// before graphql-js validates it (so its quadratic "fields can be merged" rule only ever sees a
// small operation), depth / aliases / directives (graphql-armor, fragments counted once), then page
// sizes and cost on the operation as it will run (server/cost.ts). Why each part: docs/design/hardening.md.
import { GraphQLError, Kind, type ASTVisitor, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { checkOperation } from "./cost.ts";
import { tooComplex } from "../errors.ts";
import type { QueryLimits as Limits } from "../config.ts";


/** The error graphql-armor's rules report, as the contract's QUERY_TOO_COMPLEX. */
const armorReject = (what: string) => (context: ValidationContext | null, error: GraphQLError) => {
  const message = `${what}: ${error.message.replace(/^Syntax Error: /, "")}`;
  if (context) context.reportError(tooComplex(message));
  else throw tooComplex(message); // the parser's token limit has no validation context: stop parsing
};

/**
 * Walks the operations with their fragments expanded, as execution would merge them, and stops as
 * soon as the walk has seen `maxFields` selections: so it costs at most that much, however the
 * fragments nest. Refuses a response name answered by more than `maxRepeats` fields at one place,
 * and a selection spreading more than `maxRepeats` fragments: graphql-js compares those in pairs.
 */
export function checkShape(document: DocumentNode, { maxFields, maxRepeats }: Pick<Limits, "maxFields" | "maxRepeats">): GraphQLError | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let seen = 0;
  class TooLarge extends Error {}
  const visit = () => {
    if (++seen > maxFields) throw new TooLarge();
  };
  // One place in the response: the selection sets merged into it, by response name.
  const walkMerged = (sets: readonly SelectionSetNode[], path: string, inFragments: ReadonlySet<string>) => {
    const byName = new Map<string, SelectionSetNode[]>();
    const counts = new Map<string, number>();
    let spreads = 0;
    const collect = (set: SelectionSetNode, within: ReadonlySet<string>) => {
      for (const selection of set.selections) {
        visit();
        if (selection.kind === Kind.FIELD) {
          const name = selection.alias?.value ?? selection.name.value;
          const count = (counts.get(name) ?? 0) + 1;
          if (count > maxRepeats) throw tooComplex(`\`${path}${name}\` is selected ${count} times; at most ${maxRepeats} fields may answer under one name`);
          counts.set(name, count);
          if (selection.selectionSet) byName.set(name, [...(byName.get(name) ?? []), selection.selectionSet]);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          collect(selection.selectionSet, within);
        } else {
          if (++spreads > maxRepeats) throw tooComplex(`\`${path || "the operation"}\` spreads more than ${maxRepeats} fragments in one selection`);
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || within.has(name)) continue; // unknown fragments and cycles: the standard rules report them
          collect(fragment.selectionSet, new Set(within).add(name));
        }
      }
    };
    for (const set of sets) collect(set, inFragments);
    for (const [name, children] of byName) walkMerged(children, `${path}${name}.`, inFragments);
  };
  try {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION) walkMerged([definition.selectionSet], "", new Set());
    }
  } catch (error) {
    if (error instanceof TooLarge) {
      return tooComplex(`The operation has more than ${maxFields} fields and fragments once its fragments are expanded`, { maxFields });
    }
    return error as GraphQLError;
  }
  return undefined;
}

export function useLimits(limits: Limits): Plugin {
  const rules: ((context: ValidationContext) => ASTVisitor)[] = [
    maxDepthRule({ n: limits.maxDepth, onReject: [armorReject("The query is too deep")], propagateOnRejection: false }),
    maxAliasesRule({ n: limits.maxAliases, onReject: [armorReject("The query uses too many aliases")], propagateOnRejection: false }),
    maxDirectivesRule({ n: limits.maxDirectives, onReject: [armorReject("The query uses too many directives")], propagateOnRejection: false }),
  ];
  const check = (args: Parameters<typeof checkOperation>[0], setResult: (result: { errors: GraphQLError[] }) => void) => {
    try {
      checkOperation(args, limits.maxCost);
    } catch (error) {
      // Refused before execution: a request error (HTTP 400), as graphql-js's own validation errors are.
      const refused = error as GraphQLError;
      setResult({ errors: [new GraphQLError(refused.message, { extensions: { ...refused.extensions, http: { status: 400 } } })] });
    }
  };
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(maxTokensPlugin({ n: limits.maxTokens, onReject: [armorReject("The document is too long")], propagateOnRejection: false }) as Plugin);
    },
    onValidate({ params, addValidationRule, setResult }) {
      const refused = checkShape(params.documentAST, limits);
      if (refused) {
        setResult([refused]); // graphql-js's own rules never see it
        return;
      }
      rules.forEach(addValidationRule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
  };
}
