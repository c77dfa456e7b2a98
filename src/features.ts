import type { ClassRef } from './core/feature-module';
import { authModule } from './auth/auth.module';
import { auditModule } from './audit/audit.module';
import { guardrailsModule } from './guardrails/guardrails.module';
import { promptsModule } from './prompts/prompts.module';
import { routingModule } from './routing/routing.module';
import { tracesModule } from './traces/traces.module';
import { analyticsModule } from './analytics/analytics.module';
import { driftModule } from './analytics/drift/index';
import { budgetsModule } from './budgets/budgets.module';
import { alertsModule } from './alerts/alerts.module';
import { evalsModule } from './evals/evals.module';
import { evalRunsModule } from './evals/eval-runs.module';
import { onlineEvalsModule } from './evals/online-evals.module';
import { evalSchedulesModule } from './evals/eval-schedules.module';
import { providersModule } from './providers/providers.module';
import { generateModule } from './generate/generate.module';
import { scoresModule } from './scores/scores.module';
import { reviewModule } from './review/review.module';
import { dashboardModule } from './dashboard/dashboard.module';

/**
 * Every feature of the service, by the name its service has in `Services`. The composition root
 * (`app.ts`) builds each service with the feature's `create`, the data source maps `entities` and
 * the schema is built from `resolvers`. A new feature adds one line here.
 */
export const features = {
  apiKeys: authModule,
  audit: auditModule,
  guardrails: guardrailsModule,
  prompts: promptsModule,
  routing: routingModule,
  traces: tracesModule,
  analytics: analyticsModule,
  drift: driftModule,
  budgets: budgetsModule,
  alerts: alertsModule,
  evalSets: evalsModule,
  evalRuns: evalRunsModule,
  models: providersModule,
  generation: generateModule,
  traceScores: scoresModule,
  review: reviewModule,
  onlineEvals: onlineEvalsModule,
  evalSchedules: evalSchedulesModule,
  dashboard: dashboardModule,
} as const;

type Features = typeof features;

/** The services the composition root builds, one per feature; resolvers reach them through their context. */
export type Services = { [K in keyof Features]: Awaited<ReturnType<Features[K]['create']>> };

/** Every entity the data source maps. */
export const entities: ClassRef[] = Object.values(features).flatMap((f) => [...f.entities]);

/** Enums listed in the schema for reference (e.g. `GenerationFailureCode`). */
export const referenceEnums = Object.values(features).flatMap((f) => [...('referenceEnums' in f && f.referenceEnums ? f.referenceEnums : [])]);

/** Every resolver class of the API. */
export const resolvers: ClassRef[] = Object.values(features).flatMap((f) => [...f.resolvers]);
