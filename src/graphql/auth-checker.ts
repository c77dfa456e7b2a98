import type { AuthCheckerFn } from 'type-graphql';
import type { RequestContext } from './context';
import { ForbiddenError, UnauthenticatedError } from './errors';
import { roleAllows, type ApiRole } from './roles';

/** `@Authorized(...roles)`: no or bad key is UNAUTHENTICATED; a role not listed (and not ADMIN) is FORBIDDEN. */
export const authChecker: AuthCheckerFn<RequestContext, ApiRole> = ({ context, info }, roles) => {
  const key = context.apiKey;
  if (!key) throw new UnauthenticatedError();
  if (!roleAllows(key.role, roles)) {
    throw new ForbiddenError(`role ${key.role} may not use ${info.parentType.name}.${info.fieldName}`);
  }
  return true;
};
