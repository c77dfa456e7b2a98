import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type ASTNode,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { MAX_PAGE_SIZE } from './paging';
import { withoutSuggestions } from './suggestions';

export { withoutSuggestions };

/**
 * The limits every operation is held to, over HTTP and graphql-ws alike (one policy, one set of
 * codes: a document that cannot be parsed or is over the token limit is GRAPHQL_PARSE_FAILED, one
 * that breaks a rule is GRAPHQL_VALIDATION_FAILED).
 */
export interface OperationLimits {
  /** Tokens a document may have (graphql-js stops parsing past it). Default 5,000. */
  maxTokens: number;
  /** Nesting of selection sets. Default 12. */
  maxDepth: number;
  /** Aliased fields per operation, `__typename` included. Default 30. */
  maxAliases: number;
  /** Directives per operation. Default 30. */
  maxDirectives: number;
  /**
   * Cost: every field counts 1, times the page size of each list it sits in (`first: N`, or
   * {@link MAX_PAGE_SIZE} when `first` comes from a variable). Default 100,000: enough for a
   * `traces(first: 500)` page with every field and span, not for a dozen of them.
   */
  maxCost: number;
  /** Refuse `__schema` and `__type` (default: in production). */
  introspection: boolean;
}

export const DEFAULT_LIMITS: OperationLimits = {
  maxTokens: 5000,
  maxDepth: 12,
  maxAliases: 30,
  maxDirectives: 30,
  maxCost: 100_000,
  introspection: true,
};

/** HTTP bodies and WebSocket messages alike stop at this many bytes. */
export const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

export interface OperationPolicy {
  readonly limits: OperationLimits;
  /** graphql-js rules beyond the specified ones (Apollo adds the specified ones itself). */
  readonly extraRules: readonly ValidationRule[];
  /** Parses with the token limit; throws a GraphQLError coded GRAPHQL_PARSE_FAILED. */
  parse(source: string): DocumentNode;
  /** Specified rules plus the limits; cached per document. */
  validate(schema: GraphQLSchema, document: DocumentNode): ReadonlyArray<GraphQLError>;
}

/**
 * Builds the policy. Parse results are cached per query text (bounded LRU) and validation results
 * per document: a frontend sends the same `generate` text over and over, and validating it against
 * the whole schema each time costs more than the rest of the pipeline.
 */
export function createOperationPolicy(overrides: Partial<OperationLimits> = {}, maxEntries = 1000): OperationPolicy {
  const limits: OperationLimits = { ...DEFAULT_LIMITS, ...overrides };
  const extraRules: ValidationRule[] = [depthRule(limits.maxDepth), aliasRule(limits.maxAliases), directiveRule(limits.maxDirectives), costRule(limits.maxCost)];
  if (!limits.introspection) extraRules.push(NoSchemaIntrospectionCustomRule);
  const rules = [...specifiedRules, ...extraRules];
  const documents = new Map<string, DocumentNode>();
  const validated = new WeakMap<DocumentNode, { schema: GraphQLSchema; errors: ReadonlyArray<GraphQLError> }>();
  return {
    limits,
    extraRules,
    parse(source) {
      const hit = documents.get(source);
      if (hit) {
        documents.delete(source);
        documents.set(source, hit);
        return hit;
      }
      let doc: DocumentNode;
      try {
        doc = parse(source, { maxTokens: limits.maxTokens });
      } catch (err) {
        const e = err instanceof GraphQLError ? err : new GraphQLError(String(err));
        throw new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
      }
      documents.set(source, doc);
      if (documents.size > maxEntries) documents.delete(documents.keys().next().value as string);
      return doc;
    },
    validate(schema, document) {
      const hit = validated.get(document);
      if (hit && hit.schema === schema) return hit.errors;
      const errors = validate(schema, document, rules).map(
        (e) => new GraphQLError(withoutSuggestions(e.message), { nodes: e.nodes, extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }),
      );
      validated.set(document, { schema, errors });
      return errors;
    },
  };
}

type Counter = (node: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>) => number;

/** A rule that measures each operation with `measure` and reports when it is over `max`. */
function operationRule(measure: (op: OperationDefinitionNode, ctx: ValidationContext) => number, max: number, message: (n: number) => string): ValidationRule {
  return (ctx: ValidationContext): ASTVisitor => ({
    OperationDefinition(op) {
      const n = measure(op, ctx);
      if (n > max) ctx.reportError(new GraphQLError(message(n), { nodes: [op], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    },
  });
}

function fragmentsOf(ctx: ValidationContext): Map<string, FragmentDefinitionNode> {
  const map = new Map<string, FragmentDefinitionNode>();
  for (const d of ctx.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) map.set(d.name.value, d);
  return map;
}

/** Walks a selection set, expanding fragments once per path (a cycle is the spec rule's to report). */
function walk(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>, visit: (node: ASTNode, inner: (s: SelectionSetNode) => number) => number): number {
  let total = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FRAGMENT_SPREAD) {
      const frag = fragments.get(sel.name.value);
      if (!frag || seen.has(frag.name.value)) continue;
      total += visit(sel, () => walk(frag.selectionSet, fragments, new Set(seen).add(frag.name.value), visit));
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      total += visit(sel, () => walk(sel.selectionSet, fragments, seen, visit));
    } else {
      total += visit(sel, (s) => walk(s, fragments, seen, visit));
    }
  }
  return total;
}

function depthRule(max: number): ValidationRule {
  const depth: Counter = (set, fragments, seen) => {
    let deepest = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        deepest = Math.max(deepest, sel.selectionSet ? 1 + depth(sel.selectionSet, fragments, seen) : 1);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depth(sel.selectionSet, fragments, seen));
      } else {
        const frag = fragments.get(sel.name.value);
        if (frag && !seen.has(frag.name.value)) deepest = Math.max(deepest, depth(frag.selectionSet, fragments, new Set(seen).add(frag.name.value)));
      }
    }
    return deepest;
  };
  return operationRule(
    (op, ctx) => depth(op.selectionSet, fragmentsOf(ctx), new Set()),
    max,
    (n) => `query depth ${n} is over the limit of ${max}: ask for less nested data`,
  );
}

function aliasRule(max: number): ValidationRule {
  return operationRule(
    (op, ctx) =>
      walk(op.selectionSet, fragmentsOf(ctx), new Set(), (node, inner) =>
        node.kind === Kind.FIELD ? (node.alias ? 1 : 0) + (node.selectionSet ? inner(node.selectionSet) : 0) : inner(undefined as never),
      ),
    max,
    (n) => `${n} aliases is over the limit of ${max} per operation (__typename included): split the operation`,
  );
}

function directiveRule(max: number): ValidationRule {
  return operationRule(
    (op, ctx) =>
      (op.directives?.length ?? 0) +
      walk(op.selectionSet, fragmentsOf(ctx), new Set(), (node, inner) => {
        const own = 'directives' in node ? (node.directives?.length ?? 0) : 0;
        if (node.kind === Kind.FIELD) return own + (node.selectionSet ? inner(node.selectionSet) : 0);
        return own + inner(undefined as never);
      }),
    max,
    (n) => `${n} directives is over the limit of ${max} per operation`,
  );
}

/** Cost of an operation: each field 1, times the page size (`first`) of every list around it. */
function costRule(max: number): ValidationRule {
  return operationRule(
    (op, ctx) => {
      const defaults = new Map<string, number>();
      for (const v of op.variableDefinitions ?? []) {
        if (v.defaultValue?.kind === Kind.INT) defaults.set(v.variable.name.value, Number(v.defaultValue.value));
      }
      return walk(op.selectionSet, fragmentsOf(ctx), new Set(), (node, inner) => {
        if (node.kind !== Kind.FIELD) return inner(undefined as never);
        if (node.name.value === '__schema' || node.name.value === '__type') return 0;
        if (!node.selectionSet) return 1;
        let page = 1;
        const first = node.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last')?.value;
        if (first?.kind === Kind.INT) page = Math.min(Math.max(Number(first.value), 1), MAX_PAGE_SIZE);
        else if (first?.kind === Kind.VARIABLE) page = defaults.get(first.name.value) ?? MAX_PAGE_SIZE;
        return 1 + page * inner(node.selectionSet);
      });
    },
    max,
    (n) =>
      `query cost ${n} is over the limit of ${max} (each field counts 1, times the page size of the lists around it: first: N, or ${MAX_PAGE_SIZE} when first is a variable): ask for fewer items with a smaller first, fewer fields, or split the query`,
  );
}
