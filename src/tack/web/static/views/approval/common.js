// Shared pieces of the 审批 screens: API paths, statuses, times in the org's time zone.

import { api } from '../../api.js';
import { h } from '../../dom.js';
import { getLang, t } from '../../i18n.js';
import { session } from '../../state.js';

export const base = (path = '') => `/orgs/${session.org.id}/approval${path}`;
export const call = {
  get: (path, query) => api.get(base(path), query),
  post: (path, body) => api.post(base(path), body),
  put: (path, body) => api.put(base(path), body),
  upload: (path, form) => api.upload(base(path), form),
};

const STATUS_TAG = { running: 'tag', approved: 'tag tag-ok', rejected: 'tag tag-danger', withdrawn: 'tag tag-muted', revoked: 'tag tag-muted' };

export function statusTag(status) {
  return h('span', { class: STATUS_TAG[status] || 'tag', 'data-testid': 'status' }, t(`approval.status.${status}`));
}

// Times in the organization's time zone (DingTalk shows the company's clock, not the laptop's).
export function when(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(getLang(), {
    timeZone: session.org?.timezone || 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
}

export function valueText(field, value) {
  if (value === undefined || value === null || value === '') return t('common.none');
  switch (field.kind) {
    case 'daterange': {
      const half = (x) => (x ? ' ' + t(`approval.half.${x}`) : '');
      return `${value.start}${half(value.start_half)} ~ ${value.end}${half(value.end_half)} (${t('approval.days', { n: value.days })})`;
    }
    case 'money': return `¥${value}`;
    case 'multiselect': return value.join(t('chat.list_sep'));
    case 'member': case 'department': case 'attachment': case 'image': return t('approval.count', { n: value.length });
    case 'table': case 'invoice': return null; // drawn as tables
    default: return String(value);
  }
}
