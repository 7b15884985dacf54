// 我的: who I am, password, sign-out (here or everywhere), two-step verification (TOTP).

import { api } from '../api.js';
import { clear, h } from '../dom.js';
import { getLang, setLang, t } from '../i18n.js';
import { go } from '../router.js';
import { loadMe, session, signedOut } from '../state.js';
import { busy, errorLine, field, input, select, toast } from '../ui.js';

export async function render(main) {
  const me = await loadMe();
  clear(main, h('div', { class: 'page-head' }, h('h1', {}, t('account.title'))),
    h('div', { class: 'cards' },
      profileCard(me), passwordCard(), totpCard(me), sessionCard()));
}

function profileCard(me) {
  const language = select('language', [['zh-CN', '简体中文'], ['en', 'English']], getLang(), { 'aria-label': t('account.language') });
  language.addEventListener('change', async () => {
    // The server keeps the choice too, for messages it sends outside the page later.
    await api.patch('/me', { language: language.value }).catch(() => null);
    setLang(language.value);
  });
  return h('section', { class: 'card' },
    h('h2', {}, me.name),
    h('dl', { class: 'profile-fields' },
      h('dt', {}, t('member.phone')), h('dd', {}, me.phone || t('common.none')),
      h('dt', {}, t('member.email')), h('dd', {}, me.email || t('common.none'))),
    field('account.language', language),
    h('p', {}, h('a', { href: '#/orgs' }, t('org.switch'))));
}

function passwordCard() {
  const errors = errorLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('account.change_password'));
  const form = h('form', { class: 'form', 'data-testid': 'password-form' },
    field('account.old_password', input('old_password', { type: 'password', required: true, autocomplete: 'current-password' })),
    field('account.new_password', input('new_password', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), 'auth.password_hint'),
    errors, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, errors, async () => {
      await api.post('/me/password', { old_password: form.old_password.value, new_password: form.new_password.value });
      form.reset();
      toast(t('account.password_changed'));
    });
  });
  return h('section', { class: 'card' }, h('h2', {}, t('account.change_password')), form);
}

// Redraws itself in the same card as the set-up moves on.
function totpCard(me, card = h('section', { class: 'card', 'data-testid': 'totp-card' })) {
  const errors = errorLine();
  const codeForm = (action, labelKey, after) => {
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t(labelKey));
    const form = h('form', { class: 'form' },
      field('auth.totp_code', input('code', { required: true, inputmode: 'numeric', minlength: 6, maxlength: 10, autocomplete: 'one-time-code' })),
      errors, submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(submit, errors, async () => {
        await api.post(`/me/totp/${action}`, { code: form.code.value.trim() });
        toast(t(after));
        totpCard(await loadMe(), card);
      });
    });
    return form;
  };
  if (me.totp_enabled) {
    clear(card, h('h2', {}, t('account.totp')), h('p', {}, h('span', { class: 'tag tag-ok' }, t('account.totp_on'))),
      codeForm('disable', 'account.totp_disable', 'account.totp_disabled'));
    return card;
  }
  const start = h('button', { type: 'button', class: 'btn' }, t('account.totp_setup'));
  start.addEventListener('click', () => busy(start, errors, async () => {
    const setup = await api.post('/me/totp/setup');
    clear(card, h('h2', {}, t('account.totp')),
      h('p', {}, t('account.totp_scan')),
      h('dl', { class: 'profile-fields' },
        h('dt', {}, t('account.totp_secret')), h('dd', {}, h('code', { 'data-testid': 'totp-secret' }, setup.secret)),
        h('dt', {}, t('account.totp_uri')), h('dd', {}, h('code', { class: 'wrap', 'data-testid': 'totp-uri' }, setup.otpauth_uri))),
      codeForm('enable', 'account.totp_enable', 'account.totp_enabled'));
  }));
  clear(card, h('h2', {}, t('account.totp')), h('p', { class: 'muted' }, t('account.totp_hint')), errors, start);
  return card;
}

function sessionCard() {
  const errors = errorLine();
  const signOut = (path) => async () => {
    await api.post(path);
    signedOut();
    go('login');
  };
  const here = h('button', { type: 'button', class: 'btn', 'data-testid': 'logout' }, t('account.logout'));
  here.addEventListener('click', () => busy(here, errors, signOut('/auth/logout')));
  const everywhere = h('button', { type: 'button', class: 'btn btn-danger' }, t('account.logout_everywhere'));
  everywhere.addEventListener('click', () => busy(everywhere, errors, signOut('/auth/logout-everywhere')));
  return h('section', { class: 'card' }, h('h2', {}, t('account.sessions')),
    h('p', { class: 'muted' }, t('account.logout_everywhere_hint')), errors,
    h('div', { class: 'actions' }, here, everywhere));
}
