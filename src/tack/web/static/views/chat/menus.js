// Small menus of the chat screens: a popover under a button, and a conversation's
// own settings (pin to top, mute).

import { api } from '../../api.js';
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { toast } from '../../ui.js';
import { openRobots } from './robots.js';
import { chat, putConversation } from './store.js';

export function conversationMenu(c) {
  const settings = (change) => api.put(`/orgs/${chat.orgId}/conversations/${c.id}/settings`, change).then((s) => {
    const current = chat.convs.get(c.id);
    if (current) putConversation(Object.assign(current, { muted: s.muted, pinned: s.pinned }));
  });
  const items = [
    [c.pinned ? 'chat.unpin_top' : 'chat.pin_top', () => settings({ pinned: !c.pinned })],
    [c.muted ? 'chat.unmute' : 'chat.mute', () => settings({ muted: !c.muted })],
  ];
  // 群机器人: the group's owner and admins manage its custom robots.
  if (c.kind === 'group' && !c.dissolved && ['owner', 'admin'].includes(c.my_role)) items.push(['robots.title', () => openRobots(c)]);
  return items;
}

// A small menu under `anchor`: [[labelKey, action], ...]; closes on a choice or outside click.
export function popMenu(anchor, items) {
  document.querySelector('.pop-menu')?.remove();
  const menu = h('div', { class: 'pop-menu', role: 'menu' }, items.map(([key, action]) => h('button', {
    type: 'button', role: 'menuitem', class: 'pop-item',
    onclick: async () => {
      menu.remove();
      try {
        await action();
      } catch (error) {
        toast(error.message, 'error');
      }
    },
  }, t(key))));
  document.body.append(menu);
  const box = anchor.getBoundingClientRect();
  const width = menu.offsetWidth;
  menu.style.top = `${Math.min(box.bottom + 4, window.innerHeight - menu.offsetHeight - 8)}px`;
  menu.style.left = `${Math.max(8, Math.min(box.right - width, window.innerWidth - width - 8))}px`;
  const away = (event) => {
    if (!menu.contains(event.target) && event.target !== anchor) {
      menu.remove();
      document.removeEventListener('pointerdown', away, true);
    }
  };
  setTimeout(() => document.addEventListener('pointerdown', away, true));
  menu.querySelector('button')?.focus();
}
