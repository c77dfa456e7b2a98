import fs from 'node:fs';
import path from 'node:path';
import { buildAppSchema, printSortedSchema } from '../src/schema';

/** Writes `schema/schema.graphql` from the code (sorted). A test fails when the committed file drifts. */
async function main(): Promise<void> {
  const out = path.join(__dirname, '..', '..', 'schema', 'schema.graphql');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, printSortedSchema(await buildAppSchema()));
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
}
void main();
