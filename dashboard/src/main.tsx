import { render } from 'preact';
import { useState } from 'preact/hooks';
import './style.css';
import { forgetKey, storeKey, takeKeyFromLocation } from './key';
import { BASE, onLink, useRoute } from './router';
import { Overview } from './pages/overview';
import { Cost } from './pages/cost';
import { Quality } from './pages/quality';
import { DriftAlerts } from './pages/drift';
import { TraceList, TracePage } from './pages/traces';
import { Prompts } from './pages/prompts';

const PAGES: { path: string; title: string }[] = [
  { path: '/', title: 'Overview' },
  { path: '/cost', title: 'Cost' },
  { path: '/quality', title: 'Quality' },
  { path: '/drift', title: 'Drift & alerts' },
  { path: '/traces', title: 'Traces' },
  { path: '/prompts', title: 'Prompts' },
];

function KeyForm(p: { onKey: (k: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="key-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) p.onKey(value.trim());
      }}
    >
      <h1>GenAI control plane</h1>
      <p>Paste an API key (ANALYST is enough to view). It is kept in this browser's local storage only.</p>
      <input type="password" name="key" autocomplete="off" placeholder="API key" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      <button type="submit">Open the dashboard</button>
    </form>
  );
}

function App() {
  const [key, setKey] = useState(() => takeKeyFromLocation());
  const { path, params } = useRoute();
  if (!key) {
    return (
      <KeyForm
        onKey={(k) => {
          storeKey(k);
          setKey(k);
        }}
      />
    );
  }
  const section = '/' + (path.split('/')[1] ?? '');
  let page;
  if (path === '/') page = <Overview />;
  else if (path === '/cost') page = <Cost />;
  else if (path === '/quality') page = <Quality />;
  else if (path === '/drift') page = <DriftAlerts />;
  else if (path === '/traces') page = <TraceList params={params} />;
  else if (path.startsWith('/traces/')) page = <TracePage id={decodeURIComponent(path.slice('/traces/'.length))} />;
  else if (path === '/prompts' || path.startsWith('/prompts/')) page = <Prompts name={path.length > 9 ? decodeURIComponent(path.slice('/prompts/'.length)) : null} />;
  else page = <p>No such page.</p>;
  return (
    <div class="shell" onClick={onLink}>
      <nav>
        <span class="brand">GenAI CP</span>
        {PAGES.map((p) => (
          <a href={BASE + (p.path === '/' ? '/' : p.path)} class={section === p.path || (p.path === '/' && path === '/') ? 'on' : ''}>
            {p.title}
          </a>
        ))}
        <span class="spacer" />
        <a href="/graphql" target="_blank" rel="noreferrer">
          GraphQL
        </a>
        <button
          type="button"
          class="link"
          onClick={() => {
            forgetKey();
            setKey(null);
          }}
        >
          Forget key
        </button>
      </nav>
      <main>{page}</main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
