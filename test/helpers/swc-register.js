/**
 * A require hook for child Node processes started by tests (they cannot use jest's transform):
 * compiles `.ts` files with swc using the options of jest.config.js (legacy decorators with
 * metadata, which type-graphql and TypeORM need; CommonJS). Use with `node -r ./swc-register.js`.
 */
'use strict';
const fs = require('node:fs');
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

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...options, filename });
  module._compile(code, filename);
};
