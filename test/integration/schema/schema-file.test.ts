import fs from 'node:fs';
import path from 'node:path';
import { buildAppSchema, printSortedSchema } from '../../../src/schema';

describe('schema/schema.graphql', () => {
  it('matches the schema the server builds (run `npm run schema:emit` after changing the API)', async () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'schema', 'schema.graphql'), 'utf8');
    expect(printSortedSchema(await buildAppSchema())).toBe(committed);
  });
});
