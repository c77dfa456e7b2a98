import { ApiKey } from '../auth/api-key.entity';
import { AuditEntry } from '../audit/audit-entry.entity';
import { budgetEntities } from '../budgets/entities';
import { AlertRule, AlertEvent } from '../alerts/index';
import { GuardrailPolicy } from '../guardrails/guardrail-policy.entity';
import { promptEntities } from '../prompts/index';
import { RoutingRule } from '../routing/index';
import { evalSetEntities } from '../evals/index';
import { Trace } from '../traces/index';
import { ModelPriceOverride } from '../providers/index';

/** Every entity the data source maps; each feature adds its own here. */
export const entities = [ApiKey, AuditEntry, GuardrailPolicy, ...promptEntities, RoutingRule, Trace, ...budgetEntities, AlertRule, AlertEvent, ...evalSetEntities, ModelPriceOverride];
