export { ResponseCache, hashParts, normalizeInput, cosine } from './response-cache';
export type { CachedAnswer, CacheKey, CacheHit, ResponseCacheOptions } from './response-cache';
