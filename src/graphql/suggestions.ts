/** Removes graphql-js's "Did you mean ...?" hints: they spell out the schema to whoever probes it. */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '').trim();
}
