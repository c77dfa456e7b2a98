import { countTokens } from '../tokens';
import { EmulatorError } from './emulator.model';

/** The only InvokeModel target the emulator serves. */
export const TITAN_EMBED_V2 = 'amazon.titan-embed-text-v2:0';

function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A deterministic stand-in for Titan Text Embeddings V2 (feature hashing): each lower-cased word
 * (weight 1) and each character trigram of `#word#` (weight 0.5) adds ±weight to a hashed
 * dimension (the sign from a second hash, so unrelated features cancel out on average). Texts
 * sharing words and word pieces land close (high cosine); unrelated texts land near 0.
 */
export function embedText(text: string, dimensions: 256 | 512 | 1024, normalize = true): number[] {
  const v = new Float64Array(dimensions);
  const add = (feature: string, weight: number): void => {
    const sign = fnv1a(feature, 0x9e3779b9) & 1 ? 1 : -1;
    v[fnv1a(feature, 0) % dimensions] += sign * weight;
  };
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    add(`w:${word}`, 1);
    const padded = `#${word}#`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.5);
  }
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  const scale = normalize && norm > 0 ? 1 / norm : 1;
  return Array.from(v, (x) => Math.round(x * scale * 1e7) / 1e7);
}

/** Handles an InvokeModel body for Titan V2: `{inputText, dimensions?, normalize?}`. */
export function invokeTitanEmbed(raw: unknown): { body: Record<string, unknown>; inputTokens: number } {
  const req = raw as { inputText?: unknown; dimensions?: unknown; normalize?: unknown; embeddingTypes?: unknown } | null;
  if (!req || typeof req.inputText !== 'string' || req.inputText.length === 0) {
    throw new EmulatorError('ValidationException', 'Malformed input request: #: required key [inputText] not found or empty');
  }
  const dimensions = req.dimensions ?? 1024;
  if (dimensions !== 256 && dimensions !== 512 && dimensions !== 1024) {
    throw new EmulatorError('ValidationException', 'Malformed input request: #/dimensions: must be one of 256, 512, 1024');
  }
  const types = req.embeddingTypes ?? ['float'];
  if (!Array.isArray(types) || types.length === 0 || types.some((t) => t !== 'float' && t !== 'binary')) {
    throw new EmulatorError('ValidationException', 'Malformed input request: #/embeddingTypes: items must be "float" or "binary"');
  }
  const embedding = embedText(req.inputText, dimensions, req.normalize !== false);
  const inputTokens = countTokens(req.inputText);
  // Binary embeddings are the sign of each dimension, as 0/1.
  const embeddingsByType: Record<string, number[]> = {};
  if (types.includes('float')) embeddingsByType.float = embedding;
  if (types.includes('binary')) embeddingsByType.binary = embedding.map((x) => (x > 0 ? 1 : 0));
  return {
    body: { ...(types.includes('float') ? { embedding } : {}), inputTextTokenCount: inputTokens, embeddingsByType },
    inputTokens,
  };
}
