// #/join/{token}: an invitation link. Anyone may look at it; accepting needs an account,
// so signed-out visitors sign in or up first and come back here.

import { api } from '../api.js';
import { clear, h } from '../dom.js';
import { t } from '../i18n.js';
import { go } from '../router.js';
import { loadMe, session, switchOrg } from '../state.js';
import { busy, errorLine, formatTime } from '../ui.js';
import { authCard } from './auth_layout.js';

export async function render(main, { rest }) {
  const token = rest[0] || '';
  let invitation;
  try {
    invitation = await api.get(`/invitations/${encodeURIComponent(token)}`);
  } catch (error) {
    clear(main, authCard('join.title', h('p', { class: 'form-error', role: 'alert' }, error.message),
      h('a', { href: '#/' }, t('common.back'))));
    return;
  }
  const errors = errorLine();
  const here = `join/${token}`;
  const details = h('div', { class: 'join-info' },
    h('p', { class: 'join-org', 'data-testid': 'join-org' }, invitation.org_name),
    invitation.department_name ? h('p', { class: 'muted' }, t('join.department', { name: invitation.department_name })) : null,
    invitation.requires_approval ? h('p', { class: 'muted' }, t('join.needs_approval')) : null,
    h('p', { class: 'muted small' }, t('join.expires', { at: formatTime(invitation.expires_at) })));
  let actions;
  if (session.me) {
    const accept = h('button', { type: 'button', class: 'btn btn-primary btn-block' }, t('join.accept'));
    accept.addEventListener('click', () => busy(accept, errors, async () => {
      const result = await api.post(`/invitations/${encodeURIComponent(token)}/accept`);
      await loadMe();
      if (result.status === 'pending') {
        clear(main, authCard('join.title', h('p', { 'data-testid': 'join-pending' }, t('join.pending', { org: invitation.org_name })),
          h('a', { href: '#/' }, t('common.back'))));
        return;
      }
      await switchOrg(result.org_id);
      go('directory');
    }));
    actions = [h('p', {}, t('join.as', { name: session.me.name })), accept];
  } else {
    actions = [h('p', { class: 'muted' }, t('join.sign_in_first')),
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: '#/login?next=' + encodeURIComponent(here) }, t('auth.login')),
        h('a', { class: 'btn', href: '#/signup?next=' + encodeURIComponent(here) }, t('auth.signup')))];
  }
  clear(main, authCard('join.title', details, errors, ...actions));
}
