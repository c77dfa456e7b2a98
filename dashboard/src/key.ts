/** The API key lives in the browser's localStorage under this name (shared by the dashboard and the GraphQL landing page). */
export const KEY_STORAGE = 'genai-cp.apiKey';

/**
 * `#key=<api key>` in the address (links printed by the CLI, tests): stores the key and removes it
 * from the address bar (and from the history entry) at once. Returns the stored key, if any.
 */
export function takeKeyFromLocation(loc: Location = window.location): string | null {
  const m = /^#key=([^&]*)/.exec(loc.hash);
  if (m) {
    const key = decodeURIComponent(m[1]!).trim();
    if (key) localStorage.setItem(KEY_STORAGE, key);
    history.replaceState(history.state, '', loc.pathname + loc.search);
  }
  return storedKey();
}

export const storedKey = (): string | null => localStorage.getItem(KEY_STORAGE);
export const storeKey = (key: string): void => localStorage.setItem(KEY_STORAGE, key.trim());
export const forgetKey = (): void => localStorage.removeItem(KEY_STORAGE);
