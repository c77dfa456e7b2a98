import { defineFeature } from '../core/feature-module';
import { EvalSchedule } from './schedules/eval-schedule.entity';
import { EvalScheduleResolver } from './schedules/eval-schedule.resolver';
import { EvalScheduleService, type EvalScheduleServiceDeps } from './schedules/eval-schedule.service';

/** Scheduled eval re-runs: CRUD, and the scheduler that queues their runs once across processes. */
export const evalSchedulesModule = defineFeature({
  entities: [EvalSchedule],
  resolvers: [EvalScheduleResolver],
  create: (deps: EvalScheduleServiceDeps) => new EvalScheduleService(deps),
});
