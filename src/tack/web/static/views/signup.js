// Create an account with a phone number or an e-mail address (at least one).

import { api } from '../api.js';
import { clear, formValues, h } from '../dom.js';
import { t } from '../i18n.js';
import { go, safeNext } from '../router.js';
import { signedIn } from '../state.js';
import { busy, errorLine, field, input } from '../ui.js';
import { authCard } from './auth_layout.js';

export async function render(main, { query }) {
  const next = safeNext(query.next);
  const errors = errorLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('auth.signup'));
  const form = h('form', { class: 'form', 'data-testid': 'signup-form' },
    field('member.name', input('name', { required: true, maxlength: 64, autocomplete: 'name' })),
    field('member.phone', input('phone', { type: 'tel', autocomplete: 'tel' })),
    field('member.email', input('email', { type: 'email', autocomplete: 'email' }), 'auth.contact_hint'),
    field('auth.password', input('password', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), 'auth.password_hint'),
    errors, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, errors, async () => {
      const result = await api.post('/auth/signup', formValues(form));
      signedIn(result.account);
      go(next || 'orgs');
    });
  });
  const loginLink = h('a', { href: '#/login' + (next ? '?next=' + encodeURIComponent(next) : '') }, t('auth.to_login'));
  clear(main, authCard('auth.signup_title', form, h('p', { class: 'auth-switch' }, t('auth.have_account'), ' ', loginLink)));
}
