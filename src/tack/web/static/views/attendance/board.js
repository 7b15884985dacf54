// 今日看板: for managers and admins, who is in, late, not yet in, on leave or resting today.

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { avatar, emptyState } from '../../ui.js';
import { base, statusTag, timeOf } from './common.js';

const STATES = ['in', 'late', 'not_in', 'field', 'leave', 'rest'];
// Check-ins come in a burst around the shift's start: the board reloads itself while open
// (a poll, not an event per check-in: a 9:00 burst would otherwise fan out to every manager).
const REFRESH_MS = 20000;
let timer = null;

export async function render(body, ctx) {
  clearTimeout(timer);
  const board = await api.get(`${base()}/board/today`);
  if (ctx.stale()) return;
  timer = setTimeout(() => { if (!ctx.stale()) render(body, ctx); }, REFRESH_MS);
  const counts = h('div', { class: 'att-counts' }, STATES.map((s) => h('div', { class: 'att-count', 'data-state': s },
    h('strong', {}, String(board.counts[s] || 0)), h('span', {}, t(`attendance.state.${s}`)))));
  const list = board.members.length
    ? h('ul', { class: 'att-board', 'data-testid': 'board' }, board.members.map((m) => h('li', { 'data-member': m.member_id, 'data-state': m.state },
      avatar(m.name, 'sm'), h('span', { class: 'att-name' }, m.name),
      statusTag(m.state === 'in' ? 'normal' : m.state, m.late_minutes),
      h('span', { class: 'muted' }, m.check_in_at ? timeOf(m.check_in_at) : ''))))
    : emptyState('attendance.board_empty');
  clear(body, h('p', { class: 'muted' }, board.day), counts, list,
    h('button', { type: 'button', class: 'btn', onclick: () => render(body, ctx) }, t('attendance.refresh')));
}
