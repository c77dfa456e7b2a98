/** Routing rules: which model serves a request (API.md "Routing rules"). */
export { RoutingRule } from './routing-rule.entity';
export { RoutingRuleInput } from './routing-rule.inputs';
export { RouteDecision } from './route-decision.types';
export { RoutingRuleResolver } from './routing.resolver';
export { RoutingService, type RoutingServiceOptions } from './routing.service';
export {
  complexityScore,
  looksLikeCode,
  compileRule,
  compileRules,
  resolveTarget,
  COMPLEXITY_WEIGHTS,
  type CompiledRule,
  type RouteDecisionData,
  type RouteFallback,
  type RouteRequest,
  type RoutingRuleData,
} from './route';
export { routingConditionSchema, parseCondition, compilePattern, type RoutingCondition } from './routing-condition.schemas';
export { routingModule } from './routing.module';
