import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';
import { buildAppSchema } from '../../../src/schema';

/*
 * The public contract (the API's names as documented in docs/api.md), transcribed by hand. It is NOT generated from the schema:
 * it is the thing the schema is checked against. Additions beyond it are allowed; renames and drops
 * are not.
 *
 * Type notation:
 *   'String!'  the exact GraphQL type, nullability included (the contract states it)
 *   '~Trace'   the named type only (the contract names it but not its nullability or list-ness)
 *   null       the field/argument must exist; the contract lists the name without a type
 */
type TypeRef = string | null;

/** An operation or a field with arguments. */
interface FieldSpec {
  type: TypeRef;
  args?: Record<string, TypeRef>;
  /** the contract names only some arguments (`updateAlertRule(id)`): others may be required too. */
  someArgs?: boolean;
}
type Fields = Record<string, TypeRef | FieldSpec>;

const QUERIES: Record<string, FieldSpec> = {
  // auth and audit
  apiKeys: { type: '[ApiKey!]!' },
  auditLog: { type: 'AuditConnection!', args: { first: 'Int', after: 'String' } },
  // prompts
  prompt: { type: 'Prompt', args: { name: 'String!' } },
  prompts: { type: '[Prompt!]!' },
  // routing
  routingRules: { type: '[RoutingRule!]!' },
  explainRoute: { type: 'RouteDecision!', args: { input: 'GenerateInput!' } },
  // guardrails
  guardrailPolicies: { type: '[GuardrailPolicy!]!' },
  checkGuardrail: {
    type: 'GuardrailVerdict!',
    args: { policy: 'String!', direction: 'GuardrailDirection!', text: 'String!' },
  },
  // budgets
  budgets: { type: '[Budget!]!' },
  // traces and analytics
  trace: { type: 'Trace', args: { id: 'ID!' } },
  traces: { type: 'TraceConnection!', args: { filter: 'TraceFilter', first: 'Int', after: 'String' } },
  costBreakdown: {
    type: '[CostRow!]!',
    args: { filter: 'TraceFilter', groupBy: '[Dimension!]!', bucket: 'TimeBucket' },
  },
  latencyStats: {
    type: '[LatencyRow!]!',
    args: { filter: 'TraceFilter', groupBy: '[Dimension!]', bucket: 'TimeBucket' },
  },
  guardrailStats: { type: '[GuardrailRow!]!', args: { filter: 'TraceFilter', bucket: 'TimeBucket' } },
  cacheStats: { type: '[CacheRow!]!', args: { filter: 'TraceFilter', bucket: 'TimeBucket' } },
  evalScoreTrend: {
    type: '[EvalTrendRow!]!',
    args: { evalSet: 'String!', prompt: 'String', bucket: 'TimeBucket' },
  },
  drift: {
    type: 'DriftReport!',
    args: { filter: 'TraceFilter', window: 'TimeRangeInput!', baseline: 'TimeRangeInput!' },
  },
  // evaluation
  evalRun: { type: 'EvalRun', args: { id: 'ID!' } },
  evalRuns: { type: '[EvalRun!]!', args: { evalSet: 'String', prompt: 'String', first: 'Int' } },
  compareEvalRuns: { type: 'EvalRunComparison!', args: { base: 'ID!', candidate: 'ID!' } },
  reviewQueue: { type: '[ReviewItem!]!', args: { first: 'Int' } },
  judgeAgreement: { type: 'JudgeAgreement!', args: { evalSet: 'String' } },
  // watching production: `query onlineEvaluators` (type not written out)
  onlineEvaluators: { type: '~OnlineEvaluator' },
  // alerts
  alertEvents: { type: '[AlertEvent!]!', args: { first: 'Int' } },
  alertDeliveries: { type: null, args: { rule: 'ID', first: 'Int' } },
};

const MUTATIONS: Record<string, FieldSpec> = {
  // auth
  createApiKey: { type: 'CreatedApiKey!', args: { name: 'String!', role: 'ApiRole!' } },
  revokeApiKey: { type: 'Boolean!', args: { id: 'ID!' } },
  // prompts
  createPrompt: { type: 'Prompt!', args: { input: 'CreatePromptInput!' } },
  createPromptVersion: { type: 'PromptVersion!', args: { input: 'CreatePromptVersionInput!' } },
  promotePromptVersion: { type: 'PromotionResult!', args: { input: 'PromoteInput!' } },
  rollbackPromptLabel: { type: 'PromptLabel!', args: { prompt: 'String!', label: 'String!' } },
  // routing
  createRoutingRule: { type: 'RoutingRule!', args: { input: 'RoutingRuleInput!' } },
  updateRoutingRule: { type: 'RoutingRule!', args: { id: 'ID!', input: 'RoutingRuleInput!' } },
  deleteRoutingRule: { type: 'Boolean!', args: { id: 'ID!' } },
  // guardrails
  createGuardrailPolicy: { type: 'GuardrailPolicy!', args: { input: 'GuardrailPolicyInput!' } },
  updateGuardrailPolicy: { type: 'GuardrailPolicy!', args: { id: 'ID!', input: 'GuardrailPolicyInput!' } },
  deleteGuardrailPolicy: { type: 'Boolean!', args: { id: 'ID!' } },
  // budgets
  createBudget: { type: 'Budget!', args: { input: 'BudgetInput!' } },
  updateBudget: { type: 'Budget!', args: { id: 'ID!', input: 'BudgetInput!' } },
  deleteBudget: { type: 'Boolean!', args: { id: 'ID!' } },
  // generation
  generateOnce: { type: 'GenerateResult!', args: { input: 'GenerateInput!' } },
  // evaluation
  createEvalSet: { type: 'EvalSet!', args: { input: 'EvalSetInput!' } },
  addEvalCases: { type: 'EvalSet!', args: { evalSet: 'String!', cases: '[EvalCaseInput!]!' } },
  runEval: { type: 'EvalRun!', args: { input: 'RunEvalInput!' } },
  cancelEvalRun: { type: 'EvalRun!', args: { id: 'ID!' } },
  submitReview: { type: 'ReviewItem!', args: { input: 'ReviewInput!' } },
  // watching production: `createOnlineEvaluator(input: OnlineEvaluatorInput!): OnlineEvaluator!   # + update(id, input), delete(id)`
  createOnlineEvaluator: { type: 'OnlineEvaluator!', args: { input: 'OnlineEvaluatorInput!' } },
  updateOnlineEvaluator: { type: null, args: { id: null, input: null } },
  deleteOnlineEvaluator: { type: null, args: { id: null } },
  // alerts: `createAlertRule / updateAlertRule(id) / deleteAlertRule(id)`, types not written out
  createAlertRule: { type: null, someArgs: true },
  updateAlertRule: { type: null, args: { id: null }, someArgs: true },
  deleteAlertRule: { type: null, args: { id: null }, someArgs: true },
};

const SUBSCRIPTIONS: Record<string, FieldSpec> = {
  generate: { type: 'GenerateEvent!', args: { input: 'GenerateInput!' } },
  evalRunProgress: { type: 'EvalRun!', args: { id: 'ID!' } },
  alerts: { type: 'AlertEvent!' },
};

/** Object (output) types. A key `Type.field` names the type of that field where the contract leaves it unnamed. */
const OBJECT_TYPES: Record<string, Fields> = {
  // auth and audit
  CreatedApiKey: { apiKey: 'ApiKey!', secret: 'String!' },
  ApiKey: { id: null, name: null, role: null, createdAt: null, lastUsedAt: null, revokedAt: null },
  AuditConnection: { edges: null, pageInfo: null },
  // "every config change: actor, action, entity, before, after, at" (prose for an unnamed type): the
  // entity is read as entityType (+ entityId, entityName); there is no field named `entity`.
  'AuditConnection.edges': { cursor: null, node: null },
  'AuditConnection.edges.node': { actor: null, action: null, entityType: null, before: null, after: null, at: null },
  // prompts
  Prompt: {
    id: 'ID!',
    name: 'String!',
    description: 'String',
    versions: '[PromptVersion!]!',
    version: { type: 'PromptVersion', args: { number: 'Int', label: 'String' } },
    labels: '[PromptLabel!]!',
    createdAt: 'DateTime!',
  },
  PromptVersion: {
    id: 'ID!',
    number: 'Int!',
    system: 'String',
    messages: '[PromptMessage!]!',
    variables: '[String!]!',
    modelId: 'String',
    params: 'ModelParams',
    commitMessage: 'String',
    createdBy: 'String',
    createdAt: 'DateTime!',
    labels: '[String!]!',
  },
  PromptMessage: { role: 'Role!', content: 'String!' },
  ModelParams: { maxTokens: 'Int', temperature: 'Float', topP: 'Float', stopSequences: '[String!]' },
  PromptLabel: {
    name: 'String!',
    version: 'PromptVersion!',
    updatedAt: 'DateTime!',
    updatedBy: 'String',
    history: '[LabelMove!]!',
  },
  LabelMove: { fromVersion: 'Int', toVersion: 'Int!', at: null, by: null },
  PromotionResult: { promoted: 'Boolean!', label: 'PromptLabel', evalRun: 'EvalRun', reason: 'String' },
  // routing
  RoutingRule: {
    id: 'ID!',
    name: 'String!',
    priority: 'Int!',
    enabled: 'Boolean!',
    condition: 'JSON!',
    targetModelId: 'String!',
    fallbackModelIds: '[String!]!',
    createdAt: 'DateTime!',
    updatedAt: 'DateTime!',
  },
  RouteDecision: {
    modelId: 'String!',
    fallbackModelIds: '[String!]!',
    rule: 'RoutingRule',
    reason: 'String!',
    inputTokens: 'Int!',
    complexity: 'Float!',
  },
  // guardrails
  GuardrailPolicy: {
    id: 'ID!',
    name: 'String!',
    enabled: 'Boolean!',
    appliesTo: '[GuardrailDirection!]!',
    prompts: '[String!]!',
    deniedTopics: 'JSON!',
    pii: 'JSON!',
    wordFilters: 'JSON!',
    promptInjection: 'JSON!',
    contentCategories: 'JSON!',
    bedrockGuardrail: 'JSON',
    blockedMessage: 'String!',
    createdAt: null,
    updatedAt: null,
  },
  GuardrailVerdict: { action: 'GuardrailAction!', text: 'String!', findings: '[GuardrailFinding!]!' },
  GuardrailFinding: {
    kind: 'String!',
    name: 'String!',
    action: 'GuardrailAction!',
    match: 'String',
    start: 'Int',
    end: 'Int',
    score: 'Float',
    source: 'String',
  },
  // budgets
  Budget: {
    id: 'ID!',
    name: 'String!',
    scope: 'BudgetScope!',
    scopeValue: 'String',
    period: 'BudgetPeriod!',
    limitUsd: 'Float!',
    spentUsd: 'Float!',
    reservedUsd: 'Float!',
    alertThresholds: '[Float!]!',
    onExceed: 'BudgetAction!',
    downgradeModelId: 'String',
    periodStart: 'DateTime!',
  },
  // generation
  GenerationStarted: {
    traceId: 'ID!',
    modelId: 'String!',
    promptVersion: 'Int!',
    label: 'String',
    routedBy: 'String',
    cached: 'Boolean!',
  },
  TextDelta: { text: 'String!', index: 'Int!' },
  GuardrailIntervened: {
    direction: 'GuardrailDirection!',
    action: 'GuardrailAction!',
    policy: 'String!',
    findings: '[GuardrailFinding!]!',
  },
  GenerationCompleted: {
    traceId: 'ID!',
    stopReason: 'String!',
    usage: 'Usage!',
    costUsd: 'Float!',
    costByStage: 'StageCost!',
    latencyMs: 'Float!',
    ttftMs: 'Float',
    cached: 'Boolean!',
  },
  GenerationFailed: { traceId: 'ID', code: 'String!', message: 'String!' },
  Usage: {
    inputTokens: 'Int!',
    outputTokens: 'Int!',
    cacheReadTokens: 'Int!',
    cacheWriteTokens: 'Int!',
    byStage: 'StageTokens!',
  },
  StageTokens: { system: 'Int!', context: 'Int!', history: 'Int!', input: 'Int!', output: 'Int!' },
  StageCost: {
    system: 'Float!',
    context: 'Float!',
    history: 'Float!',
    input: 'Float!',
    output: 'Float!',
    cacheRead: 'Float!',
    cacheWrite: 'Float!',
  },
  GenerateResult: {
    traceId: 'ID',
    status: 'GenerationStatus!',
    text: 'String!',
    modelId: 'String',
    promptVersion: 'Int',
    routedBy: 'String',
    stopReason: 'String',
    usage: 'Usage',
    costUsd: 'Float',
    costByStage: 'StageCost',
    latencyMs: 'Float',
    ttftMs: 'Float',
    cached: 'Boolean!',
    guardrailEvents: '[GuardrailIntervened!]!',
    error: 'GenerationFailed',
  },
  // traces and analytics
  Trace: {
    id: 'ID!',
    createdAt: 'DateTime!',
    prompt: 'String',
    promptVersion: 'Int',
    label: 'String',
    modelId: 'String',
    routedBy: 'String',
    user: 'String',
    sessionId: 'String',
    apiKey: 'String',
    tags: '[String!]!',
    status: 'GenerationStatus!',
    stopReason: 'String',
    cached: 'Boolean!',
    request: 'JSON!',
    assembledPrompt: 'JSON!',
    output: 'String',
    usage: 'Usage',
    costUsd: 'Float!',
    costByStage: 'StageCost',
    latencyMs: 'Float',
    ttftMs: 'Float',
    guardrailEvents: 'JSON!',
    spans: '[Span!]!',
    scores: '[TraceScore!]!',
  },
  TraceScore: { name: 'String!', source: 'ScoreSource!', score: 'Float!', passed: 'Boolean', reason: 'String', evaluator: 'String', at: 'DateTime!' },
  Span: { name: 'String!', startedAt: 'DateTime!', durationMs: 'Float!', attributes: 'JSON' },
  // `{ edges { cursor node } pageInfo { hasNextPage endCursor } }`
  TraceConnection: { edges: null, pageInfo: null },
  'TraceConnection.edges': { cursor: null, node: '~Trace' },
  'TraceConnection.pageInfo': { hasNextPage: null, endCursor: null },
  CostRow: {
    keys: 'JSON!',
    bucket: 'DateTime',
    requests: 'Int!',
    inputTokens: 'Int!',
    outputTokens: 'Int!',
    cacheReadTokens: 'Int!',
    cacheWriteTokens: 'Int!',
    costUsd: 'Float!',
    costByStage: 'StageCost!',
  },
  LatencyRow: {
    keys: null,
    bucket: null,
    requests: null,
    avgMs: null,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    ttftP50Ms: null,
    ttftP95Ms: null,
  },
  GuardrailRow: {
    bucket: null,
    policy: null,
    kind: null,
    direction: null,
    requests: null,
    triggered: null,
    blocked: null,
    anonymized: null,
    rate: null,
  },
  CacheRow: { bucket: null, requests: null, hits: null, hitRate: null, savedUsd: null, promptCacheReadTokens: null },
  EvalTrendRow: { bucket: 'DateTime!', meanScore: 'Float', passRate: 'Float', items: 'Int!', runs: 'Int!', promptVersions: '[Int!]!' },
  DriftReport: { drifted: 'Boolean!', features: '[DriftFeature!]!' },
  DriftFeature: { name: null, statistic: null, method: null, threshold: null, drifted: null },
  // evaluation
  EvalSet: {
    id: 'ID!',
    name: 'String!',
    description: 'String',
    rubric: 'String',
    judgeModelId: 'String',
    cases: '[EvalCase!]!',
  },
  EvalCase: {
    id: 'ID!',
    variables: 'JSON',
    messages: 'JSON',
    input: 'String',
    context: 'JSON',
    expected: 'String',
    assertions: 'JSON!',
    tags: '[String!]!',
  },
  EvalRun: {
    id: 'ID!',
    evalSet: 'EvalSet!',
    prompt: 'String!',
    promptVersion: 'Int!',
    modelId: 'String!',
    status: 'EvalRunStatus!',
    score: 'Float',
    passRate: 'Float',
    costUsd: 'Float',
    startedAt: null,
    finishedAt: null,
    results: '[EvalResult!]!',
  },
  EvalResult: {
    id: 'ID!',
    case: 'EvalCase!',
    output: 'String',
    traceId: 'ID',
    scores: 'JSON!',
    passed: 'Boolean!',
    score: 'Float!',
    judgeScore: 'Float',
    judgeReason: 'String',
    humanScore: 'Float',
  },
  ReviewItem: {
    id: 'ID!',
    kind: 'ReviewKind!',
    traceId: 'ID',
    evalResultId: 'ID',
    evalSet: 'String',
    prompt: 'String',
    input: 'String',
    output: 'String',
    context: 'JSON',
    judgeScore: 'Float',
    judgeReason: 'String',
    humanScore: 'Float',
    claimedBy: 'String',
    claimedUntil: 'DateTime',
    createdAt: 'DateTime!',
  },
  JudgeAgreement: { n: 'Int!', agreement: 'Float', cohensKappa: 'Float', pearson: 'Float' },
  OnlineEvaluator: { id: null, name: null, prompt: null, label: null, evalSet: null, sampleRate: 'Float!', assertions: 'JSON!', filter: 'JSON', enabled: 'Boolean!' },
  // alerts
  AlertRule: {
    id: 'ID!',
    name: 'String!',
    metric: 'String!',
    condition: 'JSON!',
    window: 'String!',
    enabled: 'Boolean!',
  },
  AlertEvent: {
    id: 'ID!',
    rule: 'AlertRule!',
    firedAt: 'DateTime!',
    value: 'Float!',
    baseline: 'Float',
    message: 'String!',
  },
};

const INPUT_TYPES: Record<string, Record<string, TypeRef>> = {
  CreatePromptInput: { name: 'String!', description: 'String' },
  CreatePromptVersionInput: {
    prompt: 'String!',
    system: 'String',
    messages: '[PromptMessageInput!]',
    modelId: 'String',
    params: 'ModelParamsInput',
    commitMessage: 'String',
  },
  PromptMessageInput: {},
  ModelParamsInput: {},
  PromoteInput: { prompt: 'String!', version: 'Int!', label: 'String!', gate: 'EvalGateInput' },
  EvalGateInput: { evalSet: 'String!', minScore: 'Float!', modelId: 'String', minPassRate: 'Float', maxRegression: 'Float' },
  RoutingRuleInput: {
    name: 'String!',
    priority: 'Int!',
    enabled: 'Boolean',
    condition: 'JSON!',
    targetModelId: 'String!',
    fallbackModelIds: '[String!]',
  },
  // "has the fields of the type (all but `name` optional)"
  GuardrailPolicyInput: {
    name: 'String!',
    enabled: 'Boolean',
    appliesTo: '[GuardrailDirection!]',
    prompts: '[String!]',
    deniedTopics: 'JSON',
    pii: 'JSON',
    wordFilters: 'JSON',
    promptInjection: 'JSON',
    contentCategories: 'JSON',
    bedrockGuardrail: 'JSON',
    blockedMessage: 'String',
  },
  // "the settable fields of Budget": their types are Budget's, nullability left open
  BudgetInput: {
    name: '~String',
    scope: '~BudgetScope',
    scopeValue: '~String',
    period: '~BudgetPeriod',
    limitUsd: '~Float',
    alertThresholds: '~Float',
    onExceed: '~BudgetAction',
    downgradeModelId: '~String',
  },
  GenerateInput: {
    prompt: 'String!',
    label: 'String',
    version: 'Int',
    variables: 'JSON',
    messages: '[ChatMessageInput!]',
    input: 'String',
    context: '[ContextChunkInput!]',
    user: 'String',
    sessionId: 'String',
    maxOutputTokens: 'Int',
    modelId: 'String',
    tags: '[String!]',
    cache: 'CacheMode',
  },
  ChatMessageInput: { role: null, content: null },
  ContextChunkInput: { id: 'String!', text: 'String!', score: 'Float', source: 'String' },
  TraceFilter: {
    from: 'DateTime',
    to: 'DateTime',
    prompt: 'String',
    label: 'String',
    modelId: 'String',
    user: 'String',
    apiKey: 'String',
    status: 'GenerationStatus',
    tags: '[String!]',
  },
  TimeRangeInput: { from: 'DateTime!', to: 'DateTime!' },
  EvalSetInput: { name: null, description: null, rubric: null, judgeModelId: null, cases: '[EvalCaseInput!]' },
  EvalCaseInput: {},
  RunEvalInput: { evalSet: 'String!', prompt: 'String!', version: 'Int', label: 'String', modelId: 'String' },
  ReviewInput: { item: 'ID!', score: 'Float!', label: 'String', comment: 'String' },
  OnlineEvaluatorInput: {},
  // the rule's fields (types not written out) and "AlertRuleInput gains webhookUrl: String, webhookSecret: String"
  AlertRuleInput: { name: null, metric: null, condition: null, window: null, webhookUrl: 'String', webhookSecret: 'String' },
};

const ENUMS: Record<string, string[]> = {
  ApiRole: ['APP', 'ADMIN', 'ANALYST', 'CI'],
  Role: ['USER', 'ASSISTANT'],
  GuardrailDirection: ['INPUT', 'OUTPUT'],
  GuardrailAction: ['NONE', 'ANONYMIZED', 'BLOCKED'],
  BudgetScope: ['GLOBAL', 'PROMPT', 'MODEL', 'API_KEY', 'USER'],
  BudgetPeriod: ['DAILY', 'WEEKLY', 'MONTHLY', 'TOTAL'],
  BudgetAction: ['BLOCK', 'DOWNGRADE'],
  CacheMode: ['DEFAULT', 'BYPASS', 'REFRESH'],
  GenerationStatus: ['COMPLETED', 'BLOCKED', 'FAILED'],
  Dimension: ['PROMPT', 'PROMPT_VERSION', 'LABEL', 'MODEL', 'ROUTE_RULE', 'USER', 'API_KEY', 'TAG'],
  TimeBucket: ['HOUR', 'DAY', 'WEEK', 'MONTH'],
  EvalRunStatus: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'],
  ScoreSource: ['JUDGE', 'RULE', 'HUMAN'],
  ReviewKind: ['TRACE', 'EVAL_RESULT'],
};

const UNIONS: Record<string, string[]> = {
  GenerateEvent: ['GenerationStarted', 'TextDelta', 'GuardrailIntervened', 'GenerationCompleted', 'GenerationFailed'],
};

const SCALARS = ['DateTime', 'JSON'];

/**
 * Parts of the contract whose feature is not built yet (none now). They must be ABSENT: when one is built, this test fails until the name is
 * taken off this list, and from then on the contract entry above checks it. Entries:
 * `Query.x` / `Mutation.x` / `Subscription.x` for operations, `Type` for a whole type, `Type.field`.
 */
const NOT_YET_BUILT: string[] = [];

const ROOTS = { Query: QUERIES, Mutation: MUTATIONS, Subscription: SUBSCRIPTIONS } as const;

function notYetBuilt(name: string): boolean {
  return NOT_YET_BUILT.includes(name);
}

/** Whether a NOT_YET_BUILT entry names something in the contract tables above. */
function inContract(entry: string): boolean {
  const [head, field] = entry.split('.');
  if (head in ROOTS) return field in ROOTS[head as keyof typeof ROOTS];
  if (field !== undefined) return field in (OBJECT_TYPES[head] ?? {}) || field in (INPUT_TYPES[head] ?? {});
  return head in OBJECT_TYPES || head in INPUT_TYPES || head in ENUMS;
}

/** Whether the schema has what a NOT_YET_BUILT entry names. */
function inSchema(schema: GraphQLSchema, entry: string): boolean {
  const [head, field] = entry.split('.');
  const type = schema.getType(head);
  if (!type) return false;
  if (field === undefined) return true;
  return (isObjectType(type) || isInputObjectType(type)) && field in type.getFields();
}

/** How a contract type reads in a failure message. */
function show(want: string): string {
  return want.startsWith('~') ? `${want.slice(1)} (named type)` : want;
}

function typeMatches(actual: GraphQLType, want: string): boolean {
  return want.startsWith('~') ? getNamedType(actual).name === want.slice(1) : String(actual) === want;
}

/** A field or argument a client may leave out. */
function optional(x: GraphQLArgument | GraphQLInputField): boolean {
  return !isNonNullType(x.type) || x.defaultValue !== undefined;
}

function checkArgs(where: string, field: GraphQLField<unknown, unknown>, spec: FieldSpec, out: string[]): void {
  const want = spec.args ?? {};
  for (const [name, type] of Object.entries(want)) {
    const arg = field.args.find((a) => a.name === name);
    if (!arg) out.push(`${where}: missing argument ${name}${type ? `: ${type}` : ''}`);
    else if (type !== null && !typeMatches(arg.type, type)) out.push(`${where}(${name}:) is ${String(arg.type)}, contract says ${show(type)}`);
  }
  // Added arguments must not break a call written against the contract.
  if (spec.someArgs) return;
  for (const arg of field.args) {
    if (!(arg.name in want) && !optional(arg)) out.push(`${where}: added argument ${arg.name}: ${String(arg.type)} is required`);
  }
}

function checkField(where: string, field: GraphQLField<unknown, unknown> | undefined, spec: TypeRef | FieldSpec, out: string[]): void {
  const s: FieldSpec = spec !== null && typeof spec === 'object' ? spec : { type: spec };
  if (!field) {
    out.push(`${where}: missing${s.type ? ` (${s.type})` : ''}`);
    return;
  }
  if (s.type !== null && !typeMatches(field.type, s.type)) out.push(`${where} is ${String(field.type)}, contract says ${show(s.type)}`);
  checkArgs(where, field, s, out);
}

/** Resolves `Type` or `Type.field[.field...]` (the named type of that field) to an object type's fields. */
function objectFields(schema: GraphQLSchema, ref: string): Record<string, GraphQLField<unknown, unknown>> | string {
  const [head, ...path] = ref.split('.');
  let type = schema.getType(head);
  for (const step of path) {
    if (!isObjectType(type)) break;
    const f = type.getFields()[step];
    if (!f) return `${ref}: missing (no field ${step})`;
    type = getNamedType(f.type);
  }
  if (!type) return `${ref}: missing type`;
  if (!isObjectType(type)) return `${ref}: is ${type.constructor.name}, contract says an object type`;
  return type.getFields();
}

describe('the GraphQL schema against the contract (docs/api.md)', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildAppSchema();
  });

  it.each(Object.keys(ROOTS) as (keyof typeof ROOTS)[])('has every %s operation with its arguments and type', (root) => {
    const rootType = root === 'Query' ? schema.getQueryType() : root === 'Mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    const fields = rootType?.getFields() ?? {};
    const out: string[] = [];
    for (const [name, spec] of Object.entries(ROOTS[root])) {
      if (notYetBuilt(`${root}.${name}`)) continue;
      checkField(`${root}.${name}`, fields[name], spec, out);
    }
    expect(out).toEqual([]);
  });

  it('has every object type with its fields, their types and arguments', () => {
    const out: string[] = [];
    for (const [ref, spec] of Object.entries(OBJECT_TYPES)) {
      if (notYetBuilt(ref.split('.')[0])) continue;
      const fields = objectFields(schema, ref);
      if (typeof fields === 'string') {
        out.push(fields);
        continue;
      }
      for (const [name, fieldSpec] of Object.entries(spec)) {
        if (notYetBuilt(`${ref}.${name}`)) continue;
        checkField(`${ref}.${name}`, fields[name], fieldSpec, out);
      }
    }
    expect(out).toEqual([]);
  });

  it('has every input type with its fields and their types; added fields are optional', () => {
    const out: string[] = [];
    for (const [name, spec] of Object.entries(INPUT_TYPES)) {
      if (notYetBuilt(name)) continue;
      const type = schema.getType(name);
      if (!isInputObjectType(type)) {
        out.push(`${name}: ${type ? `is ${type.constructor.name}, contract says an input type` : 'missing'}`);
        continue;
      }
      const fields = type.getFields();
      for (const [field, want] of Object.entries(spec)) {
        const f = fields[field];
        if (!f) out.push(`${name}.${field}: missing${want ? ` (${want})` : ''}`);
        else if (want !== null && !typeMatches(f.type, want)) out.push(`${name}.${field} is ${String(f.type)}, contract says ${show(want)}`);
      }
      // Only types whose fields the contract lists; an unlisted field of those must not break a contract client.
      if (Object.keys(spec).length > 0) {
        for (const f of Object.values(fields)) {
          if (!(f.name in spec) && !optional(f)) out.push(`${name}: added field ${f.name}: ${String(f.type)} is required`);
        }
      }
    }
    expect(out).toEqual([]);
  });

  it('has every enum with its values', () => {
    const out: string[] = [];
    for (const [name, values] of Object.entries(ENUMS)) {
      if (notYetBuilt(name)) continue;
      const type = schema.getType(name);
      if (!isEnumType(type)) {
        out.push(`${name}: not an enum`);
        continue;
      }
      const have = type.getValues().map((v) => v.name);
      for (const v of values) if (!have.includes(v)) out.push(`${name}.${v}: missing`);
    }
    expect(out).toEqual([]);
  });

  it('has the union GenerateEvent with exactly the listed members', () => {
    for (const [name, members] of Object.entries(UNIONS)) {
      const type = schema.getType(name);
      expect(isUnionType(type)).toBe(true);
      if (!isUnionType(type)) continue;
      expect(
        type
          .getTypes()
          .map((t) => t.name)
          .sort(),
      ).toEqual([...members].sort());
    }
  });

  it('has the scalars DateTime and JSON', () => {
    for (const name of SCALARS) expect(isScalarType(schema.getType(name))).toBe(true);
  });

  it('lists only contract names as not yet built', () => {
    expect(NOT_YET_BUILT.filter((entry) => !inContract(entry))).toEqual([]);
  });

  it('has every part of the contract built (a part not built yet goes on NOT_YET_BUILT)', () => {
    expect(NOT_YET_BUILT.filter((entry) => inSchema(schema, entry))).toEqual([]);
  });
});
