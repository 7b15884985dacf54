// DING: the DINGs I received (newest first; the unconfirmed ones with their confirm button) and
// the ones I sent (confirmed / recipients, live), "发DING", the org's DING settings for owners
// and admins, and one DING's page: for its sender, who has confirmed and who has not, live, with
// re-DING of the unconfirmed and cancelling a scheduled one; for a recipient, their own state
// and the confirm button.
//   #/ding  received    #/ding?tab=sent  sent    #/ding?tab=settings  settings    #/ding/{id}  one DING

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { getLang, t } from '../../i18n.js';
import { go } from '../../router.js';
import { session } from '../../state.js';
import { avatar, busy, confirmDialog, emptyState, toast } from '../../ui.js';
import { openCompose } from './compose.js';
import { renderSettings } from './settings.js';
import { confirmDing, ding, onDing, orgTime, startDing } from './store.js';

const PAGE = 20;

export async function render(main, ctx) {
  startDing(session.org);
  const alive = () => !ctx.stale() && main.isConnected;
  if (ctx.rest[0]) return renderDetail(main, Number(ctx.rest[0]), alive);
  const admin = ['owner', 'admin'].includes(session.org.my_role);
  const tab = ctx.query.tab === 'sent' || (ctx.query.tab === 'settings' && admin) ? ctx.query.tab : 'received';
  const tabLink = (which) => h('a', {
    href: which === 'received' ? '#/ding' : `#/ding?tab=${which}`, role: 'tab', class: 'tab' + (tab === which ? ' active' : ''),
    'aria-selected': String(tab === which), 'data-testid': `ding-tab-${which}`,
  }, t(`ding.tab_${which}`));
  const newButton = h('button', {
    type: 'button', class: 'btn btn-primary', 'data-testid': 'ding-new',
    onclick: () => openCompose({ onSent: (sent) => go(`ding/${sent.id}`) }),
  }, t('ding.new'));
  const list = h('ul', { class: 'list ding-list', 'data-testid': `ding-list-${tab}` });
  const more = h('div', { class: 'pager' });
  const pane = h('div', {});
  clear(main, h('div', { class: 'page-head ding-head' }, h('h1', {}, 'DING'), newButton),
    h('div', { class: 'tabs', role: 'tablist' }, tabLink('received'), tabLink('sent'), admin ? tabLink('settings') : null),
    tab === 'settings' ? pane : h('div', { class: 'pane ding-pane' }, list, more));
  if (tab === 'settings') await renderSettings(pane);
  else if (tab === 'sent') await drawSent(list, more, alive);
  else await drawReceived(list, more, alive);
}

async function pages(list, more, path, row, empty) {
  const load = async (beforeId) => {
    const page = await api.get(`/orgs/${ding.orgId}${path}`, { before_id: beforeId, limit: PAGE });
    if (!beforeId) clear(list);
    list.append(...page.items.map(row));
    if (!list.children.length) list.append(h('li', {}, emptyState(empty)));
    clear(more, page.next_before_id
      ? h('button', { type: 'button', class: 'btn', onclick: (e) => busy(e.currentTarget, null, () => load(page.next_before_id)) }, t('common.load_more'))
      : null);
  };
  await load(undefined);
}

function statusChip(d) {
  if (d.status === 'scheduled') return h('span', { class: 'ding-chip' }, t('ding.status_scheduled', { at: orgTime(d.send_at, getLang()) }));
  if (d.status === 'cancelled') return h('span', { class: 'ding-chip' }, t('ding.status_cancelled'));
  if (d.is_sender) {
    const all = d.confirmed_count === d.recipient_count;
    return h('span', { class: 'ding-chip' + (all ? ' ok' : ''), 'data-testid': 'ding-progress' },
      t('ding.progress', { done: d.confirmed_count, total: d.recipient_count }));
  }
  return d.my_confirmed_at
    ? h('span', { class: 'ding-chip ok' }, t('ding.status_confirmed'))
    : h('span', { class: 'ding-chip pending' }, t('ding.status_pending'));
}

async function drawReceived(list, more, alive) {
  const row = (d) => {
    const li = h('li', { class: 'ding-row', 'data-ding-id': d.id },
      h('a', { class: 'list-row', href: `#/ding/${d.id}` }, avatar(d.sender_name),
        h('span', { class: 'grow' }, h('strong', {}, d.sender_name), h('small', { class: 'muted ding-preview' }, d.text)),
        h('span', { class: 'ding-row-side' }, h('small', { class: 'muted' }, orgTime(d.sent_at, getLang())), statusChip(d))));
    if (!d.my_confirmed_at) {
      const button = h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-testid': 'ding-row-confirm' }, t('ding.confirm'));
      button.addEventListener('click', () => busy(button, null, async () => {
        const r = await confirmDing(d.id);
        li.replaceWith(row({ ...d, my_confirmed_at: r.confirmed_at }));
      }));
      li.append(button);
    }
    return li;
  };
  await pages(list, more, '/dings/received', row, 'ding.none_received');
  // A new DING arriving while the list is open goes on top.
  onDing((item) => {
    if (item.kind !== 'alert' || item.alert.reason !== 'send' || list.querySelector(`[data-ding-id="${item.alert.ding_id}"]`)) return;
    api.get(`/orgs/${ding.orgId}/dings/${item.alert.ding_id}`).then((d) => {
      if (!alive()) return;
      list.querySelector('.empty')?.closest('li')?.remove();
      list.prepend(row(d));
    }).catch(() => {});
  }, alive);
}

async function drawSent(list, more, alive) {
  const row = (d) => h('li', { class: 'ding-row', 'data-ding-id': d.id },
    h('a', { class: 'list-row', href: `#/ding/${d.id}` },
      h('span', { class: 'ding-mark', 'aria-hidden': 'true' }, 'D'),
      h('span', { class: 'grow' }, h('strong', { class: 'ding-preview' }, d.text),
        h('small', { class: 'muted' }, t(`ding.channel_${d.channel}`), ' · ', orgTime(d.sent_at || d.send_at || d.created_at, getLang()))),
      statusChip(d)));
  await pages(list, more, '/dings/sent', row, 'ding.none_sent');
  onDing((item) => {
    if (item.kind !== 'receipt') return;
    const chip = list.querySelector(`[data-ding-id="${item.receipt.ding_id}"] [data-testid="ding-progress"]`);
    if (!chip) return;
    const { confirmed_count: done, recipient_count: total } = item.receipt;
    chip.textContent = t('ding.progress', { done, total });
    chip.classList.toggle('ok', done === total);
  }, alive);
}

// --- one DING ------------------------------------------------------------------------------------

async function renderDetail(main, dingId, alive) {
  const d = await api.get(`/orgs/${ding.orgId}/dings/${dingId}`);
  if (!alive()) return;
  const back = h('a', { href: d.is_sender ? '#/ding?tab=sent' : '#/ding', class: 'btn btn-small' }, '‹ ', t('common.back'));
  const meta = [
    t(`ding.channel_${d.channel}`),
    d.status === 'scheduled' ? t('ding.status_scheduled', { at: orgTime(d.send_at, getLang()) }) : orgTime(d.sent_at, getLang()),
    d.remind_times ? t('ding.plan_remind', { every: d.remind_every_minutes, times: d.remind_times }) : t('ding.plan_no_remind'),
    d.escalate_after_minutes ? t('ding.plan_escalate', { n: d.escalate_after_minutes }) : null,
  ].filter(Boolean).join(' · ');
  const head = h('div', { class: 'card ding-detail', 'data-testid': 'ding-detail' },
    h('div', { class: 'ding-alert-head' }, h('span', { class: 'ding-mark', 'aria-hidden': 'true' }, 'D'),
      h('strong', {}, d.is_sender ? t('ding.sent_by_me') : t('ding.from', { name: d.sender_name })), statusChip(d)),
    h('p', { class: 'ding-detail-text wrap' }, d.text),
    d.attachment ? h('p', { class: 'small' }, t('ding.attachment'), ': ', attachmentLink(d.attachment)) : null,
    h('p', { class: 'muted small' }, meta));
  const body = h('div', { class: 'ding-detail-body' });
  clear(main, h('div', { class: 'page-head' }, back), head, body);
  if (d.is_sender) await drawConfirmations(body, d, alive);
  else drawMine(body, d, alive);
}

function attachmentLink(value) {
  return /^https?:\/\//i.test(value) ? h('a', { href: value, target: '_blank', rel: 'noopener noreferrer' }, value) : value;
}

function drawMine(body, d, alive) {
  if (d.my_confirmed_at) {
    clear(body, h('p', { class: 'ding-chip ok' }, t('ding.you_confirmed_at', { at: orgTime(d.my_confirmed_at, getLang()) })));
    return;
  }
  const button = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'ding-detail-confirm' }, t('ding.confirm'));
  button.addEventListener('click', () => busy(button, null, async () => {
    const r = await confirmDing(d.id);
    drawMine(body, { ...d, my_confirmed_at: r.confirmed_at }, alive);
  }));
  clear(body, h('div', { class: 'actions' }, button));
  // Confirmed on another device: this page follows.
  onDing((item) => {
    if (item.kind === 'pending' && !ding.pending.has(d.id) && button.isConnected) {
      api.get(`/orgs/${ding.orgId}/dings/${d.id}`).then((fresh) => alive() && fresh.my_confirmed_at && drawMine(body, fresh, alive)).catch(() => {});
    }
  }, alive);
}

// The sender's live view: counts from each receipt event at once, the two lists reloaded
// (coalesced) so the person moves from 未确认 to 已确认 in front of the sender.
async function drawConfirmations(body, d, alive) {
  let state = 'unconfirmed';
  let counts = { total: d.recipient_count, done: d.confirmed_count };
  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  const list = h('ul', { class: 'list ding-people', 'data-testid': 'ding-people' });
  const more = h('div', { class: 'pager' });
  const actions = h('div', { class: 'actions' });
  const progress = h('div', { class: 'ding-progress-bar', role: 'progressbar', 'aria-valuemin': '0' }, h('span', {}));

  const drawHead = () => {
    const tab = (which, n) => h('button', {
      type: 'button', role: 'tab', class: 'tab' + (state === which ? ' active' : ''), 'aria-selected': String(state === which),
      'data-testid': `ding-people-${which}`, onclick: () => { state = which; drawHead(); load(); },
    }, t(`ding.people_${which}`, { n }));
    clear(tabs, tab('unconfirmed', counts.total - counts.done), tab('confirmed', counts.done));
    progress.setAttribute('aria-valuemax', String(counts.total));
    progress.setAttribute('aria-valuenow', String(counts.done));
    progress.setAttribute('aria-label', t('ding.progress', { done: counts.done, total: counts.total }));
    progress.firstChild.style.width = `${counts.total ? (100 * counts.done) / counts.total : 0}%`;
    const chip = document.querySelector('[data-testid="ding-detail"] [data-testid="ding-progress"]');
    if (chip) {
      chip.textContent = t('ding.progress', { done: counts.done, total: counts.total });
      chip.classList.toggle('ok', counts.done === counts.total);
    }
    drawActions();
  };

  const drawActions = () => {
    const buttons = [];
    if (d.status === 'sent' && counts.done < counts.total) {
      const reding = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'ding-reding' },
        t('ding.reding', { n: counts.total - counts.done }));
      reding.addEventListener('click', () => busy(reding, null, async () => {
        const r = await api.post(`/orgs/${ding.orgId}/dings/${d.id}/reding`);
        toast(t('ding.reding_toast', { n: r.member_ids.length }));
      }));
      buttons.push(reding);
    }
    if (d.status === 'scheduled') {
      buttons.push(h('button', {
        type: 'button', class: 'btn btn-danger', 'data-testid': 'ding-cancel',
        onclick: () => confirmDialog(t('ding.cancel_question'), async () => {
          await api.post(`/orgs/${ding.orgId}/dings/${d.id}/cancel`);
          go(`ding/${d.id}`);
        }),
      }, t('ding.cancel')));
    }
    clear(actions, buttons);
  };

  let loadSeq = 0;
  const load = async (offset = 0) => {
    const seq = ++loadSeq;
    const page = await api.get(`/orgs/${ding.orgId}/dings/${d.id}/recipients`, { state, offset, limit: 100 });
    if (seq !== loadSeq || !alive()) return;
    counts = { total: page.recipient_count, done: page.confirmed_count };
    if (!offset) {
      clear(list);
      drawHead();
    }
    list.append(...page.items.map((p) => h('li', { class: 'list-row', 'data-member-id': p.member_id }, avatar(p.name),
      h('span', { class: 'grow' }, h('strong', {}, p.name),
        h('small', { class: 'muted' }, p.confirmed_at
          ? t('ding.confirmed_at', { at: orgTime(p.confirmed_at, getLang()) })
          : [p.reminders ? t('ding.reminded_n', { n: p.reminders }) : t('ding.not_confirmed'),
            p.escalated_channel ? ' · ' + t(`ding.channel_${p.escalated_channel}`) : ''].join(''))))));
    if (!list.children.length) list.append(h('li', {}, emptyState(state === 'confirmed' ? 'ding.nobody_confirmed' : 'ding.everyone_confirmed')));
    clear(more, page.next_offset !== null
      ? h('button', { type: 'button', class: 'btn', onclick: (e) => busy(e.currentTarget, null, () => load(page.next_offset)) }, t('common.load_more'))
      : null);
  };

  clear(body, h('div', { class: 'pane ding-pane' }, h('div', { class: 'pad' }, progress), tabs, list, more), actions);
  drawHead();
  await load();

  let timer = null;
  onDing((item) => {
    if (item.kind !== 'receipt' || item.receipt.ding_id !== d.id) return;
    counts = { total: item.receipt.recipient_count, done: Math.max(counts.done, item.receipt.confirmed_count) };
    drawHead();
    clearTimeout(timer);
    timer = setTimeout(() => alive() && load().catch(() => {}), 300);
  }, alive);
}
