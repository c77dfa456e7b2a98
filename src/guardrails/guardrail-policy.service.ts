import { z } from 'zod';
import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_BLOCKED_MESSAGE, GuardrailPolicy } from './guardrail-policy.entity';
import type { GuardrailPolicyInput } from './guardrail-policy.inputs';
import {
  bedrockGuardrailSchema,
  contentCategoriesSchema,
  deniedTopicsSchema,
  parseGuardrailPolicyConfig,
  piiConfigSchema,
  promptInjectionSchema,
  wordFiltersSchema,
  type InjectionEscalation,
} from './guardrail-policy.schemas';
import { GuardrailDirection } from './guardrail.types';
import { compilePolicy, checkText, type CompiledPolicy } from './engine';
import type { InputCheckPool } from './input-check-pool';
import { CleanChunks } from './clean-chunks';
import type { CheckTextOptions, GuardrailActionValue, Verdict } from './engine/guardrail-engine.types';
import { mergeBedrockVerdict } from './bedrock-verdict';
import { escalateInjection, inEscalationBand, type EscalationProvider } from './injection-escalation';
import { createPolicyStreamScanner, withBedrockGuardrails, type AsyncPolicyStreamScanner, type PolicyFinding, type PolicyStreamScanner, type PolicyStreamStep } from './policy-stream-scanner';
import type { ModelProviderWithAll } from '../providers/provider';
import type { AuditService } from '../audit/audit.service';
import { CachedConfig, type ChangeBus } from '../db/change-bus';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
import { nameSchema, parseInput, idSchema } from '../graphql/validation';
import type { Logger } from '../observability/logger';

const TOPIC = 'guardrail_policies';
const ENTITY = 'GuardrailPolicy';

/** The part of the model provider a Bedrock-backed policy needs. */
export type GuardrailApplier = Pick<ModelProviderWithAll, 'applyGuardrail'> & Partial<Pick<ModelProviderWithAll, 'callTool'>>;

/** A policy ready for the hot path: compiled once per cache load. */
export interface ActivePolicy {
  id: string;
  name: string;
  /** Shown to the client in place of a text this policy blocked. */
  blockedMessage: string;
  compiled: CompiledPolicy;
  /** What a prompt injection found in a retrieved context chunk does: drop the chunk, or block the request. */
  onContextInjection: 'DROP' | 'BLOCK';
  /** When set, texts are also sent to Bedrock's ApplyGuardrail. */
  bedrockGuardrail?: { identifier: string; version: string };
}

/** One policy's verdict within a chain of policies. */
export interface PolicyCheck {
  policy: ActivePolicy;
  verdict: Verdict;
}

/** The outcome of running several policies over one text (see {@link GuardrailService.checkPolicies}). */
export interface PolicyChainResult {
  /** BLOCKED if a policy blocked, else ANONYMIZED if any anonymized, else NONE. */
  action: GuardrailActionValue;
  /** The text after every policy's anonymization (the original text when blocked). */
  text: string;
  /** The policy that blocked, if one did (the chain stops there). */
  blockedBy?: ActivePolicy;
  /** Every policy evaluated, in order, with its own verdict. */
  checks: PolicyCheck[];
}

/** One text to screen, with where it came from (`input`, `variable:<name>`, `context:<id>`). */
export interface ScreenedText extends CheckTextOptions {
  text: string;
}

/** One policy's verdict on one of the screened texts. */
export interface ScreeningCheck {
  policy: ActivePolicy;
  /** Which text (its index in the list screened). */
  index: number;
  verdict: Verdict;
  /** A chunk this verdict dropped (blocked for injection only, by a DROP policy). */
  dropped: boolean;
}

/** The outcome of {@link GuardrailService.screenInput}. */
export interface InputScreening {
  /** The texts after anonymization, in the order given; null for a dropped chunk. */
  texts: Array<string | null>;
  /** Every check made, in the order made. */
  checks: ScreeningCheck[];
  /** The check that blocked the request, if one did (the screening stopped there). */
  blocked: ScreeningCheck | null;
}

/** A stored policy and what the engine made of it. */
interface LoadedPolicy {
  entity: GuardrailPolicy;
  active: ActivePolicy;
}

const directionsSchema = z
  .array(z.enum(GuardrailDirection))
  .min(1, 'must name at least one direction')
  .transform((a) => [...new Set(a)]);
const promptsSchema = z
  .array(nameSchema)
  .max(1000)
  .transform((a) => [...new Set(a)]);
const blockedMessageSchema = z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters');
// Bedrock's own rule for guardrailVersion; checked here so a typo fails on write, not on every request.
const bedrockRefSchema = bedrockGuardrailSchema.refine((v) => v === null || /^(DRAFT|[1-9][0-9]{0,7})$/.test(v.version), {
  message: 'must be DRAFT or a version number (1-99999999)',
  path: ['version'],
});

/** Input fields (other than `name`) with the schema that validates each, in write order. */
const FIELD_SCHEMAS = {
  enabled: z.boolean(),
  appliesTo: directionsSchema,
  prompts: promptsSchema,
  deniedTopics: deniedTopicsSchema,
  pii: piiConfigSchema,
  wordFilters: wordFiltersSchema,
  promptInjection: promptInjectionSchema,
  contentCategories: contentCategoriesSchema,
  bedrockGuardrail: bedrockRefSchema,
  blockedMessage: blockedMessageSchema,
} as const;
type PolicyFields = { [K in keyof typeof FIELD_SCHEMAS]: z.output<(typeof FIELD_SCHEMAS)[K]> };

const DEFAULTS: PolicyFields = {
  enabled: true,
  appliesTo: [GuardrailDirection.INPUT, GuardrailDirection.OUTPUT],
  prompts: [],
  deniedTopics: deniedTopicsSchema.parse(undefined),
  pii: piiConfigSchema.parse(undefined),
  wordFilters: wordFiltersSchema.parse(undefined),
  promptInjection: promptInjectionSchema.parse(undefined),
  contentCategories: contentCategoriesSchema.parse(undefined),
  bedrockGuardrail: null,
  blockedMessage: DEFAULT_BLOCKED_MESSAGE,
};

/**
 * Validates the given fields of an input; an omitted (undefined) field is left out. An explicit
 * null is refused except for `bedrockGuardrail`, where it means "none".
 */
function parseFields(input: GuardrailPolicyInput): Partial<PolicyFields> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(FIELD_SCHEMAS)) {
    const value = (input as unknown as Record<string, unknown>)[key];
    if (value === undefined) continue;
    out[key] = parseInput(schema, value, `input.${key}`);
  }
  return out as Partial<PolicyFields>;
}

function compileEntity(p: GuardrailPolicy): CompiledPolicy {
  return compilePolicy(
    parseGuardrailPolicyConfig({
      pii: p.pii,
      deniedTopics: p.deniedTopics,
      wordFilters: p.wordFilters,
      promptInjection: p.promptInjection,
      contentCategories: p.contentCategories,
    }),
  );
}

function toActive(p: GuardrailPolicy, compiled: CompiledPolicy): ActivePolicy {
  return {
    id: p.id,
    name: p.name,
    blockedMessage: p.blockedMessage,
    onContextInjection: p.promptInjection.onContext,
    compiled,
    ...(p.bedrockGuardrail ? { bedrockGuardrail: { identifier: p.bedrockGuardrail.identifier, version: p.bedrockGuardrail.version } } : {}),
  };
}

const RANK: Record<GuardrailActionValue, number> = { NONE: 0, ANONYMIZED: 1, BLOCKED: 2 };

/**
 * Guardrail policies: their CRUD (validated, audited, cached) and the checks the generation
 * pipeline runs. Policies are read from an in-process cache that a change on any instance drops.
 */
export class GuardrailService {
  private readonly cache: CachedConfig<LoadedPolicy[]>;

  /**
   * @param provider The model provider, for policies with `bedrockGuardrail`. Without one, such a
   *   policy fails its checks rather than silently skipping Bedrock.
   * @param inputPool Worker threads for the local INPUT checks of large screenings; without one
   *   every check runs inline.
   * @param cleanChunks The retrieved chunks each policy found nothing in (default: a
   *   {@link CleanChunks} of default size); null checks every chunk every time.
   */
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly bus: ChangeBus,
    private readonly logger: Logger,
    private readonly provider?: GuardrailApplier,
    private readonly inputPool?: InputCheckPool,
    readonly cleanChunks: CleanChunks | null = new CleanChunks(),
  ) {
    this.cache = new CachedConfig(
      TOPIC,
      async () => {
        const rows = await db.getRepository(GuardrailPolicy).find({ order: { name: 'ASC' } });
        return rows.map((entity) => ({ entity, active: toActive(entity, compileEntity(entity)) }));
      },
      bus,
    );
  }

  // ---- config ------------------------------------------------------------------------------

  /** Every policy, by name. */
  list(): Promise<GuardrailPolicy[]> {
    return this.db.getRepository(GuardrailPolicy).find({ order: { name: 'ASC' } });
  }

  async create(input: GuardrailPolicyInput, actor: string): Promise<GuardrailPolicy> {
    const name = parseInput(nameSchema, input.name, 'input.name');
    const fields = { ...DEFAULTS, ...parseFields(input) };
    const draft = Object.assign(new GuardrailPolicy(), { name, ...fields });
    this.assertCompiles(draft);
    const saved = await this.db.transaction(async (m) => {
      await this.assertNameFree(m, name);
      const row = await m.save(m.create(GuardrailPolicy, { name, ...fields }));
      await this.audit.record(m, { actor, action: 'create', entityType: ENTITY, entityId: row.id, entityName: name, after: row });
      return row;
    });
    await this.bus.publish(TOPIC);
    return saved;
  }

  /** Updates the fields given in `input`; omitted fields keep their values. */
  async update(id: string, input: GuardrailPolicyInput, actor: string): Promise<GuardrailPolicy> {
    const policyId = parseInput(idSchema, id, 'id');
    const name = parseInput(nameSchema, input.name, 'input.name');
    const fields = parseFields(input);
    const saved = await this.db.transaction(async (m) => {
      const row = await m.findOne(GuardrailPolicy, { where: { id: policyId }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new NotFoundError(ENTITY, id);
      if (name !== row.name) await this.assertNameFree(m, name);
      const before = { ...row };
      Object.assign(row, { name, ...fields });
      this.assertCompiles(row);
      const updated = await m.save(row);
      await this.audit.record(m, { actor, action: 'update', entityType: ENTITY, entityId: row.id, entityName: name, before, after: updated });
      return updated;
    });
    await this.bus.publish(TOPIC);
    return saved;
  }

  async delete(id: string, actor: string): Promise<boolean> {
    const policyId = parseInput(idSchema, id, 'id');
    await this.db.transaction(async (m) => {
      // Locked: of concurrent deletes one succeeds, the others find nothing (one audit entry).
      const row = await m.findOne(GuardrailPolicy, { where: { id: policyId }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new NotFoundError(ENTITY, id);
      await m.delete(GuardrailPolicy, { id: policyId });
      await this.audit.record(m, { actor, action: 'delete', entityType: ENTITY, entityId: row.id, entityName: row.name, before: row });
    });
    await this.bus.publish(TOPIC);
    return true;
  }

  private async assertNameFree(m: EntityManager, name: string): Promise<void> {
    if (await m.findOneBy(GuardrailPolicy, { name })) throw new ConflictError(`a guardrail policy named "${name}" already exists`);
  }

  /** The engine may refuse what the schemas allow (e.g. a topic it cannot model): report it as input. */
  private assertCompiles(p: GuardrailPolicy): void {
    try {
      compileEntity(p);
    } catch (err) {
      throw new BadUserInputError('input', `the policy does not compile: ${(err as Error).message}`);
    }
  }

  // ---- checks (hot path: cache only) -------------------------------------------------------

  /**
   * The enabled policies that apply to `promptName` in `direction`, by name: a policy applies when
   * its `prompts` is empty or lists the prompt.
   */
  async policiesFor(promptName: string, direction: GuardrailDirection): Promise<ActivePolicy[]> {
    const loaded = await this.cache.get();
    return loaded.filter(({ entity: p }) => p.enabled && p.appliesTo.includes(direction) && (p.prompts.length === 0 || p.prompts.includes(promptName))).map((l) => l.active);
  }

  /** A policy by name, enabled or not; NOT_FOUND when there is none. */
  async policy(name: string): Promise<ActivePolicy> {
    const found = (await this.cache.get()).find((l) => l.entity.name === name);
    if (!found) throw new NotFoundError(ENTITY, name);
    return found.active;
  }

  /**
   * Checks a text against one policy, given by name (the `checkGuardrail` query: enabled or not,
   * whatever its `appliesTo`; NOT_FOUND when unknown), as an {@link ActivePolicy} from
   * {@link policiesFor} (the pipeline), or as a bare `{ id, name }` reference (looked up by id).
   */
  async check(policy: string | ActivePolicy | { id: string; name: string }, direction: GuardrailDirection, text: string, opts: CheckTextOptions = {}): Promise<Verdict> {
    return this.checkPolicy(await this.resolve(policy), direction, text, opts);
  }

  private async resolve(policy: string | ActivePolicy | { id: string; name: string }): Promise<ActivePolicy> {
    if (typeof policy === 'string') return this.policy(policy);
    if ('compiled' in policy) return policy;
    const found = (await this.cache.get()).find((l) => l.entity.id === policy.id);
    if (!found) throw new NotFoundError(ENTITY, policy.name);
    return found.active;
  }

  /**
   * Checks a text against one policy: the local engine first, then, unless that already blocked,
   * Bedrock's ApplyGuardrail on the locally anonymized text (so PII masked here never leaves).
   * Throws the provider's error when Bedrock fails.
   */
  async checkPolicy(policy: ActivePolicy, direction: GuardrailDirection, text: string, opts: CheckTextOptions = {}): Promise<Verdict> {
    return this.decide(policy, direction, text, opts, checkText(policy.compiled, direction, text, opts));
  }

  /**
   * {@link checkPolicy} given the local engine's verdict: escalation and Bedrock's ApplyGuardrail.
   * The local verdict itself (not a promise) when neither applies, as for most texts: a screening
   * of many texts then takes no promise per text.
   */
  private decide(policy: ActivePolicy, direction: GuardrailDirection, text: string, opts: CheckTextOptions, local: Verdict): Verdict | Promise<Verdict> {
    if (local.action === 'BLOCKED') return local;
    const esc = direction === 'INPUT' ? (policy.compiled.config.promptInjection.escalation ?? null) : null;
    const escalation = inEscalationBand(esc, local.injectionScore, policy.compiled.injectionThreshold) ? esc : null;
    return escalation || policy.bedrockGuardrail ? this.decideRemote(policy, direction, text, opts, local, escalation) : local;
  }

  /** {@link decide}'s remote part: the escalation `decide` found due (null: none), then Bedrock's ApplyGuardrail. */
  private async decideRemote(
    policy: ActivePolicy,
    direction: GuardrailDirection,
    text: string,
    opts: CheckTextOptions,
    localVerdict: Verdict,
    escalation: InjectionEscalation | null,
  ): Promise<Verdict> {
    let local = localVerdict;
    if (escalation) {
      if (!this.provider?.callTool) throw new Error(`guardrail policy "${policy.name}" escalates to Bedrock but no model provider is configured`);
      local = (await escalateInjection(this.provider as EscalationProvider, escalation, text, local, opts.source)).verdict;
    }
    if (!policy.bedrockGuardrail || local.action === 'BLOCKED') return local;
    if (!this.provider) throw new Error(`guardrail policy "${policy.name}" uses a Bedrock guardrail but no model provider is configured`);
    const { identifier, version } = policy.bedrockGuardrail;
    const remote = await this.provider.applyGuardrail(identifier, version, direction, local.text);
    return mergeBedrockVerdict(text, local, remote, opts.source);
  }

  /**
   * Runs policies in order over one text: each sees the text as the previous one anonymized it;
   * the first block stops the chain.
   */
  async checkPolicies(policies: readonly ActivePolicy[], direction: GuardrailDirection, text: string, opts: CheckTextOptions = {}): Promise<PolicyChainResult> {
    const r = await this.screen(policies, direction, [{ text, ...opts }]);
    let action: GuardrailActionValue = 'NONE';
    for (const c of r.checks) if (RANK[c.verdict.action] > RANK[action]) action = c.verdict.action;
    const checks = r.checks.map(({ policy, verdict }) => ({ policy, verdict }));
    return r.blocked ? { action: 'BLOCKED', text, blockedBy: r.blocked.policy, checks } : { action, text: r.texts[0]!, checks };
  }

  /**
   * Screens a request's input texts (the input, the variables, the retrieved chunks) with the
   * INPUT policies, policy by policy and, within a policy, text by text: each policy sees the texts
   * as the previous ones anonymized them. A chunk blocked only for prompt injection, by a policy
   * whose `onContextInjection` is DROP, is dropped (later policies no longer see it); any other
   * block stops the screening.
   */
  screenInput(policies: readonly ActivePolicy[], texts: readonly ScreenedText[]): Promise<InputScreening> {
    return this.screen(policies, 'INPUT', texts);
  }

  /** The one screening loop behind {@link checkPolicies} and {@link screenInput}. */
  private async screen(policies: readonly ActivePolicy[], direction: GuardrailDirection, texts: readonly ScreenedText[]): Promise<InputScreening> {
    const current: Array<string | null> = texts.map((t) => t.text);
    const checks: InputScreening['checks'] = [];
    for (const policy of policies) {
      // Retrieved chunks this policy found clean before are not checked again (CleanChunks).
      const remembered = direction === 'INPUT' ? this.rememberedChunks(policy, current, texts) : null;
      // A large INPUT screening: this policy's local checks of every text run in parallel in the
      // worker pool (off the event loop); escalation and blocks are then taken in order as below.
      const pooled = direction === 'INPUT' ? this.pooledChecks(policy, current, texts, remembered) : null;
      const locals = pooled ? await pooled : null;
      for (let i = 0; i < texts.length; i++) {
        const text = current[i];
        if (text === null || text === undefined) continue;
        const { text: _original, ...opts } = texts[i]!;
        let local = remembered?.[i];
        if (!local) {
          local = locals?.[i] ?? checkText(policy.compiled, direction, text, opts);
          if (direction === 'INPUT' && opts.isContextChunk) this.cleanChunks?.remember(policy.compiled, text, local);
        }
        const decided = this.decide(policy, direction, text, opts, local);
        const verdict = decided instanceof Promise ? await decided : decided;
        const check: ScreeningCheck = { policy, index: i, verdict, dropped: false };
        checks.push(check);
        if (verdict.action === 'BLOCKED') {
          const injectionOnly = verdict.findings.every((f) => f.action !== 'BLOCKED' || f.kind === 'PROMPT_INJECTION');
          if (opts.isContextChunk && injectionOnly && policy.onContextInjection === 'DROP') {
            check.dropped = true;
            current[i] = null;
            continue;
          }
          return { texts: current, checks, blocked: check };
        }
        if (verdict.action === 'ANONYMIZED') current[i] = verdict.text;
      }
    }
    return { texts: current, checks, blocked: null };
  }

  /** Per text, the local verdict remembered for it when it is a chunk this policy found clean before; null when none is. */
  private rememberedChunks(policy: ActivePolicy, current: ReadonlyArray<string | null>, texts: readonly ScreenedText[]): Array<Verdict | null> | null {
    const known = this.cleanChunks;
    if (!known) return null;
    let out: Array<Verdict | null> | null = null;
    for (let i = 0; i < texts.length; i++) {
      const text = current[i];
      if (text === null || text === undefined || !texts[i]!.isContextChunk) continue;
      const v = known.verdict(policy.compiled, text);
      if (v) (out ??= new Array<Verdict | null>(texts.length).fill(null))[i] = v;
    }
    return out;
  }

  /** Stops the worker threads of the INPUT checks (screenings after this run inline). */
  async close(): Promise<void> {
    await this.inputPool?.close();
  }

  /** How many local INPUT checks ran in a worker thread so far. */
  get offloadedChecks(): number {
    return this.inputPool?.offloaded ?? 0;
  }

  /**
   * The local INPUT verdicts of one policy from the worker pool, for each text still screened that is
   * itself at least `minChars` long (null for the others: they are checked inline); null when no
   * text is. The hop to a thread costs the event loop about as much per task as checking a few
   * kilobytes, so many small texts (ten 500-character chunks) are cheaper inline than as many tasks.
   */
  private pooledChecks(
    policy: ActivePolicy,
    current: ReadonlyArray<string | null>,
    texts: readonly ScreenedText[],
    remembered: ReadonlyArray<Verdict | null> | null,
  ): Promise<Array<Verdict | null>> | null {
    const pool = this.inputPool;
    const wanted = (text: string | null, i: number): text is string => text !== null && !remembered?.[i] && pool!.wants(text.length);
    if (!pool || !current.some(wanted)) return null;
    return Promise.all(
      current.map((text, i) => {
        if (!wanted(text, i)) return null;
        const { text: _original, ...opts } = texts[i]!;
        return pool.check(policy.compiled, 'INPUT', text, opts);
      }),
    );
  }

  /**
   * The scanner for a streamed model output: the policies' local scanners chained (see
   * `createPolicyStreamScanner`), then, for policies with a `bedrockGuardrail`, ApplyGuardrail on
   * sentence-sized segments of what they release (see `withBedrockGuardrails`). Without such a
   * policy the local scanner answers synchronously (no promise per delta on the hot path).
   */
  createOutputScanner(policies: readonly ActivePolicy[], opts: { source?: string } = {}): PolicyStreamScanner | AsyncPolicyStreamScanner {
    const local = createPolicyStreamScanner(policies, opts);
    return policies.some((p) => p.bedrockGuardrail) ? withBedrockGuardrails(local, policies, this.provider, opts) : local;
  }

  /**
   * Screens a whole model output (a non-streamed answer, `generateOnce`) with the OUTPUT policies in
   * one pass per policy: each policy checks the whole text (`checkText`) as the previous one masked
   * it, and the first block stops the chain. Released text and findings are those the stream
   * scanner's `push(text)` + `end()` give (the scanner only holds text back, it never judges it
   * differently; test/unit/guardrails/screen-output-equivalence.test.ts). A blocked answer
   * releases nothing, where a stream may already have sent the clean sentences before the block.
   * With a Bedrock-backed policy, the text goes through the output scanner as one delta, so the
   * ApplyGuardrail segments are those of a stream.
   */
  async screenOutput(policies: readonly ActivePolicy[], text: string, opts: { source?: string } = {}): Promise<PolicyStreamStep> {
    if (policies.some((p) => p.bedrockGuardrail)) {
      const scanner = this.createOutputScanner(policies, opts);
      const first = await scanner.push(text);
      if (first.blocked) return first;
      const last = await scanner.end();
      return { release: first.release + last.release, findings: [...first.findings, ...last.findings], ...(last.blocked ? { blocked: last.blocked } : {}) };
    }
    const findings: PolicyFinding[] = [];
    let current = text;
    for (const policy of policies) {
      if (!current) break;
      const verdict = checkText(policy.compiled, 'OUTPUT', current, opts);
      for (const finding of verdict.findings) findings.push({ policy, finding });
      if (verdict.action === 'BLOCKED') return { release: '', blocked: { policy, verdict }, findings };
      current = verdict.text;
    }
    return { release: current, findings };
  }
}
