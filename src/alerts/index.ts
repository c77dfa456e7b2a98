/** Alerts: rules, events and the `alerts` subscription. Other features fire through AlertService. */
export { AlertService, ALERTS_TOPIC, toAlertPayload, fromAlertPayload, type AlertFiring, type SystemRuleSpec } from './alert.service';
export { AlertRule } from './alert-rule.entity';
export { AlertEvent } from './alert-event.entity';
export { AlertResolver } from './alert.resolver';
export { ALERT_METRICS, BUDGET_RULE_PREFIX, windowMs, type AlertMetric } from './alert-rule.schemas';
export { alertsModule } from './alerts.module';
