// 审批: start a request from a template, the four lists (待我审批 / 我已审批 / 我发起的 /
// 抄送我的), a request's page, and the template designer for admins.
// Routes: #/approval[/pending|done|submitted|cc], #/approval/new/{template}, #/approval/i/{id},
// #/approval/designer[/{template}].

import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { realtimeFor } from '../../realtime.js';
import { go } from '../../router.js';
import { isAdmin, session } from '../../state.js';
import { emptyState } from '../../ui.js';
import { call, statusTag, when } from './common.js';

const BOXES = ['pending', 'done', 'submitted', 'cc'];
let unlisten = null;

export async function render(main, ctx) {
  unlisten?.();
  unlisten = null;
  const [head, arg] = ctx.rest;
  if (head === 'new') return (await import('./start.js')).render(main, ctx, Number(arg));
  if (head === 'i') return (await import('./instance.js')).render(main, ctx, Number(arg));
  if (head === 'designer') return (await import('./designer.js')).render(main, ctx, arg ? Number(arg) : null);
  const box = BOXES.includes(head) ? head : 'pending';
  const templates = await call.get('/templates');
  if (ctx.stale()) return;
  const list = h('div', { class: 'approval-list', 'data-testid': 'approval-list' });
  clear(main,
    h('div', { class: 'page-head approval-head' },
      h('h1', {}, t('nav.approval')),
      isAdmin() && session.org.my_role !== 'subadmin'
        ? h('a', { class: 'btn btn-small', href: '#/approval/designer', 'data-testid': 'designer-link' }, t('approval.designer')) : null),
    h('section', { class: 'card approval-start' },
      h('h2', {}, t('approval.start')),
      h('div', { class: 'template-grid' }, templates.items.map((tpl) => h('a', {
        class: 'template-tile', href: `#/approval/new/${tpl.id}`, 'data-testid': `start-${tpl.kind}`,
      }, h('strong', {}, tpl.name), h('small', { class: 'muted' }, tpl.description || ''))))),
    h('nav', { class: 'tabs', 'aria-label': t('nav.approval') }, BOXES.map((b) => h('a', {
      class: 'tab' + (b === box ? ' active' : ''), href: `#/approval/${b}`, 'aria-current': b === box ? 'page' : null, 'data-testid': `box-${b}`,
    }, t(`approval.box.${b}`)))),
    list);
  await drawList(list, box);
  // Live: a new task or a decision elsewhere redraws the list in view.
  unlisten = realtimeFor(session.org.id).listen((item) => {
    if (item.kind === 'event' && ['approval', 'approval_task'].includes(item.event.type) && list.isConnected) drawList(list, box);
  });
}

async function drawList(list, box, before) {
  const page = await call.get(`/boxes/${box}`, { before_id: before, limit: 20 });
  const rows = page.items.map((i) => h('a', { class: 'approval-row', href: `#/approval/i/${i.id}`, 'data-instance-id': i.id },
    h('div', { class: 'grow' }, h('strong', {}, i.title), h('small', { class: 'muted' }, when(i.created_at))),
    statusTag(i.status)));
  const more = page.next_before_id ? h('button', { type: 'button', class: 'btn btn-small', onclick: async (e) => {
    e.currentTarget.remove();
    const extra = h('div');
    list.append(extra);
    await drawList(extra, box, page.next_before_id);
  } }, t('common.load_more')) : null;
  if (before) list.append(...rows, more || '');
  else clear(list, rows.length ? rows : emptyState(`approval.empty.${box}`), more);
}

export function openInstance(id) {
  go(`approval/i/${id}`);
}
