import type { AuthCheckerFn } from 'type-graphql';
import type { RequestContext } from './context';
import { ForbiddenError, UnauthenticatedError } from './errors';
import { roleAllows, type ApiRole } from './roles';

/**
 * `@Authorized(...roles)`: no or bad key is UNAUTHENTICATED; a role not listed (and not ADMIN) is
 * FORBIDDEN. The context's `onAuthRefused` hears of each refusal first (a refused generation is
 * traced), and the error names the trace it wrote.
 */
export const authChecker: AuthCheckerFn<RequestContext, ApiRole> = ({ context, info, args }, roles) => {
  const key = context.apiKey;
  const refuse = (err: UnauthenticatedError | ForbiddenError): never => {
    const traceId = context.onAuthRefused?.({
      field: `${info.parentType.name}.${info.fieldName}`,
      args,
      code: err.code,
      message: err.message,
      apiKey: key,
      remoteAddress: context.remoteAddress ?? null,
    });
    if (traceId) err.extra.traceId = traceId;
    throw err;
  };
  if (!key) return refuse(new UnauthenticatedError());
  if (!roleAllows(key.role, roles)) return refuse(new ForbiddenError(`role ${key.role} may not use ${info.parentType.name}.${info.fieldName}`));
  return true;
};
