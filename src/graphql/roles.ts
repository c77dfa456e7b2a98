import { registerEnumType } from 'type-graphql';

/** The one role an API key carries (API.md "Who may do what"). */
export enum ApiRole {
  APP = 'APP',
  ADMIN = 'ADMIN',
  ANALYST = 'ANALYST',
  CI = 'CI',
}
registerEnumType(ApiRole, { name: 'ApiRole', description: 'The one role an API key carries.' });

/**
 * Who may do what (API.md "Who may do what"). ADMIN may do everything; the other roles are listed
 * per kind of operation, and resolvers name one of these sets in `@Authorized(...)`.
 */
export const Roles = {
  /** Config, traces, analytics and eval results: read-only roles plus CI. */
  READ: [ApiRole.ANALYST, ApiRole.CI],
  /** Prompts are also readable by apps. */
  READ_PROMPTS: [ApiRole.APP, ApiRole.ANALYST, ApiRole.CI],
  /** Prompt versions, eval sets, eval runs, label promotion and rollback. */
  CI: [ApiRole.CI],
  GENERATE: [ApiRole.APP],
  ADMIN: [] as ApiRole[],
} as const;

export function roleAllows(role: ApiRole, allowed: readonly ApiRole[]): boolean {
  return role === ApiRole.ADMIN || allowed.includes(role);
}
