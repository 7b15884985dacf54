// The audit log, newest first, one page at a time ("load more" asks for rows before the last id).

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t, hasKey } from '../../i18n.js';
import { session } from '../../state.js';
import { busy, button, emptyState, formatTime } from '../../ui.js';

export async function render(body) {
  const org = session.org;
  const rows = h('tbody', {});
  const more = button('common.load_more', { class: 'btn' });
  let beforeId = null;
  const load = async () => {
    const page = await api.get(`/orgs/${org.id}/audit`, { before_id: beforeId, limit: 50 });
    rows.append(...page.items.map((e) => h('tr', {},
      h('td', { class: 'nowrap' }, formatTime(e.created_at)),
      h('td', {}, e.actor_name),
      h('td', {}, hasKey('audit.' + e.action) ? t('audit.' + e.action) : e.action),
      h('td', {}, e.target_name || (e.target_id ? `${e.target_type} #${e.target_id}` : '')),
      h('td', {}, Object.keys(e.detail || {}).length ? h('code', { class: 'wrap small' }, JSON.stringify(e.detail)) : ''))));
    beforeId = page.next_before_id;
    more.hidden = beforeId === null;
    return page;
  };
  more.addEventListener('click', () => busy(more, null, load));
  const first = await load();
  clear(body, first.items.length
    ? [h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'audit-table' },
      h('thead', {}, h('tr', {}, ['audit.time', 'audit.actor', 'audit.action', 'audit.target', 'audit.detail'].map((k) => h('th', {}, t(k))))),
      rows)), h('div', { class: 'pager' }, more)]
    : emptyState('audit.none'));
}
