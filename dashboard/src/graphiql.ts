// The GraphQL landing page (GET /graphql in a browser), served from this build: works offline.
// React without JSX here (the dashboard's JSX is Preact's).
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/graphiql.css';
import { takeKeyFromLocation } from './key';

const key = takeKeyFromLocation();
const url = new URL('/graphql', location.href).toString();
const fetcher = createGraphiQLFetcher({ url, subscriptionUrl: url.replace(/^http/, 'ws') });

const DEFAULT_QUERY = `# The GenAI control plane's API. The key stored by the dashboard (localStorage "genai-cp.apiKey")
# is offered in the Headers tab below; paste another one there if you need to.
query Overview {
  costBreakdown(groupBy: [MODEL]) { keys requests costUsd }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: DEFAULT_QUERY,
    // The stored key as the Authorization header (GraphiQL keeps headers the user edits in its own storage).
    defaultHeaders: JSON.stringify(key ? { Authorization: `Bearer ${key}` } : { Authorization: 'Bearer <paste an API key>' }, null, 2),
    headers: key ? JSON.stringify({ Authorization: `Bearer ${key}` }, null, 2) : undefined,
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: 'headers',
  }),
);
