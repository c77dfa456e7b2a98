// ESLint (flat config): typescript-eslint's recommended rules, import cycles and layer rules.
// `npm run lint` runs it with `prettier --check` (formatting is Prettier's, not ESLint's).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

/** Folders under src/ that are features: the low layers must not import them. */
const FEATURES = ['alerts', 'analytics', 'audit', 'auth', 'budgets', 'cli', 'dashboard', 'evals', 'generate', 'guardrails', 'prompts', 'providers', 'response-cache', 'routing', 'traces'];
/** The low layers: shared plumbing every feature may use. */
const LOW = ['config', 'core', 'db', 'graphql', 'observability'];

export default tseslint.config(
  // test/fixtures/lint-cycle/ holds a deliberate cycle that test/unit/lint/lint-rules.test.ts lints.
  { ignores: ['dist/', 'dashboard/dist/', 'node_modules/', 'migrations/', '.data/', 'coverage/', 'test/fixtures/lint-cycle/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      // No import cycle anywhere (a type-only import, erased at compile time, does not count).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Layers: config/, core/, db/, graphql/, observability/ import no feature; no feature imports the composition root.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...LOW.map((low) => ({
              target: `./src/${low}`,
              from: FEATURES.map((f) => `./src/${f}`),
              message: `src/${low}/ is a low layer: it imports no feature (features are registered in src/features.ts).`,
            })),
            ...[...LOW, ...FEATURES].map((dir) => ({
              target: `./src/${dir}`,
              from: ['./src/app.ts', './src/features.ts', './src/server.ts', './src/index.ts', './src/schema.ts', './src/data-source.ts'],
              message: 'Only the top-level files import the composition root and the features list.',
            })),
          ],
        },
      ],
      // Control characters in regexes here are deliberate (NUL and XML-invalid characters are what they match).
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Plain CommonJS config and helper files run by Node.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests may use loose fixtures.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
