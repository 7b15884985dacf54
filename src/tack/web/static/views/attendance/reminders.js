// 上下班打卡提醒 on every screen (nav.js `background`): a group with reminders on sends each
// member who has not checked in before the shift (or not checked out at its end) an
// `attendance/remind` event; this shows it wherever the person is, with a way to the 打卡
// screen. Reminders are off unless an admin turns them on for the group.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { realtimeFor } from '../../realtime.js';
import { go } from '../../router.js';
import { session } from '../../state.js';
import { timeOf } from './common.js';

let unlisten = null;

export function start(org) {
  if (unlisten) unlisten();
  unlisten = realtimeFor(org.id).listen((item) => {
    const event = item.kind === 'event' ? item.event : null;
    if (event?.type === 'attendance' && event.op === 'remind' && session.org?.id === org.id) show(event.data);
  });
}

function show(data) {
  let host = document.getElementById('attendance-reminders');
  if (!host) {
    host = h('div', { id: 'attendance-reminders', class: 'toasts', 'aria-live': 'assertive' });
    document.body.append(host);
  }
  const text = t(data.kind === 'in' ? 'attendance.remind_in' : 'attendance.remind_out').replace('{time}', timeOf(data.at));
  // Kept until acted on or dismissed: a reminder that vanishes in four seconds is missed.
  const el = h('div', { class: 'toast toast-info', role: 'status', 'data-testid': 'attendance-reminder' },
    h('span', {}, text), ' ',
    h('button', { type: 'button', class: 'btn btn-small btn-primary', onclick: () => { el.remove(); go('attendance'); } }, t('attendance.remind_go')),
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => el.remove() }, t('common.close')));
  host.append(el);
}
