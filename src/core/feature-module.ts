/** A class, as TypeORM (entities) and type-graphql (resolvers) take it. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the type both libraries accept
export type ClassRef = Function;

/**
 * One feature as the composition root sees it: the tables it maps, the resolvers it adds to the
 * schema, and how its service is built from its dependencies (plain objects, no DI framework).
 * Every feature folder exports one (`budgetsModule`, ...); `src/features.ts` lists them.
 */
export interface FeatureModule<Deps, Service> {
  /** Entity classes the data source maps. */
  readonly entities: readonly ClassRef[];
  /** Resolver classes the schema is built from. */
  readonly resolvers: readonly ClassRef[];
  /** Enums the schema lists for reference although no field uses them (values of a String field). */
  readonly referenceEnums?: readonly { name: string; description: string; values: Readonly<Record<string, string>> }[];
  /** Builds the feature's service. */
  create(deps: Deps): Service;
}

/** Declares a feature module (keeps its `Deps` and `Service` types for the composition root). */
export function defineFeature<Deps, Service>(module: FeatureModule<Deps, Service>): FeatureModule<Deps, Service> {
  return module;
}
