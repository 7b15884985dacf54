// Small shared pieces of the interface: form fields, error lines, toasts, dialogs, avatars.

import { clear, h } from './dom.js';
import { getLang, setLang, t } from './i18n.js';

let fieldSeq = 0;

// A labelled control. The hint is linked by aria-describedby rather than put inside the
// <label>, so the control's accessible name is just the label.
export function field(labelKey, control, hintKey) {
  const id = control.id || (control.id = `f${++fieldSeq}`);
  let hint = null;
  if (hintKey) {
    hint = h('span', { class: 'field-hint', id: `${id}-hint` }, t(hintKey));
    control.setAttribute('aria-describedby', hint.id);
  }
  return h('div', { class: 'field' }, h('label', { class: 'field-label', for: id }, t(labelKey)), control, hint);
}

export function input(name, attrs = {}) {
  return h('input', { name, class: 'input', ...attrs });
}

export function checkbox(name, labelKey, checked = false, attrs = {}) {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', name, checked, ...attrs }), h('span', {}, t(labelKey)));
}

export function select(name, options, selected, attrs = {}) {
  return h('select', { name, class: 'input', ...attrs },
    options.map(([value, label]) => h('option', { value, selected: String(value) === String(selected ?? '') }, label)));
}

export function button(labelKey, attrs = {}) {
  return h('button', { type: 'button', class: 'btn', ...attrs }, t(labelKey));
}

// An error line under a form: empty until show(error) is called.
export function errorLine() {
  const el = h('div', { class: 'form-error', role: 'alert', hidden: true });
  el.show = (error) => {
    el.textContent = error ? error.message || String(error) : '';
    el.hidden = !error;
  };
  return el;
}

// Runs an async action from a form or button: disables the control meanwhile and
// puts any failure into the error line instead of losing it in the console.
export async function busy(control, errors, work) {
  control.disabled = true;
  errors?.show(null);
  try {
    return await work();
  } catch (error) {
    if (errors) errors.show(error);
    else toast(error.message, 'error');
    return undefined;
  } finally {
    control.disabled = false;
  }
}

export function toast(message, kind = 'info') {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  host.append(el);
  setTimeout(() => el.remove(), 4000);
}

// A modal dialog; build(body, close) fills it. Returns close().
export function openDialog(titleKey, build, { wide = false } = {}) {
  const dialog = h('dialog', { class: 'dialog' + (wide ? ' dialog-wide' : ''), 'aria-label': t(titleKey) });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const body = h('div', { class: 'dialog-body' });
  dialog.append(
    h('header', { class: 'dialog-head' },
      h('h2', {}, t(titleKey)),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('common.close'), onclick: close }, '×')),
    body);
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });
  document.body.append(dialog);
  build(body, close);
  dialog.showModal();
  return close;
}

export function confirmDialog(messageText, onConfirm, confirmKey = 'common.confirm') {
  openDialog('common.confirm_title', (body, close) => {
    const errors = errorLine();
    const ok = button(confirmKey, { class: 'btn btn-primary' });
    ok.addEventListener('click', () => busy(ok, errors, async () => {
      await onConfirm();
      close();
    }));
    clear(body, h('p', {}, messageText), errors,
      h('div', { class: 'actions' }, button('common.cancel', { onclick: close }), ok));
  });
}

const AVATAR_COLORS = ['#1677ff', '#13a8a8', '#fa8c16', '#722ed1', '#eb2f96', '#52c41a', '#2f54eb'];

// DingTalk shows the last two characters of a Chinese name; for Latin names, initials.
export function avatar(name, size = 'md') {
  const text = /[\u4e00-\u9fff]/.test(name)
    ? name.slice(-2)
    : name.split(/\s+/).map((w) => w[0] || '').join('').slice(0, 2).toUpperCase();
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return h('span', { class: `avatar avatar-${size}`, style: `background:${AVATAR_COLORS[hash % AVATAR_COLORS.length]}`, 'aria-hidden': 'true' }, text);
}

export function emptyState(key) {
  return h('div', { class: 'empty' }, t(key));
}

export function formatTime(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'short' });
}

export function langToggle() {
  return h('button', {
    type: 'button', class: 'lang-toggle', 'data-testid': 'lang-toggle',
    title: t('common.switch_language'),
    onclick: () => setLang(getLang() === 'en' ? 'zh-CN' : 'en'),
  }, getLang() === 'en' ? '中文' : 'English');
}
