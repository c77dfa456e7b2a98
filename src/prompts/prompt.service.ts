import DataLoader from 'dataloader';
import { z } from 'zod';
import { In, type DataSource, type EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { CachedConfig, type ChangeBus } from '../db/change-bus';
import { BadUserInputError, NotFoundError, ConflictError } from '../graphql/errors';
import { nameSchema, parseInput } from '../graphql/validation';
import { LabelMove } from './label-move.entity';
import { PromptLabel } from './prompt-label.entity';
import { findVariables } from './prompt-template';
import { PromptVersion } from './prompt-version.entity';
import { Prompt } from './prompt.entity';
import { DEFAULT_LABEL, LATEST, compactParams, createPromptVersionSchema, labelNameSchema, type ModelParamsData, type PromptMessageData } from './prompt.schemas';
import type { PromotionResult } from './promotion-result.types';

/** The CachedConfig topic of prompts, versions and labels. */
const TOPIC = 'prompts';
/** Bus topics `prompts.label_moved:["<prompt>","<label>"]` tell response caches (on every instance) that a label moved. */
const LABEL_MOVED_PREFIX = 'prompts.label_moved:';

/** Which version to serve: a label (default `production`; `latest` = the highest number) or a number. */
export interface VersionSelector {
  label?: string | null;
  version?: number | null;
}

/** A prompt version as the generate pipeline needs it. Read-only: it is shared by every request. */
export interface ResolvedPromptVersion {
  promptId: string;
  /** The prompt name. */
  prompt: string;
  /** When true the response cache may share answers across API keys. */
  shareable: boolean;
  versionId: string;
  number: number;
  /** The label that selected this version (`latest` included), or null when selected by number. */
  label: string | null;
  system: string | null;
  messages: readonly Readonly<PromptMessageData>[];
  variables: readonly string[];
  modelId: string | null;
  params: Readonly<ModelParamsData> | null;
}

/** Called after a label of a prompt moved (promote, rollback; `latest` on a new version). May be called more than once per move. */
export type LabelMovedListener = (promptName: string, label: string) => void;

/** Per-request batch loaders for the field resolvers (one query per kind of field, not per row). */
export interface PromptLoaders {
  promptById: DataLoader<string, Prompt | null>;
  /** Versions of a prompt, by ascending number. */
  versionsByPrompt: DataLoader<string, PromptVersion[]>;
  versionById: DataLoader<string, PromptVersion | null>;
  /** Key: `${promptId}:${number}`. */
  versionByNumber: DataLoader<string, PromptVersion | null>;
  latestNumberByPrompt: DataLoader<string, number | null>;
  /** Labels of a prompt, by name. */
  labelsByPrompt: DataLoader<string, PromptLabel[]>;
  /** Moves of a label, newest first. */
  movesByLabel: DataLoader<string, LabelMove[]>;
}

interface CachedPrompt {
  byNumber: Map<number, ResolvedPromptVersion>;
  latest: ResolvedPromptVersion | null;
  labels: Map<string, ResolvedPromptVersion>;
}

const unitSchema = (what: string) =>
  z
    .number({ error: `${what} must be a number in 0..1` })
    .min(0, 'must be in 0..1')
    .max(1, 'must be in 0..1');
/** EvalGateInput, validated before any model call. */
const gateSchema = z.object({
  evalSet: nameSchema,
  minScore: unitSchema('minScore'),
  modelId: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(300)
    .nullish()
    .transform((v) => v ?? null),
  minPassRate: unitSchema('minPassRate')
    .nullish()
    .transform((v) => v ?? null),
  maxRegression: unitSchema('maxRegression')
    .nullish()
    .transform((v) => v ?? null),
});
/** A gate as the gate port receives it. */
export type PromotionGateData = z.output<typeof gateSchema>;

/** The gate's verdict (the evals feature decides). */
export interface GateVerdict {
  allowed: boolean;
  reason: string;
  evalRunId: string | null;
  baselineRunId: string | null;
}

/**
 * What a gated promotion asks: evaluate `version` (and with `maxRegression` the `baselineVersion`
 * the label points at now) on the gate's eval set. Implemented by the evals feature.
 */
export interface PromotionGate {
  evaluate(req: { prompt: string; version: number; baselineVersion: number | null; gate: PromotionGateData }, actor: string): Promise<GateVerdict>;
}

const descriptionSchema = z.string().max(2000, 'must be at most 2000 characters').nullish();
const versionNumberSchema = z.number().int('must be an integer').positive('must be a positive integer');

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Plain data out of type-graphql input instances (zod objects and the audit log want plain objects). */
function plain(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function labelSnapshot(promptName: string, label: PromptLabel, number: number | null): object {
  return { id: label.id, prompt: promptName, name: label.name, version: number, updatedAt: label.updatedAt, updatedBy: label.updatedBy };
}

/**
 * Prompts, their immutable versions and movable labels. Writes go to the database (audited in the
 * same transaction); `resolveVersion` serves the hot path from an in-process cache that every
 * instance drops when the bus says prompts changed.
 */
export class PromptService {
  private readonly cache: CachedConfig<Map<string, CachedPrompt>>;
  private readonly listeners = new Set<LabelMovedListener>();
  private gate: PromotionGate | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly bus: ChangeBus,
    /** Checks a version's `modelId` against the model catalog (as routing rules do); default: any id. */
    private readonly opts: {
      isKnownModel?: (modelId: string) => boolean;
      /** Why a model id cannot be used as is (e.g. only callable through an inference profile); undefined when fine. */
      modelIdProblem?: (modelId: string) => string | undefined;
    } = {},
  ) {
    this.cache = new CachedConfig(TOPIC, () => this.loadAll(), bus);
    bus.subscribe((topic) => {
      if (!topic.startsWith(LABEL_MOVED_PREFIX)) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(topic.slice(LABEL_MOVED_PREFIX.length));
      } catch {
        return;
      }
      if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') return;
      for (const l of this.listeners) {
        try {
          l(parsed[0], parsed[1]);
        } catch {
          // A listener's failure must not stop the others nor the bus.
        }
      }
    });
  }

  // ---------------------------------------------------------------- hot path

  /**
   * The version to serve for a prompt, from the cache (no database read once loaded). Without a
   * selector the `production` label serves; `latest` is the highest number. NotFoundError when the
   * prompt, label or version does not exist; BadUserInputError when both label and version are given.
   */
  async resolveVersion(promptName: string, sel: VersionSelector = {}): Promise<ResolvedPromptVersion> {
    const hasVersion = sel.version !== undefined && sel.version !== null;
    const hasLabel = sel.label !== undefined && sel.label !== null;
    if (hasVersion && hasLabel) throw new BadUserInputError('input.version', 'give either a label or a version, not both');
    const entry = (await this.cache.get()).get(promptName);
    if (!entry) throw new NotFoundError('Prompt', promptName);
    if (hasVersion) {
      const v = entry.byNumber.get(sel.version!);
      if (!v) throw new NotFoundError('PromptVersion', `${promptName}@${sel.version}`);
      return v;
    }
    const label = sel.label ?? DEFAULT_LABEL;
    const v = label === LATEST ? entry.latest : entry.labels.get(label);
    if (!v) {
      throw label === LATEST ? new NotFoundError('PromptVersion', `${promptName}@latest`) : new NotFoundError('PromptLabel', `${promptName}:${label}`);
    }
    return { ...v, label };
  }

  /** Registers a listener for label moves (this instance and, on PostgreSQL, every other). Returns an unsubscribe function. */
  onLabelMoved(listener: LabelMovedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async loadAll(): Promise<Map<string, CachedPrompt>> {
    const [prompts, versions, labels] = await Promise.all([
      this.db.getRepository(Prompt).find(),
      this.db.getRepository(PromptVersion).find({ order: { number: 'ASC' } }),
      this.db.getRepository(PromptLabel).find(),
    ]);
    const byId = new Map<string, { name: string; entry: CachedPrompt }>();
    const out = new Map<string, CachedPrompt>();
    for (const p of prompts) {
      const entry: CachedPrompt = { byNumber: new Map(), latest: null, labels: new Map() };
      byId.set(p.id, { name: p.name, entry });
      out.set(p.name, entry);
    }
    const versionById = new Map<string, ResolvedPromptVersion>();
    for (const v of versions) {
      const owner = byId.get(v.promptId);
      if (!owner) continue;
      const r: ResolvedPromptVersion = deepFreeze({
        promptId: v.promptId,
        prompt: owner.name,
        shareable: v.shareable,
        versionId: v.id,
        number: v.number,
        label: null,
        system: v.system,
        messages: v.messages,
        variables: v.variables,
        modelId: v.modelId,
        params: v.params,
      });
      owner.entry.byNumber.set(v.number, r);
      owner.entry.latest = r; // ascending order: the last one is the highest number
      versionById.set(v.id, r);
    }
    for (const l of labels) {
      const owner = byId.get(l.promptId);
      const v = versionById.get(l.versionId);
      if (owner && v) owner.entry.labels.set(l.name, v);
    }
    return out;
  }

  // ---------------------------------------------------------------- reads (GraphQL)

  /** Whether a prompt of that name exists (inside the caller's transaction). */
  existsNamed(m: EntityManager, name: string): Promise<boolean> {
    return m.getRepository(Prompt).existsBy({ name });
  }

  list(): Promise<Prompt[]> {
    return this.db.getRepository(Prompt).find({ order: { name: 'ASC' } });
  }

  async getByName(name: string, field = 'name'): Promise<Prompt> {
    const n = parseInput(nameSchema, name, field);
    const p = await this.db.getRepository(Prompt).findOneBy({ name: n });
    if (!p) throw new NotFoundError('Prompt', n);
    return p;
  }

  /** Fresh loaders for one GraphQL operation. */
  createLoaders(): PromptLoaders {
    const db = this.db;
    return {
      promptById: new DataLoader(async (ids) => {
        const rows = await db.getRepository(Prompt).findBy({ id: In([...ids]) });
        const m = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => m.get(id) ?? null);
      }),
      versionsByPrompt: new DataLoader(async (ids) => {
        const rows = await db.getRepository(PromptVersion).find({ where: { promptId: In([...ids]) }, order: { number: 'ASC' } });
        const g = groupBy(rows, (r) => r.promptId);
        return ids.map((id) => g.get(id) ?? []);
      }),
      versionById: new DataLoader(async (ids) => {
        const rows = await db.getRepository(PromptVersion).findBy({ id: In([...ids]) });
        const m = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => m.get(id) ?? null);
      }),
      versionByNumber: new DataLoader(async (keys) => {
        const wanted = keys.map((k) => {
          const i = k.lastIndexOf(':');
          return { promptId: k.slice(0, i), number: Number(k.slice(i + 1)) };
        });
        const rows = await db.getRepository(PromptVersion).find({ where: wanted });
        const m = new Map(rows.map((r) => [`${r.promptId}:${r.number}`, r]));
        return keys.map((k) => m.get(k) ?? null);
      }),
      latestNumberByPrompt: new DataLoader(async (ids) => {
        const rows: Array<{ prompt_id: string; max: number }> = await db.query('SELECT prompt_id, MAX(number)::int AS max FROM prompt_versions WHERE prompt_id = ANY($1::uuid[]) GROUP BY prompt_id', [
          [...ids],
        ]);
        const m = new Map(rows.map((r) => [r.prompt_id, Number(r.max)]));
        return ids.map((id) => m.get(id) ?? null);
      }),
      labelsByPrompt: new DataLoader(async (ids) => {
        const rows = await db.getRepository(PromptLabel).find({ where: { promptId: In([...ids]) }, order: { name: 'ASC' } });
        const g = groupBy(rows, (r) => r.promptId);
        return ids.map((id) => g.get(id) ?? []);
      }),
      movesByLabel: new DataLoader(async (ids) => {
        const rows = await db.getRepository(LabelMove).find({ where: { labelId: In([...ids]) }, order: { at: 'DESC', id: 'DESC' } });
        const g = groupBy(rows, (r) => r.labelId);
        return ids.map((id) => g.get(id) ?? []);
      }),
    };
  }

  // ---------------------------------------------------------------- writes

  async create(input: { name: string; description?: string | null }, actor: string): Promise<Prompt> {
    const name = parseInput(nameSchema, input.name, 'input.name');
    const description = parseInput(descriptionSchema, input.description, 'input.description') ?? null;
    const prompt = await this.db.transaction(async (m) => {
      if (await m.findOneBy(Prompt, { name })) throw new ConflictError(`a prompt named "${name}" already exists`);
      const saved = await m.save(m.create(Prompt, { name, description }));
      await this.audit.record(m, { actor, action: 'create', entityType: 'Prompt', entityId: saved.id, entityName: name, after: saved });
      return saved;
    });
    await this.bus.publish(TOPIC);
    return prompt;
  }

  /**
   * Adds a version numbered last + 1. The prompt row is locked for the transaction, so concurrent
   * calls for one prompt get distinct, gapless numbers.
   */
  async createVersion(
    input: {
      prompt: string;
      system?: string | null;
      messages?: Array<{ role: string; content: string }> | null;
      modelId?: string | null;
      params?: object | null;
      commitMessage?: string | null;
      shareable?: boolean | null;
    },
    actor: string,
  ): Promise<PromptVersion> {
    const data = parseInput(createPromptVersionSchema, plain(input), 'input');
    const promptName = parseInput(nameSchema, data.prompt, 'input.prompt');
    if (data.modelId && this.opts.isKnownModel && !this.opts.isKnownModel(data.modelId)) {
      throw new BadUserInputError('input.modelId', `unknown model "${data.modelId}" (see the models query)`);
    }
    const modelProblem = data.modelId ? this.opts.modelIdProblem?.(data.modelId) : undefined;
    if (modelProblem) throw new BadUserInputError('input.modelId', modelProblem);
    const system = data.system && data.system.trim() ? data.system : null;
    const messages: PromptMessageData[] = data.messages ?? [];
    const variables = findVariables([{ template: system, field: 'input.system' }, ...messages.map((msg, i) => ({ template: msg.content, field: `input.messages.${i}.content` }))]);
    const params = compactParams(data.params);

    const version = await this.db.transaction(async (m) => {
      const prompt = await this.lockPrompt(m, promptName);
      const row: { max: number | null } | undefined = await m.createQueryBuilder(PromptVersion, 'v').select('MAX(v.number)::int', 'max').where('v.prompt_id = :id', { id: prompt.id }).getRawOne();
      const number = (row?.max == null ? 0 : Number(row.max)) + 1;
      const saved = await m.save(
        m.create(PromptVersion, {
          promptId: prompt.id,
          number,
          system,
          messages,
          variables,
          modelId: data.modelId ?? null,
          params,
          commitMessage: data.commitMessage ?? null,
          createdBy: actor,
          shareable: data.shareable ?? false,
        }),
      );
      await this.audit.record(m, {
        actor,
        action: 'create',
        entityType: 'PromptVersion',
        entityId: saved.id,
        entityName: `${promptName}@${number}`,
        after: { ...saved, prompt: promptName },
      });
      return saved;
    });
    await this.bus.publish(TOPIC);
    // `latest` moved implicitly.
    await this.publishLabelMoved(promptName, LATEST);
    return version;
  }

  /** Sets the eval gate that gated promotions ask (see `app.ts`); without one, a gate is refused. */
  useGate(gate: PromotionGate): void {
    this.gate = gate;
  }

  /**
   * Points a label at a version (creating the label if needed) and records the move. With a `gate`,
   * the gate first evaluates the version (and, with `maxRegression`, the version the label points at
   * now) and the label moves only if it allows; the move and its audit entry record the run.
   */
  async promote(input: { prompt: string; version: number; label: string; gate?: unknown }, actor: string): Promise<PromotionResult> {
    const promptName = parseInput(nameSchema, input.prompt, 'input.prompt');
    const labelName = this.settableLabel(input.label, 'input.label');
    const number = parseInput(versionNumberSchema, input.version, 'input.version');
    const gate = input.gate === undefined || input.gate === null ? null : parseInput(gateSchema, plain(input.gate), 'input.gate');

    let verdict: GateVerdict | null = null;
    let evaluatedFrom: number | null = null;
    if (gate) {
      if (!this.gate) throw new BadUserInputError('input.gate', 'eval gates are not available in this process');
      // Checked before any model call: the prompt, the version, where the label points now.
      const prompt = await this.getByName(promptName, 'input.prompt');
      const target = await this.db.getRepository(PromptVersion).findOneBy({ promptId: prompt.id, number });
      if (!target) throw new NotFoundError('PromptVersion', `${promptName}@${number}`);
      const existing = await this.db.getRepository(PromptLabel).findOneBy({ promptId: prompt.id, name: labelName });
      if (existing && existing.versionId === target.id) {
        return { promoted: true, label: existing, reason: `label "${labelName}" already points at version ${number}`, evalRunId: null };
      }
      evaluatedFrom = existing ? await this.numberOf(this.db.manager, existing.versionId) : null;
      verdict = await this.gate.evaluate({ prompt: promptName, version: number, baselineVersion: evaluatedFrom, gate }, actor);
      if (!verdict.allowed) return { promoted: false, label: existing, reason: verdict.reason, evalRunId: verdict.evalRunId };
    }

    const result = await this.db.transaction(async (m): Promise<PromotionResult & { moved: boolean }> => {
      const prompt = await this.lockPrompt(m, promptName);
      const target = await m.findOneBy(PromptVersion, { promptId: prompt.id, number });
      if (!target) throw new NotFoundError('PromptVersion', `${promptName}@${number}`);
      const existing = await m.findOneBy(PromptLabel, { promptId: prompt.id, name: labelName });
      if (existing && existing.versionId === target.id) {
        return { promoted: true, label: existing, reason: `label "${labelName}" already points at version ${number}`, moved: false, evalRunId: verdict?.evalRunId ?? null };
      }
      const fromNumber = existing ? await this.numberOf(m, existing.versionId) : null;
      if (verdict && fromNumber !== evaluatedFrom) {
        // The regression was measured against the version the label held then; it moved meanwhile.
        return {
          promoted: false,
          label: existing,
          reason: `label "${labelName}" moved from version ${evaluatedFrom ?? 'none'} to ${fromNumber ?? 'none'} while the gate evaluated; promote again`,
          moved: false,
          evalRunId: verdict.evalRunId,
        };
      }
      const before = existing ? labelSnapshot(promptName, existing, fromNumber) : null;
      const label = await this.moveLabel(m, existing ?? m.create(PromptLabel, { promptId: prompt.id, name: labelName }), target, fromNumber, 'promote', actor, verdict?.evalRunId ?? null);
      await this.audit.record(m, {
        actor,
        action: 'promote',
        entityType: 'PromptLabel',
        entityId: label.id,
        entityName: `${promptName}:${labelName}`,
        before,
        after: {
          ...labelSnapshot(promptName, label, number),
          ...(verdict ? { gate, evalRun: verdict.evalRunId, baselineEvalRun: verdict.baselineRunId, gateReason: verdict.reason } : {}),
        },
      });
      return { promoted: true, label, reason: verdict?.reason ?? null, moved: true, evalRunId: verdict?.evalRunId ?? null };
    });
    if (result.moved) {
      await this.bus.publish(TOPIC);
      await this.publishLabelMoved(promptName, labelName);
    }
    return { promoted: result.promoted, label: result.label, reason: result.reason, evalRunId: result.evalRunId };
  }

  /**
   * Moves a label back to the version it held before its last move (a rollback is itself a move,
   * so rolling back twice returns to where it started). BAD_USER_INPUT when the label never moved.
   */
  async rollback(promptName: string, labelName: string, actor: string): Promise<PromptLabel> {
    const pName = parseInput(nameSchema, promptName, 'prompt');
    const lName = this.settableLabel(labelName, 'label');
    const label = await this.db.transaction(async (m) => {
      const prompt = await this.lockPrompt(m, pName);
      const existing = await m.findOneBy(PromptLabel, { promptId: prompt.id, name: lName });
      if (!existing) throw new NotFoundError('PromptLabel', `${pName}:${lName}`);
      const last = await m.findOne(LabelMove, { where: { labelId: existing.id }, order: { at: 'DESC', id: 'DESC' } });
      if (!last || last.fromVersion === null) {
        throw new BadUserInputError('label', `label "${lName}" of prompt "${pName}" has no previous version to roll back to`);
      }
      const target = await m.findOneBy(PromptVersion, { promptId: prompt.id, number: last.fromVersion });
      if (!target) throw new NotFoundError('PromptVersion', `${pName}@${last.fromVersion}`);
      const fromNumber = await this.numberOf(m, existing.versionId);
      const before = labelSnapshot(pName, existing, fromNumber);
      const moved = await this.moveLabel(m, existing, target, fromNumber, 'rollback', actor);
      await this.audit.record(m, {
        actor,
        action: 'rollback',
        entityType: 'PromptLabel',
        entityId: moved.id,
        entityName: `${pName}:${lName}`,
        before,
        after: labelSnapshot(pName, moved, target.number),
      });
      return moved;
    });
    await this.bus.publish(TOPIC);
    await this.publishLabelMoved(pName, lName);
    return label;
  }

  // ---------------------------------------------------------------- helpers

  /** A label name that may be set: valid, lowercase, and not `latest`. */
  private settableLabel(name: string, field: string): string {
    const n = parseInput(labelNameSchema, name, field);
    if (n === LATEST) throw new BadUserInputError(field, '"latest" is implicit (the highest version number) and cannot be set');
    return n;
  }

  /** Locks the prompt row: version numbering and label moves of one prompt are serialized. */
  private async lockPrompt(m: EntityManager, name: string): Promise<Prompt> {
    const prompt = await m.findOne(Prompt, { where: { name }, lock: { mode: 'pessimistic_write' } });
    if (!prompt) throw new NotFoundError('Prompt', name);
    return prompt;
  }

  private async numberOf(m: EntityManager, versionId: string): Promise<number | null> {
    return (await m.findOneBy(PromptVersion, { id: versionId }))?.number ?? null;
  }

  private async moveLabel(
    m: EntityManager,
    label: PromptLabel,
    target: PromptVersion,
    fromNumber: number | null,
    kind: 'promote' | 'rollback',
    actor: string,
    evalRunId: string | null = null,
  ): Promise<PromptLabel> {
    label.versionId = target.id;
    label.updatedAt = new Date();
    label.updatedBy = actor;
    const saved = await m.save(label);
    await m.insert(LabelMove, { labelId: saved.id, fromVersion: fromNumber, toVersion: target.number, kind, by: actor, evalRunId });
    return saved;
  }

  private async publishLabelMoved(promptName: string, label: string): Promise<void> {
    await this.bus.publish(LABEL_MOVED_PREFIX + JSON.stringify([promptName, label]));
  }
}
