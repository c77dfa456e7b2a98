import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import { BadUserInputError, NotFoundError } from '../graphql/errors';
import { parseInput } from '../graphql/validation';
import { LabelMove } from './label-move.entity';
import { PromptLabel } from './prompt-label.entity';
import { PromptVersion } from './prompt-version.entity';
import { Prompt } from './prompt.entity';
import { CreatePromptInput, CreatePromptVersionInput, PromoteInput } from './prompt.inputs';
import { LATEST, labelNameSchema } from './prompt.schemas';
import type { PromptLoaders, PromptService } from './prompt.service';
import { PromotionResult } from './promotion-result.types';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ prompts: PromptService }>;

/** One set of loaders per GraphQL operation, keyed by its context object. */
const perOperation = new WeakMap<ServicesContext, PromptLoaders>();

function loaders(ctx: ServicesContext): PromptLoaders {
  let l = perOperation.get(ctx);
  if (!l) {
    l = ctx.services.prompts.createLoaders();
    perOperation.set(ctx, l);
  }
  return l;
}

/** After a mutation, fields must not be served from what loaders cached before it. */
function afterWrite<T>(ctx: ServicesContext, value: T): T {
  perOperation.delete(ctx);
  return value;
}

@Resolver(() => Prompt)
export class PromptResolver {
  @Authorized(Roles.READ_PROMPTS)
  @Query(() => Prompt, { nullable: true, description: 'A prompt by name; NOT_FOUND when there is none.' })
  prompt(@Arg('name') name: string, @Ctx() ctx: ServicesContext): Promise<Prompt> {
    return ctx.services.prompts.getByName(name);
  }

  @Authorized(Roles.READ_PROMPTS)
  @Query(() => [Prompt], { description: 'Every prompt, by name.' })
  prompts(@Ctx() ctx: ServicesContext): Promise<Prompt[]> {
    return ctx.services.prompts.list();
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Prompt)
  async createPrompt(@Arg('input') input: CreatePromptInput, @Ctx() ctx: ServicesContext): Promise<Prompt> {
    return afterWrite(ctx, await ctx.services.prompts.create(input, ctx.actor));
  }

  @Authorized(Roles.CI)
  @Mutation(() => PromptVersion, { description: 'Adds an immutable version numbered last + 1.' })
  async createPromptVersion(@Arg('input') input: CreatePromptVersionInput, @Ctx() ctx: ServicesContext): Promise<PromptVersion> {
    return afterWrite(ctx, await ctx.services.prompts.createVersion(input, ctx.actor));
  }

  @Authorized(Roles.CI)
  @Mutation(() => PromotionResult, { description: 'Points a label at a version; every move is kept.' })
  async promotePromptVersion(@Arg('input') input: PromoteInput, @Ctx() ctx: ServicesContext): Promise<PromotionResult> {
    return afterWrite(ctx, await ctx.services.prompts.promote(input, ctx.actor));
  }

  @Authorized(Roles.CI)
  @Mutation(() => PromptLabel, { description: 'Moves a label back to the version it held before its last move.' })
  async rollbackPromptLabel(@Arg('prompt') prompt: string, @Arg('label') label: string, @Ctx() ctx: ServicesContext): Promise<PromptLabel> {
    return afterWrite(ctx, await ctx.services.prompts.rollback(prompt, label, ctx.actor));
  }

  @FieldResolver(() => [PromptVersion], { description: 'Every version, by ascending number.' })
  versions(@Root() p: Prompt, @Ctx() ctx: ServicesContext): Promise<PromptVersion[]> {
    return loaders(ctx).versionsByPrompt.load(p.id);
  }

  @FieldResolver(() => PromptVersion, {
    nullable: true,
    description: 'One version: by `number` (NOT_FOUND if there is none), by `label` (null if the label is not set; `latest` is the highest number), or the latest without arguments.',
  })
  async version(
    @Root() p: Prompt,
    @Ctx() ctx: ServicesContext,
    @Arg('number', () => Int, { nullable: true }) number?: number | null,
    @Arg('label', () => String, { nullable: true }) label?: string | null,
  ): Promise<PromptVersion | null> {
    const l = loaders(ctx);
    if (number != null && label != null) throw new BadUserInputError('label', 'give either a number or a label, not both');
    if (number != null) {
      const v = await l.versionByNumber.load(`${p.id}:${number}`);
      if (!v) throw new NotFoundError('PromptVersion', `${p.name}@${number}`);
      return v;
    }
    const name = label == null ? LATEST : parseInput(labelNameSchema, label, 'label');
    if (name === LATEST) {
      const latest = await l.latestNumberByPrompt.load(p.id);
      return latest === null ? null : l.versionByNumber.load(`${p.id}:${latest}`);
    }
    const found = (await l.labelsByPrompt.load(p.id)).find((x) => x.name === name);
    return found ? l.versionById.load(found.versionId) : null;
  }

  @FieldResolver(() => [PromptLabel], { description: 'The labels set on this prompt, by name (`latest` is implicit and not listed).' })
  labels(@Root() p: Prompt, @Ctx() ctx: ServicesContext): Promise<PromptLabel[]> {
    return loaders(ctx).labelsByPrompt.load(p.id);
  }
}

@Resolver(() => PromptVersion)
export class PromptVersionResolver {
  @FieldResolver(() => [String], { description: 'Labels pointing at this version, by name; `latest` when it is the highest number.' })
  async labels(@Root() v: PromptVersion, @Ctx() ctx: ServicesContext): Promise<string[]> {
    const l = loaders(ctx);
    const [labels, latest] = await Promise.all([l.labelsByPrompt.load(v.promptId), l.latestNumberByPrompt.load(v.promptId)]);
    const names = labels.filter((x) => x.versionId === v.id).map((x) => x.name);
    if (latest === v.number) names.push(LATEST);
    return names.sort();
  }

  @FieldResolver(() => Prompt, { description: 'The prompt this version belongs to.' })
  async prompt(@Root() v: PromptVersion, @Ctx() ctx: ServicesContext): Promise<Prompt> {
    const p = await loaders(ctx).promptById.load(v.promptId);
    if (!p) throw new NotFoundError('Prompt', v.promptId);
    return p;
  }
}

@Resolver(() => PromptLabel)
export class PromptLabelResolver {
  @FieldResolver(() => PromptVersion)
  async version(@Root() label: PromptLabel, @Ctx() ctx: ServicesContext): Promise<PromptVersion> {
    const v = await loaders(ctx).versionById.load(label.versionId);
    if (!v) throw new NotFoundError('PromptVersion', label.versionId);
    return v;
  }

  @FieldResolver(() => [LabelMove], { description: 'Every move of this label, newest first.' })
  history(@Root() label: PromptLabel, @Ctx() ctx: ServicesContext): Promise<LabelMove[]> {
    return loaders(ctx).movesByLabel.load(label.id);
  }
}

/** The resolver classes of this feature, for its feature module. */
export const promptResolvers = [PromptResolver, PromptVersionResolver, PromptLabelResolver] as const;
