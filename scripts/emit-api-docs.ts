import fs from 'node:fs';
import path from 'node:path';
import { buildAppSchema } from '../src/schema';
import { apiReferenceMarkdown } from '../src/graphql/api-reference';

/** Writes `docs/api-reference.md` from the schema's descriptions. A test fails when the committed file drifts. */
async function main(): Promise<void> {
  const out = path.join(__dirname, '..', '..', 'docs', 'api-reference.md');
  fs.writeFileSync(out, apiReferenceMarkdown(await buildAppSchema()));
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
}
void main();
