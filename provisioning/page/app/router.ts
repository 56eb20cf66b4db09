/// <reference lib="dom" />
// A router by the URL's hash (`#/status`): bookmarkable, works offline and needs nothing from the server.

import { useEffect, useState } from 'preact/hooks';

function current(): string {
  return window.location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
}

/** The route's name (`status` for `#/status`), following hash changes. */
export function useHashRoute(): string {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = (): void => setRoute(current());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function href(route: string): string {
  return `#/${route}`;
}
