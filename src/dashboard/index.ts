export { dashboardModule, type DashboardService } from './dashboard.module';
export { dashboardRouter, graphqlLandingPage, defaultDashboardDir, type DashboardOptions } from './dashboard.routes';
