import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import { EvalCase } from './eval-case.entity';
import { EvalSet } from './eval-set.entity';
import { EvalCaseInput, EvalSetInput, EvalSetUpdateInput } from './eval-set.inputs';
import type { EvalSetService } from './eval-set.service';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ evalSets: EvalSetService }>;

@Resolver(() => EvalSet)
export class EvalSetResolver {
  @Authorized(Roles.READ)
  @Query(() => [EvalSet], { description: 'Every eval set, by name.' })
  evalSets(@Ctx() ctx: ServicesContext): Promise<EvalSet[]> {
    return ctx.services.evalSets.list();
  }

  @Authorized(Roles.READ)
  @Query(() => EvalSet, { nullable: true, description: 'An eval set by name; NOT_FOUND when there is none.' })
  evalSet(@Arg('name') name: string, @Ctx() ctx: ServicesContext): Promise<EvalSet> {
    return ctx.services.evalSets.get(name);
  }

  @Authorized(Roles.CI)
  @Mutation(() => EvalSet)
  createEvalSet(@Arg('input', () => EvalSetInput) input: EvalSetInput, @Ctx() ctx: ServicesContext): Promise<EvalSet> {
    return ctx.services.evalSets.create(input, ctx.actor);
  }

  @Authorized(Roles.CI)
  @Mutation(() => EvalSet, { description: 'Appends cases after the existing ones.' })
  addEvalCases(@Arg('evalSet') evalSet: string, @Arg('cases', () => [EvalCaseInput]) cases: EvalCaseInput[], @Ctx() ctx: ServicesContext): Promise<EvalSet> {
    return ctx.services.evalSets.addCases(evalSet, cases, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => EvalSet, { description: "Changes the set's settings: an omitted field keeps its value, null clears it." })
  updateEvalSet(@Arg('id', () => ID) id: string, @Arg('input', () => EvalSetUpdateInput) input: EvalSetUpdateInput, @Ctx() ctx: ServicesContext): Promise<EvalSet> {
    return ctx.services.evalSets.update(id, input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Boolean, { description: 'Deletes the set and its cases; CONFLICT while eval runs refer to it.' })
  deleteEvalSet(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<boolean> {
    return ctx.services.evalSets.delete(id, ctx.actor);
  }

  @FieldResolver(() => [EvalCase])
  cases(@Root() set: EvalSet, @Ctx() ctx: ServicesContext): Promise<EvalCase[]> | EvalCase[] {
    return set.cases ?? ctx.services.evalSets.cases(set.id);
  }
}
