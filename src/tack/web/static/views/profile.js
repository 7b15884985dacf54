// A member's profile card. A phone the member hides comes back as null for viewers
// who may not see it: that reads "hidden", not "none".

import { api } from '../api.js';
import { clear, h } from '../dom.js';
import { t } from '../i18n.js';
import { session } from '../state.js';
import { avatar } from '../ui.js';

export async function openProfile(pane, memberId, tree) {
  const org = session.org;
  pane.hidden = false;
  pane.classList.add('open');
  const close = () => {
    pane.hidden = true;
    pane.classList.remove('open');
  };
  clear(pane, h('div', { class: 'muted pad' }, t('common.loading')));
  let member;
  try {
    member = await api.get(`/orgs/${org.id}/members/${memberId}`);
  } catch (error) {
    clear(pane, h('p', { class: 'form-error pad', role: 'alert' }, error.message));
    return;
  }
  const manager = member.manager_id
    ? await api.get(`/orgs/${org.id}/members/${member.manager_id}`).catch(() => null)
    : null;
  const phone = member.phone
    ? h('a', { href: 'tel:' + member.phone }, member.phone)
    : h('span', { class: 'muted' }, t(member.hide_phone ? 'member.phone_hidden' : 'common.none'));
  const row = (key, value) => [h('dt', {}, t(key)), h('dd', {}, value || h('span', { class: 'muted' }, t('common.none')))];
  clear(pane,
    h('div', { class: 'profile-head' },
      h('button', { type: 'button', class: 'icon-btn profile-close', 'aria-label': t('common.close'), onclick: close }, '×'),
      avatar(member.name, 'lg'),
      h('h2', { 'data-testid': 'profile-name' }, member.name),
      h('p', { class: 'muted' }, member.job_title || ''),
      h('div', { class: 'tags' },
        member.role !== 'member' ? h('span', { class: 'tag' }, t('role.' + member.role)) : null,
        member.active ? null : h('span', { class: 'tag tag-danger' }, t('member.inactive')))),
    h('dl', { class: 'profile-fields' },
      row('member.phone', phone),
      row('member.email', member.email),
      row('member.departments', tree.names(member.department_ids).join('、')),
      row('member.employee_no', member.employee_no),
      row('member.manager', manager?.name),
      row('member.hire_date', member.hire_date)));
}
