import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Roles } from '../../graphql/roles';
import type { RequestContext } from '../../graphql/context';
import { ModelPriceInput } from './model-price.inputs';
import { ModelInfoType } from './models.types';
import type { ModelRuntime } from '../model-runtime';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ models: ModelRuntime }>;

@Resolver()
export class ModelsResolver {
  @Authorized(Roles.READ)
  @Query(() => [ModelInfoType], { description: 'The model catalog with prices (admin overrides applied) and availability.' })
  models(@Ctx() ctx: ServicesContext): Promise<ModelInfoType[]> {
    return ctx.services.models.pricing.list();
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => ModelInfoType, { description: 'Overrides a model’s prices (USD per 1M tokens) for billing and budgets.' })
  setModelPrice(@Arg('modelId') modelId: string, @Arg('input', () => ModelPriceInput) input: ModelPriceInput, @Ctx() ctx: ServicesContext): Promise<ModelInfoType> {
    return ctx.services.models.pricing.setPrice(modelId, input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => ModelInfoType, { description: 'Removes a model’s price override: the catalog price applies again.' })
  clearModelPrice(@Arg('modelId') modelId: string, @Ctx() ctx: ServicesContext): Promise<ModelInfoType> {
    return ctx.services.models.pricing.clearPrice(modelId, ctx.actor);
  }
}
