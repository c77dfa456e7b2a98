import { Ajv, type ValidateFunction } from 'ajv';

/**
 * JSON Schema validation with ajv (draft-07 and 2019-09 keywords ajv supports by default). Schemas
 * are compiled on write (an invalid one is refused there) and compiled validators are cached by the
 * schema's JSON text, bounded, so scoring 10,000 cases compiles each schema once.
 */
// Unknown keywords and malformed keyword values are refused (strictSchema); the stricter lint rules
// (a `required` property not listed in `properties`, ...) are valid JSON Schema and stay allowed.
const ajv = new Ajv({ allErrors: false, strict: false, strictSchema: true, validateFormats: false });
const cache = new Map<string, ValidateFunction>();
const MAX_CACHED = 500;

function compile(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = cache.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, fn);
  }
  return fn;
}

/** Why ajv refuses to compile `schema`, or null when it compiles. */
export function jsonSchemaError(schema: Record<string, unknown>): string | null {
  try {
    compile(schema);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Validates `value` against `schema`: null when valid, else ajv's first error as text. */
export function validateJsonSchema(schema: Record<string, unknown>, value: unknown): string | null {
  const fn = compile(schema);
  if (fn(value)) return null;
  const e = fn.errors?.[0];
  return e ? `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}` : 'does not match the schema';
}
