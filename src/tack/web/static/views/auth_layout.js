// The frame shared by the signed-out screens: brand, a card, the language toggle.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { langToggle } from '../ui.js';

export function authCard(titleKey, ...content) {
  return h('div', { class: 'auth' },
    h('div', { class: 'auth-top' }, h('span', { class: 'brand brand-lg' }, 'Tack'), langToggle()),
    h('section', { class: 'card auth-card' },
      h('h1', {}, t(titleKey)),
      h('p', { class: 'muted' }, t('auth.tagline')),
      ...content));
}
