// Boots the page and routes: public screens (login, sign-up, join), the organization
// screen, and the capabilities of nav.js inside the shell (sidebar / bottom bar).

import { whenSignedOut } from './api.js';
import { clear, h } from './dom.js';
import { getLang, onLangChange, t } from './i18n.js';
import { ACCOUNT_ICON, NAV_ITEMS } from './nav.js';
import { currentRoute, go, safeNext } from './router.js';
import { loadCurrentOrg, loadMe, session, signedOut } from './state.js';
import { langToggle, toast } from './ui.js';

const root = document.getElementById('app');

// Screens outside the shell; `public` ones work signed out.
const SCREENS = {
  login: { public: true, load: () => import('./views/login.js') },
  signup: { public: true, load: () => import('./views/signup.js') },
  join: { public: true, load: () => import('./views/join.js') },
  orgs: { load: () => import('./views/orgs.js') },
};
// Screens inside the shell that are not capabilities.
const SHELL_SCREENS = {
  account: { label: 'nav.account', load: () => import('./views/account.js') },
};

let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  const route = currentRoute();
  const [head = '', ...rest] = route.path;
  const ctx = { rest, query: route.query, stale: () => seq !== renderSeq };
  try {
    if (SCREENS[head]) {
      const screen = SCREENS[head];
      if (!screen.public && !session.me) return toLogin(route);
      // Signed in already: the sign-in screens have nothing to offer.
      if (session.me && (head === 'login' || head === 'signup')) return go(safeNext(route.query.next) || 'directory');
      const module = await screen.load();
      if (ctx.stale()) return;
      document.title = 'Tack';
      const main = h('main', { class: 'page page-plain' });
      clear(root, main);
      await module.render(main, ctx);
      return;
    }
    if (!session.me) return toLogin(route);
    const org = await loadCurrentOrg().catch((error) => {
      // Removed from the organization since last time: choose another one.
      if (error.status === 403 || error.status === 404) return null;
      throw error;
    });
    if (ctx.stale()) return;
    if (!org && head !== 'account') return go('orgs');
    const entry = SHELL_SCREENS[head] || NAV_ITEMS.find((item) => item.route === head && item.visible(org));
    if (!entry) return go('directory');
    const module = await entry.load();
    if (ctx.stale()) return;
    document.title = `${t(entry.label)} · Tack`;
    const main = h('main', { class: 'main', id: 'main' });
    clear(root, shell(head, main));
    startBackground(org);
    await module.render(main, ctx);
  } catch (error) {
    if (ctx.stale()) return;
    if (error.status === 401) return; // whenSignedOut already moved to the login screen
    clear(root, h('main', { class: 'page page-plain' }, h('div', { class: 'card' },
      h('p', { class: 'form-error', role: 'alert' }, error.message || t('error.generic')),
      h('button', { class: 'btn', onclick: () => render() }, t('common.retry')))));
  }
}

// Capabilities that work on every screen (nav.js `background`), started once the shell is up.
function startBackground(org) {
  if (!org) return;
  for (const item of NAV_ITEMS) {
    if (!item.background || !item.visible(org)) continue;
    item.background().then((module) => module.start(org)).catch((error) => console.error(error));
  }
}

function toLogin(route) {
  go('login', route.raw ? { next: route.raw } : undefined);
}

function iconSpan(svg) {
  const span = h('span', { class: 'nav-icon' });
  span.innerHTML = svg; // our own constant SVG from nav.js, never user data
  return span;
}

function shell(active, main) {
  const org = session.org;
  const link = (route, labelKey, svg) => h('a', {
    href: '#/' + route, class: 'nav-link' + (active === route ? ' active' : ''),
    'aria-current': active === route ? 'page' : null, 'data-nav': route,
  }, iconSpan(svg), h('span', { class: 'nav-label' }, t(labelKey)));
  const orgButton = h('a', { href: '#/orgs', class: 'org-switch', 'data-testid': 'org-switch', title: t('org.switch') },
    h('span', { class: 'org-name' }, org ? org.name : t('org.none')), h('span', { class: 'caret', 'aria-hidden': 'true' }));
  return h('div', { class: 'shell' },
    h('header', { class: 'topbar' }, h('span', { class: 'brand' }, 'Tack'), orgButton, langToggle()),
    h('nav', { class: 'sidebar', 'aria-label': t('nav.label') },
      h('div', { class: 'sidebar-head' }, h('span', { class: 'brand' }, 'Tack'), orgButton.cloneNode(true)),
      h('div', { class: 'nav-items' },
        org ? NAV_ITEMS.filter((item) => item.visible(org)).map((item) => link(item.route, item.label, item.icon)) : null,
        link('account', 'nav.account', ACCOUNT_ICON)),
      h('div', { class: 'sidebar-foot' }, langToggle(), h('span', { class: 'who' }, session.me?.name || ''))),
    main);
}

let booted = false;

whenSignedOut(() => {
  if (!booted) return; // the first GET /me finding no session is not news
  const wasSignedIn = !!session.me;
  signedOut();
  const route = currentRoute();
  if (SCREENS[route.path[0]]?.public) return;
  if (wasSignedIn) toast(t('auth.signed_out'));
  toLogin(route);
});

onLangChange(() => render());
window.addEventListener('hashchange', () => render());

(async function boot() {
  document.documentElement.lang = getLang();
  await loadMe().catch(() => null);
  booted = true;
  if (!location.hash || location.hash === '#/' || location.hash === '#') {
    history.replaceState(null, '', session.me ? '#/directory' : '#/login');
  }
  render();
})();
