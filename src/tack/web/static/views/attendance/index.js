// 考勤: check in (browser geolocation), my records, the managers' today board, the monthly
// report with its chart, and the admins' settings. One tab per area, each its own module.

import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { isAdmin, session } from '../../state.js';

const TABS = [
  { id: 'checkin', label: 'attendance.tab.checkin', load: () => import('./checkin.js') },
  { id: 'records', label: 'attendance.tab.records', load: () => import('./records.js') },
  { id: 'board', label: 'attendance.tab.board', load: () => import('./board.js') },
  { id: 'report', label: 'attendance.tab.report', load: () => import('./report.js') },
  { id: 'settings', label: 'attendance.tab.settings', admin: true, load: () => import('./settings.js') },
];

export async function render(main, ctx) {
  const admin = isAdmin(session.org) && session.org.my_role !== 'subadmin';
  const tabs = TABS.filter((x) => admin || !x.admin);
  const tab = tabs.find((x) => x.id === ctx.rest[0]) || tabs[0];
  const body = h('div', { class: 'att-body' });
  clear(main,
    h('div', { class: 'page-head' }, h('h1', {}, t('nav.attendance'))),
    h('nav', { class: 'tabs', role: 'tablist', 'aria-label': t('nav.attendance') },
      tabs.map((x) => h('a', {
        href: `#/attendance/${x.id}`, role: 'tab', class: 'tab' + (x === tab ? ' active' : ''),
        'aria-selected': String(x === tab), 'data-tab': x.id,
      }, t(x.label)))),
    body);
  const module = await tab.load();
  if (ctx.stale()) return;
  try {
    await module.render(body, ctx);
  } catch (error) {
    if (error.status === 401) throw error;
    // Members who manage nobody are refused the board and report: say so inside the tab.
    clear(body, h('p', { class: 'form-error', role: 'alert' }, error.message || t('error.generic')));
  }
}
