import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ApiKey, ApiRole, CreatedApiKey } from './api-key.entity';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import type { ApiKeyService } from './api-key.service';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ apiKeys: ApiKeyService }>;

@Resolver()
export class ApiKeyResolver {
  @Authorized(Roles.ADMIN)
  @Query(() => [ApiKey])
  apiKeys(@Ctx() ctx: ServicesContext): Promise<ApiKey[]> {
    return ctx.services.apiKeys.list();
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => CreatedApiKey, { description: 'Creates a key; the secret is returned once and stored hashed.' })
  createApiKey(@Arg('name') name: string, @Arg('role', () => ApiRole) role: ApiRole, @Ctx() ctx: ServicesContext): Promise<CreatedApiKey> {
    return ctx.services.apiKeys.create({ name, role }, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Boolean, { description: 'Revokes a key at once, on every instance.' })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<boolean> {
    return ctx.services.apiKeys.revoke(id, ctx.actor);
  }
}
