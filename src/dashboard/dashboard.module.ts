import type express from 'express';
import { defineFeature } from '../core/feature-module';
import { dashboardRouter, defaultDashboardDir, graphqlLandingPage } from './dashboard.routes';

/** The dashboard's HTTP side, as the server mounts it. */
export interface DashboardService {
  /** Where the built dashboard is read from. */
  readonly dir: string;
  /** /dashboard and its assets. */
  readonly router: express.Router;
  /** Mounted on /graphql before the API: GET from a browser answers the offline GraphiQL page. */
  readonly landingPage: express.RequestHandler;
}

/** The web dashboard at /dashboard and the offline GraphQL landing page (no tables, no resolvers). */
export const dashboardModule = defineFeature({
  entities: [],
  resolvers: [],
  create: (deps: { dir?: string } = {}): DashboardService => {
    const dir = deps.dir ?? defaultDashboardDir();
    return { dir, router: dashboardRouter({ dir }), landingPage: graphqlLandingPage({ dir }) };
  },
});
