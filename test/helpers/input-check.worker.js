/**
 * The guardrail input-check worker when the service runs from its TypeScript sources (jest): the
 * worker thread cannot use jest's transform, so it compiles the sources with the tests' swc hook.
 * A built service (dist/) loads `input-check.worker.js` next to the pool instead.
 */
'use strict';
require('./swc-register.js');
module.exports = require('../../src/guardrails/engine/input-check.worker.ts');
