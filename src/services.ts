import type { ApiKeyService } from './auth/api-key.service';
import type { GenerationPipeline } from './generate/pipeline';
import type { AuditService } from './audit/audit.service';
import type { BudgetService } from './budgets/index';
import type { AlertService } from './alerts/index';
import type { PromptService } from './prompts/index';
import type { RoutingService } from './routing/index';
import type { EvalSetService } from './evals/index';
import type { TraceService } from './traces/index';
import type { AnalyticsService } from './analytics/index';
import type { ModelRuntime } from './providers/index';
import type { GuardrailService } from './guardrails/index';

/** The services the composition root (`app.ts`) builds and every resolver reaches through its context. */
export interface Services {
  apiKeys: ApiKeyService;
  audit: AuditService;
  generation: GenerationPipeline;
  budgets: BudgetService;
  alerts: AlertService;
  prompts: PromptService;
  routing: RoutingService;
  evalSets: EvalSetService;
  traces: TraceService;
  analytics: AnalyticsService;
  models: ModelRuntime;
  guardrails: GuardrailService;
}
