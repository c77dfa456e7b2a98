import type { CodegenConfig } from '@graphql-codegen/cli';

/** Typed documents for the genai-cp CLI (`npm run cli:codegen`), from the emitted schema and the CLI's operations. */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: 'src/cli/operations.graphql',
  generates: {
    'src/cli/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        onlyOperationTypes: true,
        avoidOptionals: false,
        useTypeImports: true,
      },
    },
  },
  hooks: {},
};
export default config;
