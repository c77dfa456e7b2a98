/**
 * A require hook for child Node processes started by tests (they cannot use jest's transform):
 * compiles `.ts` files with swc using the options of jest.config.js (legacy decorators with
 * metadata, which type-graphql and TypeORM need; CommonJS). Use with `node -r ./swc-register.js`.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
  swcrc: false,
  configFile: false,
};

process.setSourceMapsEnabled(true);

// Each child process used to compile every source it loads (~300 files, the bulk of a child's start):
// the output is kept under node_modules/.cache by a hash of the file's path and text, the options and
// swc's version, so a child after the first reads it back. Written to a temporary name (random: worker
// threads share a pid), then renamed: concurrent children never read half a file. A changed source has
// a new hash (old entries are unused).
const CACHE = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'genai-cp-tests', 'swc');
const SALT = `${require('@swc/core/package.json').version} ${JSON.stringify(options)}`;

function compiled(source, filename) {
  const file = path.join(CACHE, `${crypto.createHash('sha256').update(SALT).update('\0').update(filename).update('\0').update(source).digest('hex').slice(0, 32)}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // not cached yet
  }
  const { code } = transformSync(source, { ...options, filename });
  try {
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  } catch {
    // a read-only checkout: compile every time, as before
  }
  return code;
}

require.extensions['.ts'] = function compileTs(module, filename) {
  module._compile(compiled(fs.readFileSync(filename, 'utf8'), filename), filename);
};
