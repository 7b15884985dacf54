// 我的考勤: my results and punches of a month, a day per row.

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { emptyState } from '../../ui.js';
import { base, monthNow, statusTag, timeOf } from './common.js';

export function monthBounds(month) {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return [`${month}-01`, `${month}-${String(last).padStart(2, '0')}`];
}

export async function render(body, ctx) {
  const month = h('input', { type: 'month', class: 'input att-month', value: ctx.query.month || monthNow(), 'aria-label': t('attendance.month') });
  const table = h('div', { class: 'table-wrap' });
  clear(body, h('div', { class: 'att-toolbar' }, month), table);
  const draw = async () => {
    const [from, to] = monthBounds(month.value);
    const [results, records] = await Promise.all([
      api.get(`${base()}/me/results`, { from_day: from, to_day: to }),
      api.get(`${base()}/me/records`, { from_day: from, to_day: to }),
    ]);
    const punches = new Map();
    for (const r of records.items) punches.set(`${r.day}:${r.kind}`, r);
    if (!results.items.length) return clear(table, emptyState('attendance.no_records'));
    clear(table, h('table', { class: 'table', 'data-testid': 'my-records' },
      h('thead', {}, h('tr', {}, ['attendance.day', 'attendance.kind_in', 'attendance.kind_out', 'attendance.status_col'].map((k) => h('th', {}, t(k))))),
      h('tbody', {}, results.items.slice().reverse().map((r) => h('tr', {},
        h('td', {}, r.day),
        h('td', {}, timeOf(punches.get(`${r.day}:in`)?.checked_at)),
        h('td', {}, timeOf(punches.get(`${r.day}:out`)?.checked_at)),
        h('td', {}, statusTag(r.status, r.late_minutes || r.early_minutes)))))));
  };
  month.addEventListener('change', draw);
  await draw();
}
