import { useEffect, useState } from 'preact/hooks';

/** Paths under /dashboard (history API; the service answers every /dashboard/* path with the app). */
export const BASE = '/dashboard';

export function navigate(path: string): void {
  history.pushState(null, '', BASE + path);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current path below /dashboard ("/", "/traces/<id>", ...) and its query string. */
export function useRoute(): { path: string; params: URLSearchParams } {
  const read = () => ({ path: location.pathname.slice(BASE.length).replace(/\/$/, '') || '/', params: new URLSearchParams(location.search) });
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return route;
}

/** A link inside the app: no page load. */
export function onLink(e: MouseEvent): void {
  const a = (e.target as HTMLElement).closest('a');
  if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  const href = a.getAttribute('href');
  if (!href?.startsWith(BASE)) return;
  e.preventDefault();
  navigate(href.slice(BASE.length) || '/');
}
