import { parse, specifiedRules, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type Source, type ValidationRule } from 'graphql';

/**
 * Parse and validation results per query text, for graphql-ws (Apollo caches documents itself for
 * HTTP), with the same limits as HTTP (graphql-armor's rules and token limit). A frontend sends the same `generate` subscription text over and over; parsing and
 * validating it against the whole schema each time costs more than the rest of the pipeline.
 * Bounded LRU; documents that fail to parse are not cached (the error is thrown each time).
 */
export function createDocumentCache(
  opts: {
    /** Extra validation rules (graphql-armor's depth, cost, alias and directive limits). */
    rules?: readonly ValidationRule[];
    /** Refuse documents of more tokens than this (graphql-armor's max tokens). */
    maxTokens?: number;
    maxEntries?: number;
  } = {},
): {
  parse(source: string | Source): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): ReadonlyArray<GraphQLError>;
} {
  const maxEntries = opts.maxEntries ?? 1000;
  const rules = [...specifiedRules, ...(opts.rules ?? [])];
  const parseOptions = opts.maxTokens ? { maxTokens: opts.maxTokens } : undefined;
  const documents = new Map<string, DocumentNode>();
  const validated = new WeakMap<DocumentNode, { schema: GraphQLSchema; errors: ReadonlyArray<GraphQLError> }>();
  return {
    parse(source) {
      if (typeof source !== 'string') return parse(source, parseOptions);
      const hit = documents.get(source);
      if (hit) {
        documents.delete(source);
        documents.set(source, hit);
        return hit;
      }
      const doc = parse(source, parseOptions);
      documents.set(source, doc);
      if (documents.size > maxEntries) documents.delete(documents.keys().next().value as string);
      return doc;
    },
    validate(schema, document) {
      const hit = validated.get(document);
      if (hit && hit.schema === schema) return hit.errors;
      const errors = validate(schema, document, rules);
      validated.set(document, { schema, errors });
      return errors;
    },
  };
}
