import type { NonEmptyArray } from 'type-graphql';
import { ApiKeyResolver } from '../auth/api-key.resolver';
import { AuditResolver } from '../audit/audit.resolver';

/** Every resolver class of the API; each feature adds its own here. */
// eslint-disable-next-line @typescript-eslint/ban-types
export const resolvers: NonEmptyArray<Function> = [ApiKeyResolver, AuditResolver];
