// DING settings of the organization (owners and admins): who may DING, who may use SMS and
// phone calls, the daily SMS/call limit per sender, and the defaults and limits of reminder
// and escalation schedules that every 发DING dialog keeps to.

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { busy, errorLine, field, select, toast } from '../../ui.js';
import { ding } from './store.js';

const NUMBERS = [
  ['daily_limit', 0, 10000],
  ['default_remind_every_minutes', 0, 1440],
  ['default_remind_times', 0, 100],
  ['min_remind_every_minutes', 1, 1440],
  ['max_remind_times', 0, 100],
  ['min_escalate_after_minutes', 1, 1440],
];

export async function renderSettings(pane) {
  const settings = await api.get(`/orgs/${ding.orgId}/ding/settings`);
  const errors = errorLine();
  const choice = (name, values) => select(name, values.map((v) => [v, t(`ding.allowed_${v}`)]), settings[name], { 'data-testid': `ding-setting-${name}` });
  const controls = {
    who_may_send: choice('who_may_send', ['everyone', 'admins']),
    sms_allowed_for: choice('sms_allowed_for', ['everyone', 'admins', 'nobody']),
    call_allowed_for: choice('call_allowed_for', ['everyone', 'admins', 'nobody']),
  };
  for (const [name, min, max] of NUMBERS) {
    controls[name] = h('input', {
      type: 'number', name, class: 'input', value: String(settings[name]), min: String(min), max: String(max), step: '1', required: true,
      'data-testid': `ding-setting-${name}`,
    });
  }
  const save = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'ding-settings-save' }, t('common.save'));
  const form = h('form', {
    class: 'form form-grid',
    onsubmit: (event) => {
      event.preventDefault();
      busy(save, errors, async () => {
        const body = {};
        for (const [name, control] of Object.entries(controls)) body[name] = control.type === 'number' ? Number(control.value) : control.value;
        await api.put(`/orgs/${ding.orgId}/ding/settings`, body);
        toast(t('common.saved'));
      });
    },
  }, Object.entries(controls).map(([name, control]) => field(`ding.setting_${name}`, control)),
  h('div', { class: 'span-2' }, errors), h('div', { class: 'actions span-2' }, save));
  clear(pane, h('div', { class: 'card' }, form));
}
