#!/usr/bin/env node
/**
 * The genai-cp CLI (`npx genai-cp ...` from a checkout). Runs the built CLI when `npm run build`
 * made one, otherwise compiles its TypeScript sources on the fly with swc (a dev dependency).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const built = path.join(root, 'dist', 'src', 'cli', 'main.js');
let cli;
if (fs.existsSync(built)) {
  cli = require(built);
} else {
  const { transformSync } = require('@swc/core');
  const options = {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    swcrc: false,
    configFile: false,
  };
  require.extensions['.ts'] = function compileTs(module, filename) {
    module._compile(transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);
  };
  cli = require(path.join(root, 'src', 'cli', 'main.ts'));
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
