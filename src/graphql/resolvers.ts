import type { NonEmptyArray } from 'type-graphql';
import { ApiKeyResolver } from '../auth/api-key.resolver';
import { AuditResolver } from '../audit/audit.resolver';
import { BudgetResolver } from '../budgets/index';
import { AlertResolver } from '../alerts/index';
import { GuardrailPolicyResolver } from '../guardrails/guardrail-policy.resolver';
import { promptResolvers } from '../prompts/index';
import { RoutingRuleResolver } from '../routing/index';
import { evalSetResolvers } from '../evals/index';
import { TraceResolver } from '../traces/index';
import { AnalyticsResolver } from '../analytics/index';
import { ModelsResolver } from '../providers/index';
import { GenerateResolver } from '../generate/index';

/** Every resolver class of the API; each feature adds its own here. */
// eslint-disable-next-line @typescript-eslint/ban-types
export const resolvers: NonEmptyArray<Function> = [ApiKeyResolver, AuditResolver, GuardrailPolicyResolver, ...promptResolvers, RoutingRuleResolver, TraceResolver, AnalyticsResolver, BudgetResolver, AlertResolver, ...evalSetResolvers, ModelsResolver, GenerateResolver];
