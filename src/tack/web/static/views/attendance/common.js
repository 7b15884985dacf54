// Shared bits of the attendance screens: the org's time zone for every time shown, status
// labels and colours, and the API path.

import { t } from '../../i18n.js';
import { session } from '../../state.js';
import { h } from '../../dom.js';

export const base = () => `/orgs/${session.org.id}/attendance`;

export function timeOf(iso, tz) {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit', timeZone: tz || session.org.timezone });
}

export function todayIn(tz) {
  // YYYY-MM-DD of now in the org's zone (en-CA formats dates that way).
  return new Date().toLocaleDateString('en-CA', { timeZone: tz || session.org.timezone });
}

const STATUS_CLASS = {
  normal: 'tag', in: 'tag', rest: 'tag tag-muted', pending: 'tag tag-muted', leave: 'tag tag-muted',
  late: 'tag tag-warn', serious_late: 'tag tag-danger', early: 'tag tag-warn', absent: 'tag tag-danger',
  missing_in: 'tag tag-danger', missing_out: 'tag tag-danger', field: 'tag', not_in: 'tag tag-muted',
};

export function statusTag(status, minutes) {
  const text = t(`attendance.status.${status}`) + (minutes ? ' ' + t('attendance.minutes', { n: minutes }) : '');
  return h('span', { class: STATUS_CLASS[status] || 'tag', 'data-status': status }, text);
}

export function monthNow() {
  return todayIn().slice(0, 7);
}
