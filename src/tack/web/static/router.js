// Hash routes: "#/directory/3?q=li" → {path: ['directory', '3'], query: {q: 'li'}}.
// Hash routing keeps the server to one page (/) and makes invitation links plain URLs.

export function currentRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = raw.split('?');
  const path = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { path, query: Object.fromEntries(new URLSearchParams(queryPart)), raw };
}

export function go(path, query) {
  const qs = query ? new URLSearchParams(query).toString() : '';
  const target = '#/' + path.replace(/^\/+/, '') + (qs ? '?' + qs : '');
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

// Where to come back to after signing in ("next"), kept only if it is one of our own routes.
export function safeNext(next) {
  return typeof next === 'string' && /^[a-z][\w/.-]*$/i.test(next) ? next : '';
}
