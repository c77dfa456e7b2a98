import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { GuardrailPolicy } from './guardrail-policy.entity';
import { GuardrailPolicyInput } from './guardrail-policy.inputs';
import { GuardrailDirection, GuardrailVerdict } from './guardrail.types';
import { Roles } from '../auth/roles';
import type { RequestContext } from '../graphql/context';

@Resolver()
export class GuardrailPolicyResolver {
  @Authorized(Roles.READ)
  @Query(() => [GuardrailPolicy], { description: 'Every guardrail policy, by name.' })
  guardrailPolicies(@Ctx() ctx: RequestContext): Promise<GuardrailPolicy[]> {
    return ctx.services.guardrails.list();
  }

  @Authorized(Roles.READ)
  @Query(() => GuardrailVerdict, { description: 'Checks a text against one policy (enabled or not), as the pipeline would.' })
  checkGuardrail(
    @Arg('policy') policy: string,
    @Arg('direction', () => GuardrailDirection) direction: GuardrailDirection,
    @Arg('text') text: string,
    @Ctx() ctx: RequestContext,
  ): Promise<GuardrailVerdict> {
    return ctx.services.guardrails.check(policy, direction, text) as Promise<GuardrailVerdict>;
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => GuardrailPolicy)
  createGuardrailPolicy(@Arg('input', () => GuardrailPolicyInput) input: GuardrailPolicyInput, @Ctx() ctx: RequestContext): Promise<GuardrailPolicy> {
    return ctx.services.guardrails.create(input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => GuardrailPolicy, { description: 'Updates the fields given; omitted fields keep their values.' })
  updateGuardrailPolicy(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => GuardrailPolicyInput) input: GuardrailPolicyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<GuardrailPolicy> {
    return ctx.services.guardrails.update(id, input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Boolean)
  deleteGuardrailPolicy(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.guardrails.delete(id, ctx.actor);
  }
}
