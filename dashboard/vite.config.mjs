// The dashboard (/dashboard) and the offline GraphQL landing page (GET /graphql in a browser): two
// entries of one Vite build into dashboard/dist, served by src/dashboard/. Every asset is local.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/dashboard/',
  logLevel: 'warn',
  // Preact's automatic JSX runtime for the dashboard's .tsx files (the GraphiQL entry uses React without JSX).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // GraphiQL's Radix UI modules say "use client" (a React Server Components hint, meaningless here).
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      input: { dashboard: path.join(here, 'index.html'), graphiql: path.join(here, 'graphiql.html') },
    },
  },
});
