// The DING alert bar: every DING waiting for my confirmation, pinned above whatever screen is
// open, on every connected client, until I confirm it (here, on another device, or in chat).
// The shell starts it (nav.js `background`) on every screen, not only on the DING page; it also
// keeps the DING navigation badge and gives chat its "DING the unread" and card confirm actions.

import { clear, h } from '../../dom.js';
import { getLang, onLangChange, t } from '../../i18n.js';
import { go } from '../../router.js';
import { session } from '../../state.js';
import { busy, toast } from '../../ui.js';
import { cardActions, unreadActions } from '../chat/hooks.js';
import { confirmDing, ding, onDing, orgTime, startDing } from './store.js';

const SHOWN = 3; // more than this fold behind "N more"

let host = null;
let expanded = false;

export function start(org) {
  startDing(org);
  if (!host) {
    host = h('section', { id: 'ding-alerts', class: 'ding-alerts', 'aria-label': t('ding.alerts'), 'aria-live': 'assertive', hidden: true });
    document.body.prepend(host);
    onDing((item) => (item.kind === 'pending' ? draw() : undefined), () => true);
    onLangChange(() => draw());
    // Signing out (or switching organization) leaves through a route change: hide what was
    // someone else's, or another organization's.
    window.addEventListener('hashchange', () => draw());
    registerChatActions();
  }
  draw();
}

function draw() {
  const mine = session.me && session.org?.id === ding.orgId;
  const alerts = mine ? [...ding.pending.values()].reverse() : [];
  drawNavBadge(alerts.length);
  host.setAttribute('aria-label', t('ding.alerts'));
  host.hidden = !alerts.length;
  if (!alerts.length) return clear(host);
  const shown = expanded ? alerts : alerts.slice(0, SHOWN);
  const more = alerts.length - shown.length;
  return clear(host,
    shown.map(alertRow),
    more > 0 || expanded && alerts.length > SHOWN
      ? h('button', { type: 'button', class: 'ding-alert-more', onclick: () => { expanded = !expanded; draw(); } },
        expanded ? t('ding.fold') : t('ding.n_more', { n: more }))
      : null);
}

function reasonText(alert) {
  if (alert.reason === 'reminder') return t('ding.reason_reminder', { n: alert.round });
  if (alert.reason === 'reding') return t('ding.reason_reding');
  return null;
}

function alertRow(alert) {
  const confirm = h('button', { type: 'button', class: 'btn ding-confirm', 'data-testid': 'ding-confirm' }, t('ding.confirm'));
  confirm.addEventListener('click', () => busy(confirm, null, async () => {
    await confirmDing(alert.ding_id);
    toast(t('ding.confirmed_toast'));
  }));
  const reason = reasonText(alert);
  return h('div', { class: 'ding-alert', role: 'alert', 'data-testid': 'ding-alert', 'data-ding-id': alert.ding_id },
    h('span', { class: 'ding-mark', 'aria-hidden': 'true' }, 'D'),
    h('a', { class: 'ding-alert-body', href: `#/ding/${alert.ding_id}` },
      h('span', { class: 'ding-alert-head' },
        h('strong', {}, t('ding.from', { name: alert.sender_name })),
        reason ? h('span', { class: 'ding-tag' }, reason) : null,
        h('small', {}, orgTime(alert.sent_at, getLang()))),
      h('span', { class: 'ding-alert-text' }, alert.text)),
    confirm);
}

function drawNavBadge(n) {
  for (const link of document.querySelectorAll('.nav-link[data-nav="ding"]')) {
    let badge = link.querySelector('.nav-badge');
    if (!n) {
      badge?.remove();
      continue;
    }
    if (!badge) {
      badge = h('span', { class: 'nav-badge', 'data-testid': 'ding-nav-badge' });
      link.append(badge);
    }
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.setAttribute('aria-label', t('ding.n_pending', { n }));
  }
}

function registerChatActions() {
  unreadActions.push({
    labelKey: 'ding.ding_unread',
    testId: 'ding-unread',
    run: async ({ conversationId, message, unread, close }) => {
      close();
      const { openCompose } = await import('./compose.js');
      openCompose({
        source: { conversation_id: conversationId, message_id: message.id },
        sourceNames: unread.names,
        sourceCount: unread.count,
        text: t('ding.unread_default_text'),
        onSent: (sent) => go(`ding/${sent.id}`),
      });
    },
  });
  cardActions.set('ding.confirm', async (argument) => {
    await confirmDing(Number(argument));
    toast(t('ding.confirmed_toast'));
  });
}
