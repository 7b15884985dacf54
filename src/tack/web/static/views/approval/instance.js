// One request: its form values, the flow with each approver's state, the timeline, the
// payment of a reimbursement, and what the viewer may do now (approve, reject, transfer,
// 加签, return, withdraw, urge, comment, revoke).

import { url } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { realtimeFor } from '../../realtime.js';
import { session } from '../../state.js';
import { avatar, busy, errorLine, openDialog, toast } from '../../ui.js';
import { memberPicker } from '../admin/pickers.js';
import { call, statusTag, valueText, when } from './common.js';

let unlisten = null;

export async function render(main, ctx, id) {
  const inst = await call.get(`/instances/${id}`);
  if (ctx.stale()) return;
  draw(main, inst);
  unlisten?.();
  unlisten = realtimeFor(session.org.id).listen(async (item) => {
    if (!main.isConnected) return unlisten?.();
    const ev = item.kind === 'event' ? item.event : null;
    if (ev && ev.type === 'approval' && ev.data.instance?.id === id) draw(main, await call.get(`/instances/${id}`));
  });
}

function valuesBlock(inst) {
  return h('dl', { class: 'approval-values' }, inst.form.map((f) => {
    const v = inst.values[f.key];
    let shown = valueText(f, v);
    if (f.kind === 'table' && v) {
      shown = h('table', { class: 'table line-table' },
        h('thead', {}, h('tr', {}, f.columns.map((c) => h('th', {}, c.label)))),
        h('tbody', {}, v.map((row) => h('tr', {}, f.columns.map((c) => h('td', {}, row[c.key] ?? ''))))));
    } else if (f.kind === 'invoice' && v) {
      shown = h('table', { class: 'table line-table' }, h('tbody', {}, v.map((i) => h('tr', {}, h('td', {}, i.code), h('td', {}, i.number), h('td', {}, i.date), h('td', {}, `¥${i.amount}`)))));
    } else if ((f.kind === 'attachment' || f.kind === 'image') && v) {
      shown = h('ul', { class: 'file-list' }, v.map((fid) => {
        const file = inst.files.find((x) => x.id === fid);
        return h('li', {}, h('a', { href: url(`/orgs/${session.org.id}/approval/files/${fid}`), target: '_blank', rel: 'noopener' }, file ? file.name : `#${fid}`));
      }));
    }
    return [h('dt', {}, f.label), h('dd', {}, shown)];
  }));
}

function stepsBlock(inst) {
  return h('ol', { class: 'flow-steps', 'data-testid': 'steps' }, inst.steps.map((s) => h('li', {
    class: 'flow-step' + (inst.status === 'running' && s.index === inst.current_step ? ' current' : ''),
  },
  h('span', { class: 'muted' }, s.name || t(`approval.source.${s.source.split(':')[0]}`)),
  h('span', { class: 'tag tag-muted' }, t(`approval.mode.${s.mode}`)),
  h('span', { class: 'flow-people' }, s.approvers.map((a) => h('span', { class: 'person' }, avatar(a.name, 'sm'), a.name,
    s.states[a.id] ? h('small', { class: 'muted' }, ' · ' + t(`approval.task.${s.states[a.id]}`)) : null))))));
}

function timelineBlock(inst) {
  return h('ol', { class: 'timeline', 'data-testid': 'timeline' }, inst.timeline.map((e) => h('li', { 'data-action': e.action },
    h('div', {}, h('strong', {}, e.member ? e.member.name : t('approval.system')), ' ', t(`approval.action.${e.action}`),
      e.action === 'finished' ? ' · ' + t(`approval.status.${e.detail.status}`) : '',
      e.action === 'payment' ? ' · ' + t(`approval.payment.${e.detail.status}`) : ''),
    e.comment ? h('p', { class: 'comment' }, e.comment) : null,
    (e.detail.file_ids || []).length ? h('ul', { class: 'file-list' }, e.detail.file_ids.map((fid) => h('li', {},
      h('a', { href: url(`/orgs/${session.org.id}/approval/files/${fid}`), target: '_blank', rel: 'noopener' }, inst.files.find((x) => x.id === fid)?.name || `#${fid}`)))) : null,
    h('small', { class: 'muted' }, when(e.created_at)))));
}

function draw(main, inst) {
  const errors = errorLine();
  const act = (verb, body = {}) => (button) => busy(button, errors, async () => {
    const next = await call.post(`/instances/${inst.id}/${verb}`, body);
    toast(t(`approval.done.${verb.replace("-", "_")}`));
    draw(main, next);
  });
  const withComment = (verb, titleKey, extra) => (e) => openDialog(titleKey, (body, close) => {
    const comment = h('textarea', { class: 'input', rows: 3, 'aria-label': t('approval.comment'), 'data-testid': 'dialog-comment' });
    const picker = extra === 'member' || extra === 'members' ? memberPicker({ single: extra === 'member', label: t('approval.person') }) : null;
    const position = extra === 'members' ? h('select', { class: 'input', 'aria-label': t('approval.position') },
      h('option', { value: 'before' }, t('approval.before')), h('option', { value: 'after' }, t('approval.after'))) : null;
    const step = extra === 'step' ? h('select', { class: 'input', 'aria-label': t('approval.return_to') },
      inst.steps.filter((s) => s.index < inst.current_step).map((s) => h('option', { value: s.index }, `${s.index + 1}. ${s.name || s.approvers.map((a) => a.name).join(', ')}`))) : null;
    const dialogErrors = errorLine();
    const ok = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'dialog-ok' }, t('common.confirm'));
    ok.addEventListener('click', () => busy(ok, dialogErrors, async () => {
      const payload = { comment: comment.value };
      if (extra === 'member') payload.member_id = picker.values()[0];
      if (extra === 'members') Object.assign(payload, { member_ids: picker.values(), position: position.value });
      if (extra === 'step') payload.step = Number(step.value);
      const next = await call.post(`/instances/${inst.id}/${verb}`, payload);
      close();
      toast(t(`approval.done.${verb.replace("-", "_")}`));
      draw(main, next);
    }));
    clear(body, picker?.element, position, step, comment, dialogErrors, h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: close }, t('common.cancel')), ok));
  });
  const buttons = [];
  const btn = (key, onclick, cls = 'btn') => buttons.push(h('button', { type: 'button', class: cls, 'data-testid': `do-${key}`, onclick: (e) => onclick(e.currentTarget) }, t(`approval.verb.${key}`)));
  if (inst.can.includes('approve')) btn('approve', (b) => act('approve')(b), 'btn btn-primary');
  if (inst.can.includes('reject')) btn('reject', withComment('reject', 'approval.verb.reject'), 'btn btn-danger');
  if (inst.can.includes('transfer')) btn('transfer', withComment('transfer', 'approval.verb.transfer', 'member'));
  if (inst.can.includes('add_approver')) btn('add_approver', withComment('add-approver', 'approval.verb.add_approver', 'members'));
  if (inst.can.includes('return')) btn('return', withComment('return', 'approval.verb.return', 'step'));
  if (inst.can.includes('urge')) btn('urge', (b) => act('urge')(b));
  if (inst.can.includes('withdraw')) btn('withdraw', (b) => act('withdraw')(b), 'btn btn-danger');
  if (inst.can.includes('revoke')) btn('revoke', withComment('revoke', 'approval.verb.revoke'), 'btn btn-danger');

  const commentBox = h('textarea', { class: 'input', rows: 2, 'aria-label': t('approval.comment'), placeholder: t('approval.comment'), 'data-testid': 'comment-text' });
  const commentFiles = [];
  const filesList = h('ul', { class: 'file-list' });
  const attach = h('input', { type: 'file', class: 'input', 'aria-label': t('approval.attach'), onchange: async () => {
    for (const file of attach.files) {
      const form = new FormData();
      form.append('file', file);
      const up = await call.upload('/files', form).catch((error) => toast(error.message, 'error'));
      if (up) { commentFiles.push(up.id); filesList.append(h('li', {}, up.name)); }
    }
    attach.value = '';
  } });
  const send = h('button', { type: 'button', class: 'btn', 'data-testid': 'comment-send' }, t('approval.verb.comment'));
  send.addEventListener('click', () => busy(send, errors, async () => {
    draw(main, await call.post(`/instances/${inst.id}/comments`, { text: commentBox.value, file_ids: commentFiles }));
  }));

  clear(main, h('article', { class: 'approval-page', 'data-testid': 'approval-page', 'data-instance-id': inst.id },
    h('a', { href: '#/approval', class: 'link-btn' }, '‹ ', t('common.back')),
    h('header', { class: 'page-head approval-head' }, h('h1', {}, inst.title), statusTag(inst.status)),
    h('p', { class: 'muted' }, `${inst.template_name} · v${inst.version} · ${when(inst.created_at)}`),
    h('section', { class: 'card' }, valuesBlock(inst)),
    inst.payment ? h('section', { class: 'card', 'data-testid': 'payment' }, h('h2', {}, t('approval.payment.title')),
      h('p', {}, `¥${inst.payment.amount} · ${t(`approval.payment.${inst.payment.status}`)} · ${t('approval.attempts', { n: inst.payment.attempts })}`),
      inst.payment.last_error ? h('p', { class: 'muted' }, inst.payment.last_error) : null) : null,
    h('section', { class: 'card' }, h('h2', {}, t('approval.flow')), stepsBlock(inst),
      inst.cc.length ? h('p', {}, t('approval.cc'), ': ', inst.cc.map((c) => c.name).join(t('chat.list_sep'))) : null),
    buttons.length ? h('div', { class: 'actions approval-actions' }, buttons) : null, errors,
    h('section', { class: 'card' }, h('h2', {}, t('approval.timeline')), timelineBlock(inst),
      h('div', { class: 'comment-box' }, commentBox, attach, filesList, send))));
}
