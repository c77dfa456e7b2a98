import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { AuditEntry } from './audit-entry.entity';
import { Connection } from '../graphql/paging';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import type { AuditService } from './audit.service';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ audit: AuditService }>;

export const AuditConnection = Connection(AuditEntry, 'Audit');

@Resolver()
export class AuditResolver {
  @Authorized(Roles.ADMIN)
  @Query(() => AuditConnection, { description: 'Every config change, newest first.' })
  async auditLog(
    @Ctx() ctx: ServicesContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<InstanceType<typeof AuditConnection>> {
    return AuditConnection.from(await ctx.services.audit.list(first ?? 50, after ?? undefined));
  }
}
