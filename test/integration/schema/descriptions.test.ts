import fs from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { buildAppSchema } from '../../../src/schema';
import { applySchemaDescriptions } from '../../../src/graphql/schema-descriptions';

describe('schema descriptions', () => {
  it('describes every type, field, argument and enum value of the served schema, and the map names nothing stale', async () => {
    const report = applySchemaDescriptions(await buildAppSchema());
    expect(report.missing).toEqual([]);
    expect(report.unknown).toEqual([]);
  });

  it('an element without a description is reported (the check works)', async () => {
    const schema = buildSchema('type Query { a(x: Int): E }  enum E { V }');
    const report = applySchemaDescriptions(schema, { Query: 'q', 'Query.a': 'a', 'Nope.b': 'x' });
    expect(report.missing.sort()).toEqual(['E', 'E.V', 'Query.a(x)']);
    expect(report.unknown).toEqual(['Nope.b']);
    expect(schema.getQueryType()!.getFields().a!.description).toBe('a');
  });

  it('the committed schema/schema.graphql has a description on every element', () => {
    const sdl = fs.readFileSync(path.join(__dirname, '../../../schema/schema.graphql'), 'utf8');
    expect(applySchemaDescriptions(buildSchema(sdl), {}).missing).toEqual([]);
  });
});
