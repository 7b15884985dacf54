// Sign in with phone or e-mail and password; the two-step code field appears
// only when the server answers totp_required.

import { api } from '../api.js';
import { clear, h } from '../dom.js';
import { t } from '../i18n.js';
import { go, safeNext } from '../router.js';
import { signedIn } from '../state.js';
import { busy, errorLine, field, input } from '../ui.js';
import { authCard } from './auth_layout.js';

export async function render(main, { query }) {
  const next = safeNext(query.next);
  const errors = errorLine();
  const totp = field('auth.totp_code', input('totp_code', { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 10 }));
  totp.hidden = true;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('auth.login'));
  const form = h('form', { class: 'form', 'data-testid': 'login-form' },
    field('auth.login_id', input('login', { autocomplete: 'username', required: true, placeholder: t('auth.login_id_hint') })),
    field('auth.password', input('password', { type: 'password', autocomplete: 'current-password', required: true })),
    totp, errors, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, errors, async () => {
      const body = { login: form.login.value.trim(), password: form.password.value };
      if (!totp.hidden && form.totp_code.value.trim()) body.totp_code = form.totp_code.value.trim();
      try {
        const result = await api.post('/auth/login', body);
        signedIn(result.account);
        go(next || 'directory');
      } catch (error) {
        if (error.code === 'totp_required') {
          totp.hidden = false;
          form.totp_code.focus();
        }
        throw error;
      }
    });
  });
  const signupLink = h('a', { href: '#/signup' + (next ? '?next=' + encodeURIComponent(next) : '') }, t('auth.to_signup'));
  clear(main, authCard('auth.login_title', form, h('p', { class: 'auth-switch' }, t('auth.no_account'), ' ', signupLink)));
}
