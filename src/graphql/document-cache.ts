import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type Source } from 'graphql';

/**
 * Parse and validation results per query text, for graphql-ws (Apollo caches documents itself for
 * HTTP). A frontend sends the same `generate` subscription text over and over; parsing and
 * validating it against the whole schema each time costs more than the rest of the pipeline.
 * Bounded LRU; documents that fail to parse are not cached (the error is thrown each time).
 */
export function createDocumentCache(maxEntries = 1000): {
  parse(source: string | Source): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): ReadonlyArray<GraphQLError>;
} {
  const documents = new Map<string, DocumentNode>();
  const validated = new WeakMap<DocumentNode, { schema: GraphQLSchema; errors: ReadonlyArray<GraphQLError> }>();
  return {
    parse(source) {
      if (typeof source !== 'string') return parse(source);
      const hit = documents.get(source);
      if (hit) {
        documents.delete(source);
        documents.set(source, hit);
        return hit;
      }
      const doc = parse(source);
      documents.set(source, doc);
      if (documents.size > maxEntries) documents.delete(documents.keys().next().value as string);
      return doc;
    },
    validate(schema, document) {
      const hit = validated.get(document);
      if (hit && hit.schema === schema) return hit.errors;
      const errors = validate(schema, document);
      validated.set(document, { schema, errors });
      return errors;
    },
  };
}
