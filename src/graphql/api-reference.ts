import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  lexicographicSortSchema,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
/** A description on one line of a table cell. */
const cell = (s: string | null | undefined) =>
  (s ?? '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
const anchor = (name: string) => name.toLowerCase();
/** `[Type!]!` with the named type linked to its section (built-in scalars stay plain). */
function typeRef(t: { toString(): string }, named: string): string {
  const text = t.toString();
  return BUILT_IN.has(named) ? `\`${text}\`` : text.replace(named, `[\`${named}\`](#${anchor(named)})`).replace(/^(.*)$/, '$1');
}
function namedOf(t: unknown): string {
  let x = t as { ofType?: unknown; name?: string };
  while (x.ofType) x = x.ofType as typeof x;
  return x.name ?? '';
}
const args = (list: readonly GraphQLArgument[]) =>
  list.length
    ? list.map((a) => `- \`${a.name}\`: ${typeRef(a.type, namedOf(a.type))}${a.defaultValue !== undefined ? ` = \`${JSON.stringify(a.defaultValue)}\`` : ''} — ${cell(a.description)}`).join('\n')
    : '';

function operation(root: string, f: GraphQLField<unknown, unknown>): string {
  const a = args(f.args);
  return `### \`${root === 'Query' ? 'query' : root === 'Mutation' ? 'mutation' : 'subscription'} ${f.name}\` → ${typeRef(f.type, namedOf(f.type))}\n\n${cell(f.description)}\n${a ? `\n${a}\n` : ''}`;
}

function fieldsTable(fields: Array<GraphQLField<unknown, unknown> | GraphQLInputField>): string {
  const rows = fields.map((f) => {
    const a = 'args' in f && f.args.length ? ` (${f.args.map((x) => `\`${x.name}\`: ${cell(x.description)}`).join('; ')})` : '';
    return `| \`${f.name}\` | ${typeRef(f.type, namedOf(f.type))} | ${cell(f.description)}${a} |`;
  });
  return `| field | type | description |\n| --- | --- | --- |\n${rows.join('\n')}\n`;
}

function typeSection(t: GraphQLNamedType): string {
  const head = `### ${t.name}\n\n${cell(t.description)}\n`;
  if (isObjectType(t) || isInterfaceType(t) || isInputObjectType(t)) return `${head}\n${fieldsTable(Object.values(t.getFields()))}`;
  if (isEnumType(t))
    return `${head}\n| value | meaning |\n| --- | --- |\n${t
      .getValues()
      .map((v) => `| \`${v.name}\` | ${cell(v.description)} |`)
      .join('\n')}\n`;
  if (isUnionType(t))
    return `${head}\nOne of: ${t
      .getTypes()
      .map((m) => `[\`${m.name}\`](#${anchor(m.name)})`)
      .join(', ')}.\n`;
  return head;
}

/**
 * The API reference as Markdown, from the schema and its descriptions: the operations (queries,
 * mutations, subscriptions with their arguments), then every type, input and enum. Sorted, so the
 * committed file only changes when the API does (`npm run docs:api`).
 */
export function apiReferenceMarkdown(input: GraphQLSchema): string {
  const schema = lexicographicSortSchema(input);
  const out: string[] = [
    '# API reference',
    '',
    '<!-- Generated from the schema by `npm run docs:api`; do not edit. The guide is docs/api.md. -->',
    '',
    'Every operation, type, input and enum of the GraphQL API at `/graphql`, with the descriptions the schema carries. Read [api.md](api.md) first: authentication, roles, errors and how generation works.',
    '',
  ];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    out.push(`## ${root.name === 'Query' ? 'Queries' : root.name === 'Mutation' ? 'Mutations' : 'Subscriptions'}`, '', cell(root.description), '');
    for (const f of Object.values(root.getFields())) out.push(operation(root.name, f));
  }
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
  const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__') && !roots.has(t.name) && !(isScalarType(t) && BUILT_IN.has(t.name)));
  const groups: Array<[string, (t: GraphQLNamedType) => boolean]> = [
    ['Types', (t) => isObjectType(t) || isInterfaceType(t) || isUnionType(t)],
    ['Inputs', isInputObjectType],
    ['Enums', isEnumType],
    ['Scalars', isScalarType],
  ];
  for (const [title, pick] of groups) {
    out.push(`## ${title}`, '');
    for (const t of types.filter(pick)) out.push(typeSection(t));
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
