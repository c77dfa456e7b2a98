/** Alerts: rules, events and the `alerts` subscription. Other features fire through AlertService. */
export { AlertService, ALERTS_TOPIC, toAlertPayload, fromAlertPayload, type AlertFiring, type SystemRuleSpec } from './alert.service';
export { AlertRule } from './alert-rule.entity';
export { AlertEvent } from './alert-event.entity';
export { AlertResolver } from './alert.resolver';
export { ALERT_METRICS, BUDGET_RULE_PREFIX, DRIFT_SIGNALS, windowMs, type AlertMetric, type DriftCondition } from './alert-rule.schemas';
export { alertsModule } from './alerts.module';
export { AlertDelivery } from './alert-delivery.entity';
export { AlertScheduler, type TickReport, type DriftMeasurer, type AlertSchedulerOptions } from './alert-scheduler';
export { WebhookSender, signBody, webhookBody, type WebhookOptions } from './webhook-sender';
export { judge, judgeDrift, meanSd, type Measurement, type MetricSample, type Verdict, type DriftReading, type DriftSignal } from './alert-condition';
export { Alerts } from './alerts.module';
export { measure, TickMemo, PostgresTraceMetricReader, type TraceMetricReader } from './alert-metrics.queries';
export { ClickHouseTraceMetricReader } from './clickhouse';
