// 发DING: recipients (chosen members, or a chat message's unread members), the text, the
// channel (in-app / SMS / call, as the org allows), an optional send time on the org's clock,
// and the reminder and escalation schedule within the org's limits. One Idempotency-Key per
// dialog: pressing send again after a network failure never DINGs twice.

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { session } from '../../state.js';
import { busy, errorLine, field, openDialog, toast } from '../../ui.js';
import { memberPicker } from '../admin/pickers.js';
import { ding, isoToOrgWall, orgWallToIso } from './store.js';

const CHANNELS = ['in_app', 'sms', 'call'];

function channelAllowed(settings, channel) {
  if (channel === 'in_app') return true;
  const allowedFor = channel === 'sms' ? settings.sms_allowed_for : settings.call_allowed_for;
  return allowedFor === 'everyone' || (allowedFor === 'admins' && ['owner', 'admin'].includes(session.org.my_role));
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function numberInput(name, value, min, max, testId) {
  return h('input', { type: 'number', name, class: 'input input-num', value: String(value), min: String(min), max: String(max), step: '1', required: true, 'data-testid': testId });
}

// opts: {memberIds, source, sourceNames, sourceCount, text, onSent(dingRead)}
export async function openCompose(opts = {}) {
  const settings = await api.get(`/orgs/${ding.orgId}/ding/settings`);
  openDialog('ding.new', (body, close) => drawForm(body, close, settings, opts), { wide: true });
}

function drawForm(body, close, settings, opts) {
  const key = newKey();
  const errors = errorLine();
  const picker = opts.source ? null : memberPicker({ initial: opts.memberIds || [], label: t('ding.recipients') });
  const recipients = opts.source
    ? h('div', { class: 'ding-source', 'data-testid': 'ding-source-recipients' },
      h('strong', {}, t('ding.unread_people', { n: opts.sourceCount })),
      h('span', { class: 'muted' }, (opts.sourceNames || []).join(t('ding.list_sep'))))
    : picker.element;
  const text = h('textarea', { name: 'text', class: 'input ding-text', rows: 4, maxlength: 2000, required: true, 'data-testid': 'ding-text' });
  text.value = opts.text || '';
  const attachment = h('input', { type: 'url', name: 'attachment', class: 'input', maxlength: 500, placeholder: 'https://', 'data-testid': 'ding-attachment' });

  const channelBox = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': t('ding.channel') },
    CHANNELS.map((c) => h('label', { class: 'segment' + (channelAllowed(settings, c) ? '' : ' disabled') },
      h('input', { type: 'radio', name: 'channel', value: c, checked: c === 'in_app', disabled: !channelAllowed(settings, c), 'data-testid': `ding-channel-${c}` }),
      h('span', {}, t(`ding.channel_${c}`)))));

  const scheduled = h('input', { type: 'checkbox', name: 'scheduled', 'data-testid': 'ding-scheduled' });
  const sendAt = h('input', {
    type: 'datetime-local', name: 'send_at', class: 'input', hidden: true, 'data-testid': 'ding-send-at',
    value: isoToOrgWall(Date.now() + 3600_000), 'aria-label': t('ding.send_at'),
  });
  scheduled.addEventListener('change', () => { sendAt.hidden = !scheduled.checked; });

  const remindOn = h('input', { type: 'checkbox', name: 'remind', checked: settings.default_remind_times > 0, 'data-testid': 'ding-remind' });
  const every = numberInput('remind_every_minutes', Math.max(settings.default_remind_every_minutes, settings.min_remind_every_minutes),
    settings.min_remind_every_minutes, 24 * 60, 'ding-remind-every');
  const times = numberInput('remind_times', Math.min(Math.max(settings.default_remind_times, 1), settings.max_remind_times),
    1, settings.max_remind_times, 'ding-remind-times');
  const remindLine = h('div', { class: 'ding-inline' },
    h('span', {}, t('ding.remind_every')), every, h('span', {}, t('ding.remind_minutes_times')), times, h('span', {}, t('ding.remind_times_tail')));
  const syncRemind = () => { every.disabled = times.disabled = !remindOn.checked; };
  remindOn.addEventListener('change', syncRemind);
  syncRemind();

  const escalateOn = h('input', { type: 'checkbox', name: 'escalate', 'data-testid': 'ding-escalate' });
  const escalateAfter = numberInput('escalate_after_minutes', Math.max(10, settings.min_escalate_after_minutes),
    settings.min_escalate_after_minutes, 24 * 60, 'ding-escalate-after');
  const ladderText = h('span', {});
  const escalateLine = h('div', { class: 'ding-inline' }, h('span', {}, t('ding.escalate_after')), escalateAfter, ladderText);
  const escalateField = h('div', { class: 'field' }, h('label', { class: 'check' }, escalateOn, h('span', {}, t('ding.escalate'))), escalateLine);
  const channel = () => channelBox.querySelector('input:checked').value;
  const syncEscalate = () => {
    const above = CHANNELS.slice(CHANNELS.indexOf(channel()) + 1);
    const possible = above.length > 0 && above.every((c) => channelAllowed(settings, c));
    escalateField.hidden = !possible;
    if (!possible) escalateOn.checked = false;
    escalateAfter.disabled = !escalateOn.checked;
    ladderText.textContent = t('ding.escalate_to', { ladder: above.map((c) => t(`ding.channel_${c}`)).join(' → ') });
  };
  channelBox.addEventListener('change', syncEscalate);
  escalateOn.addEventListener('change', syncEscalate);
  syncEscalate();

  const send = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'ding-send' }, t('ding.send'));
  const form = h('form', {
    class: 'form ding-form',
    onsubmit: (event) => {
      event.preventDefault();
      busy(send, errors, async () => {
        const payload = {
          text: text.value,
          channel: channel(),
          remind_every_minutes: remindOn.checked ? Number(every.value) : 0,
          remind_times: remindOn.checked ? Number(times.value) : 0,
          escalate_after_minutes: escalateOn.checked ? Number(escalateAfter.value) : 0,
        };
        if (attachment.value.trim()) payload.attachment = attachment.value.trim();
        if (opts.source) payload.source = opts.source;
        else payload.member_ids = picker.values();
        if (scheduled.checked) {
          if (!sendAt.value) throw new Error(t('ding.send_at_missing'));
          payload.send_at = orgWallToIso(sendAt.value);
        }
        const sent = await api.post(`/orgs/${ding.orgId}/dings`, payload, { 'Idempotency-Key': key });
        close();
        toast(t(sent.status === 'scheduled' ? 'ding.scheduled_toast' : 'ding.sent_toast'));
        opts.onSent?.(sent);
      });
    },
  },
  h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('ding.recipients')), recipients),
  field('ding.text', text),
  field('ding.attachment_link', attachment, 'ding.attachment_hint'),
  h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('ding.channel')), channelBox,
    h('span', { class: 'field-hint' }, t('ding.channel_hint', { n: settings.daily_limit }))),
  h('div', { class: 'field' }, h('label', { class: 'check' }, scheduled, h('span', {}, t('ding.schedule'))), sendAt,
    h('span', { class: 'field-hint' }, t('ding.timezone_hint', { tz: ding.timezone }))),
  h('div', { class: 'field' }, h('label', { class: 'check' }, remindOn, h('span', {}, t('ding.remind'))), remindLine),
  escalateField,
  errors,
  h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: close }, t('common.cancel')), send));
  clear(body, form);
  text.focus();
}
