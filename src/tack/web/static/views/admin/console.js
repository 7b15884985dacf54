// 管理后台: one tab per area of administration; each tab is its own module.

import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';

const TABS = [
  { id: 'departments', label: 'admin.tab.departments', load: () => import('./departments.js') },
  { id: 'members', label: 'admin.tab.members', load: () => import('./members.js') },
  { id: 'invitations', label: 'admin.tab.invitations', load: () => import('./invitations.js') },
  { id: 'join-requests', label: 'admin.tab.join_requests', load: () => import('./join_requests.js') },
  { id: 'import', label: 'admin.tab.import', load: () => import('./import_export.js') },
  { id: 'audit', label: 'admin.tab.audit', load: () => import('./audit.js') },
];

export async function render(main, ctx) {
  const tab = TABS.find((x) => x.id === ctx.rest[0]) || TABS[0];
  const body = h('div', { class: 'admin-body' });
  clear(main,
    h('div', { class: 'page-head' }, h('h1', {}, t('nav.admin'))),
    h('nav', { class: 'tabs', role: 'tablist', 'aria-label': t('nav.admin') },
      TABS.map((x) => h('a', {
        href: `#/admin/${x.id}`, role: 'tab', class: 'tab' + (x === tab ? ' active' : ''),
        'aria-selected': String(x === tab), 'data-tab': x.id,
      }, t(x.label)))),
    body);
  const module = await tab.load();
  if (ctx.stale()) return;
  await module.render(body, ctx);
}
