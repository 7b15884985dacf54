// 管理后台: one tab per area of administration; each tab is its own module.
// Sub-admins manage people and departments inside their scope; the org-wide tabs
// (invitations, import/export, audit) are for owners and admins, as the server enforces.

import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { session } from '../../state.js';

const TABS = [
  { id: 'departments', label: 'admin.tab.departments', load: () => import('./departments.js') },
  { id: 'members', label: 'admin.tab.members', load: () => import('./members.js') },
  { id: 'invitations', label: 'admin.tab.invitations', orgWide: true, load: () => import('./invitations.js') },
  { id: 'join-requests', label: 'admin.tab.join_requests', load: () => import('./join_requests.js') },
  { id: 'import', label: 'admin.tab.import', orgWide: true, load: () => import('./import_export.js') },
  { id: 'audit', label: 'admin.tab.audit', orgWide: true, load: () => import('./audit.js') },
];

export async function render(main, ctx) {
  const orgWide = ['owner', 'admin'].includes(session.org.my_role);
  const tabs = TABS.filter((x) => orgWide || !x.orgWide);
  const tab = tabs.find((x) => x.id === ctx.rest[0]) || tabs[0];
  const body = h('div', { class: 'admin-body' });
  clear(main,
    h('div', { class: 'page-head' }, h('h1', {}, t('nav.admin'))),
    h('nav', { class: 'tabs', role: 'tablist', 'aria-label': t('nav.admin') },
      tabs.map((x) => h('a', {
        href: `#/admin/${x.id}`, role: 'tab', class: 'tab' + (x === tab ? ' active' : ''),
        'aria-selected': String(x === tab), 'data-tab': x.id,
      }, t(x.label)))),
    body);
  const module = await tab.load();
  if (ctx.stale()) return;
  try {
    await module.render(body, ctx);
  } catch (error) {
    if (error.status === 401) throw error;
    // A refused or failed tab keeps the console around it usable.
    clear(body, h('p', { class: 'form-error', role: 'alert' }, error.message || t('error.generic')));
  }
}
