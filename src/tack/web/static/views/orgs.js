// The organization switcher (the account's memberships) and "create an organization",
// which is all a new account sees until it joins or creates one.

import { api } from '../api.js';
import { clear, formValues, h } from '../dom.js';
import { t } from '../i18n.js';
import { go } from '../router.js';
import { loadMe, session, switchOrg } from '../state.js';
import { busy, errorLine, field, input, langToggle } from '../ui.js';

export async function render(main) {
  const memberships = session.me.memberships;
  const current = session.org?.id ?? session.me.last_org_id;
  const list = h('ul', { class: 'list org-list', 'data-testid': 'org-list' },
    memberships.map((m) => {
      const isCurrent = m.org_id === current;
      const choose = h('button', { type: 'button', class: 'list-row org-row' + (isCurrent ? ' current' : '') },
        h('span', { class: 'org-badge' }, m.org_name.slice(0, 1)),
        h('span', { class: 'grow' }, h('strong', {}, m.org_name), h('small', { class: 'muted' }, t('role.' + m.role))),
        isCurrent ? h('span', { class: 'tag' }, t('org.current')) : null);
      choose.addEventListener('click', () => busy(choose, null, async () => {
        await switchOrg(m.org_id);
        go('directory');
      }));
      return h('li', {}, choose);
    }));

  const errors = errorLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('org.create'));
  const form = h('form', { class: 'form', 'data-testid': 'create-org-form' },
    field('org.name', input('name', { required: true, maxlength: 100 })), errors, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, errors, async () => {
      const org = await api.post('/orgs', { name: formValues(form).name?.trim() });
      await loadMe();
      await switchOrg(org.id);
      go('directory');
    });
  });

  clear(main, h('div', { class: 'auth' },
    h('div', { class: 'auth-top' }, h('span', { class: 'brand brand-lg' }, 'Tack'), langToggle()),
    memberships.length
      ? h('section', { class: 'card auth-card' }, h('h1', {}, t('org.switch')), list)
      : h('section', { class: 'card auth-card' }, h('h1', {}, t('org.none_title')), h('p', { class: 'muted' }, t('org.none_hint'))),
    h('section', { class: 'card auth-card' }, h('h2', {}, t('org.create_title')), form),
    h('p', { class: 'auth-switch' },
      memberships.length ? h('a', { href: '#/directory' }, t('common.back')) : null, ' ',
      h('a', { href: '#/account' }, t('nav.account')))));
}
