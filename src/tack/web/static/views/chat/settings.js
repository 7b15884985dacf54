// 聊天设置 / 群设置 (#/chat/{id}/settings): a group's name, notice (群公告), members with their
// roles (add, remove, make or drop admins, hand the group over), 全员禁言, and for everyone
// pin to top, mute, the pinned messages, leave and (owner) dissolve. It follows the live
// events of the conversation, so a change made elsewhere shows up without a reload.

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { go } from '../../router.js';
import { avatar, busy, confirmDialog, errorLine, openDialog, toast } from '../../ui.js';
import { memberPicker } from '../admin/pickers.js';
import { popMenu } from './menus.js';
import { formatClock, preview } from './render.js';
import { chat, ensureNames, nameOf, onChange, onRealtime, putConversation, rememberName, title } from './store.js';

const ROLE_KEYS = { owner: 'chat.role_owner', admin: 'chat.role_admin' };

export async function openSettings(pane, convId, { alive }) {
  let conv = chat.convs.get(convId);
  try {
    conv = putConversation(await api.get(`/orgs/${chat.orgId}/conversations/${convId}`));
  } catch (error) {
    clear(pane, h('div', { class: 'empty' }, error.status === 404 ? t('chat.not_found') : error.message,
      h('p', {}, h('a', { href: '#/chat', class: 'btn' }, t('common.back')))));
    return;
  }
  if (!alive()) return;
  const view = new SettingsView(pane, conv, alive);
  await view.start();
}

class SettingsView {
  constructor(pane, conv, alive) {
    this.pane = pane;
    this.conv = conv;
    this.alive = alive;
    this.base = `/orgs/${chat.orgId}/conversations/${conv.id}`;
    this.members = [];
    this.pins = [];
    this.body = h('div', { class: 'settings-body', 'data-testid': 'conv-settings-page' });
    this.titleEl = h('h2', { class: 'conv-title' });
    clear(pane,
      h('header', { class: 'conv-head' },
        h('a', { href: `#/chat/${conv.id}`, class: 'icon-btn settings-back', 'aria-label': t('common.back'), 'data-testid': 'settings-back' }, '‹'),
        this.titleEl),
      this.body);
  }

  async start() {
    onChange(() => this.draw(), this.alive);
    onRealtime((item) => this.onRealtime(item), this.alive);
    await this.reload();
  }

  async reload() {
    const c = chat.convs.get(this.conv.id) || this.conv;
    const [members, pins] = await Promise.all([
      c.kind === 'group' ? this.loadMembers() : Promise.resolve([]),
      api.get(this.base + '/pins').catch(() => []),
    ]);
    this.members = members;
    this.pins = pins;
    await ensureNames(pins.map((m) => m.sender_member_id));
    if (this.alive()) this.draw();
  }

  async loadMembers() {
    const out = [];
    let offset = 0;
    for (let i = 0; i < 100 && offset !== null; i += 1) {
      const page = await api.get(this.base + '/members', { offset, limit: 100 });
      for (const m of page.items) rememberName(m.member_id, m.name);
      out.push(...page.items);
      offset = page.next_offset;
    }
    return out;
  }

  onRealtime(item) {
    if (item.kind !== 'event') return;
    const { event } = item;
    const data = event.data || {};
    const id = this.conv.id;
    if (event.type === 'conversation' && event.op === 'remove' && data.removed.conversation_id === id) {
      toast(t('chat.removed'));
      go('chat');
    } else if ((event.type === 'conversation' && data.conversation?.id === id)
      || (event.type === 'conversation_member' && data.change.conversation_id === id)
      || (event.type === 'message' && event.op === 'update' && data.message.conversation_id === id)) {
      this.reload();
    }
  }

  // --- drawing -------------------------------------------------------------------------

  // Each section is drawn again only when what it shows changed, so a message arriving
  // elsewhere never wipes a name or notice being typed.
  draw() {
    const c = chat.convs.get(this.conv.id) || this.conv;
    this.conv = c;
    const group = c.kind === 'group';
    this.titleEl.textContent = t(group ? 'chat.group_settings' : 'chat.chat_settings');
    document.title = `${title(c)} · Tack`;
    const state = [c.my_role, c.dissolved, c.managed];
    const sections = [
      // Name, notice and 全员禁言 are separate, so saving one never redraws another being edited.
      ['info', [title(c), ...state], () => (group ? this.groupInfo(c) : this.peerInfo(c))],
      ['notice', [c.notice, ...state], () => (group ? this.noticeSection(c) : null)],
      ['mute_all', [c.mute_all, ...state], () => (group && this.isAdmin(c) ? this.muteAllSection(c) : null)],
      ['members', [this.members, c.member_count, ...state], () => (group ? this.memberSection(c) : null)],
      ['mine', [c.muted, c.pinned], () => this.mySettings(c)],
      ['pins', this.pins.map((m) => [m.id, m.recalled]), () => this.pinSection()],
      ['danger', state, () => (group ? this.dangerSection(c) : null)],
    ];
    this.drawn ||= new Map();
    if (!this.body.childElementCount) {
      for (const [name] of sections) this.body.append(h('div', { class: 'settings-slot', 'data-slot': name }));
    }
    for (const [name, signature, build] of sections) {
      const key = JSON.stringify(signature);
      if (this.drawn.get(name) === key) continue;
      this.drawn.set(name, key);
      clear(this.body.querySelector(`[data-slot="${name}"]`), build());
    }
  }

  isAdmin(c) {
    return c.kind === 'group' && ['owner', 'admin'].includes(c.my_role) && !c.dissolved;
  }

  // A 1:1 shows the other person (with a way to their profile); other kinds (工作通知) their title.
  peerInfo(c) {
    const name = c.kind === 'direct' ? c.peer_name || title(c) : title(c);
    return h('section', { class: 'settings-section' },
      h('div', { class: 'list-row' }, avatar(name), h('strong', { class: 'grow' }, name),
        c.kind === 'direct' ? h('a', { class: 'btn btn-small', href: `#/directory?q=${encodeURIComponent(name)}` }, t('chat.view_profile')) : null));
  }

  groupInfo(c) {
    const admin = this.isAdmin(c);
    const errors = errorLine();
    const managedNote = c.managed ? h('p', { class: 'muted small' }, t(c.managed === 'department' ? 'chat.managed_department' : 'chat.managed_all_staff')) : null;
    const dissolvedNote = c.dissolved ? h('p', { class: 'tag tag-danger', 'data-testid': 'dissolved-note' }, t('chat.dissolved')) : null;
    let nameRow;
    if (admin && !c.managed) {
      const input = h('input', { class: 'input', maxlength: 64, value: c.name, 'aria-label': t('chat.group_name'), 'data-testid': 'group-rename' });
      const save = h('button', { type: 'submit', class: 'btn btn-small', 'data-testid': 'group-rename-save' }, t('common.save'));
      nameRow = h('form', {
        class: 'settings-row',
        onsubmit: (event) => {
          event.preventDefault();
          busy(save, errors, async () => {
            putConversation(await api.patch(this.base, { name: input.value.trim() }));
            toast(t('common.saved'));
          });
        },
      }, h('span', { class: 'settings-label' }, t('chat.group_name')), input, save);
    } else {
      nameRow = h('div', { class: 'settings-row' }, h('span', { class: 'settings-label' }, t('chat.group_name')),
        h('strong', { 'data-testid': 'group-name-shown' }, title(c)));
    }
    return h('section', { class: 'settings-section' }, dissolvedNote, managedNote, nameRow, errors);
  }

  noticeSection(c) {
    const errors = errorLine();
    if (!this.isAdmin(c)) {
      return h('section', { class: 'settings-section settings-col' }, h('span', { class: 'settings-label' }, t('chat.notice')),
        h('p', { class: 'notice-text', 'data-testid': 'group-notice-shown' }, c.notice || t('chat.no_notice')));
    }
    const area = h('textarea', { class: 'input', rows: 3, maxlength: 2000, 'aria-label': t('chat.notice'), 'data-testid': 'group-notice' });
    area.value = c.notice || '';
    const save = h('button', { type: 'submit', class: 'btn btn-small', 'data-testid': 'group-notice-save' }, t('chat.publish_notice'));
    return h('section', { class: 'settings-section' }, h('form', {
      class: 'settings-col',
      onsubmit: (event) => {
        event.preventDefault();
        busy(save, errors, async () => {
          putConversation(await api.patch(this.base, { notice: area.value }));
          toast(t('common.saved'));
        });
      },
    }, h('span', { class: 'settings-label' }, t('chat.notice')), area, errors, h('div', { class: 'actions' }, save)));
  }

  muteAllSection(c) {
    const errors = errorLine();
    return h('section', { class: 'settings-section' }, h('label', { class: 'check settings-row' },
      h('input', {
        type: 'checkbox', checked: c.mute_all, 'data-testid': 'mute-all',
        onchange: (event) => busy(event.currentTarget, errors, async () => {
          putConversation(await api.patch(this.base, { mute_all: event.currentTarget.checked }));
        }),
      }), h('span', {}, t('chat.mute_all'), ' ', h('small', { class: 'muted' }, t('chat.mute_all_hint')))), errors);
  }

  memberSection(c) {
    const mayAdd = !c.managed && !c.dissolved;
    const add = mayAdd ? h('button', {
      type: 'button', class: 'btn btn-small', 'data-testid': 'add-members', onclick: () => this.addMembersDialog(),
    }, '+ ', t('chat.add_members')) : null;
    const rows = this.members.map((m) => {
      const menu = this.memberMenu(c, m);
      const more = menu.length ? h('button', {
        type: 'button', class: 'icon-btn', 'aria-label': t('chat.member_actions', { name: m.name }), 'aria-haspopup': 'menu',
        onclick: (event) => popMenu(event.currentTarget, menu),
      }, '⋯') : null;
      return h('li', { class: 'list-row member-row', 'data-member-id': m.member_id, 'data-testid': 'group-member' },
        avatar(m.name), h('span', { class: 'grow' }, m.member_id === chat.me ? `${m.name} (${t('chat.you')})` : m.name),
        ROLE_KEYS[m.role] ? h('span', { class: 'tag', 'data-testid': 'member-role' }, t(ROLE_KEYS[m.role])) : null,
        more);
    });
    return h('section', { class: 'settings-section' },
      h('div', { class: 'settings-row' }, h('strong', { class: 'grow' }, t('chat.members_n', { n: c.member_count })), add),
      h('ul', { class: 'list member-list', 'data-testid': 'group-members' }, rows));
  }

  memberMenu(c, m) {
    if (c.dissolved || m.member_id === chat.me || m.role === 'owner') return [];
    const items = [];
    const owner = c.my_role === 'owner';
    if (owner) {
      items.push([m.role === 'admin' ? 'chat.unset_admin' : 'chat.set_admin', async () => {
        putConversation(await api.put(`${this.base}/members/${m.member_id}/role`, { role: m.role === 'admin' ? 'member' : 'admin' }));
        await this.reload();
      }]);
      items.push(['chat.transfer_owner', () => confirmDialog(t('chat.transfer_confirm', { name: m.name }), async () => {
        putConversation(await api.post(`${this.base}/transfer`, { member_id: m.member_id }));
        await this.reload();
      })]);
    }
    if (!c.managed && (owner || (c.my_role === 'admin' && m.role === 'member'))) {
      items.push(['chat.remove_member', () => confirmDialog(t('chat.remove_confirm', { name: m.name }), async () => {
        await api.del(`${this.base}/members/${m.member_id}`);
        await this.reload();
      })]);
    }
    return items;
  }

  addMembersDialog() {
    openDialog('chat.add_members', (body, close) => {
      const errors = errorLine();
      const picker = memberPicker({ label: t('chat.add_members') });
      const ok = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'add-members-confirm' }, t('common.confirm'));
      clear(body, h('form', {
        class: 'form',
        onsubmit: (event) => {
          event.preventDefault();
          const ids = picker.values();
          if (!ids.length) return close();
          return busy(ok, errors, async () => {
            putConversation(await api.post(this.base + '/members', { member_ids: ids }));
            close();
            await this.reload();
          });
        },
      }, picker.element, errors, h('div', { class: 'actions' }, ok)));
    });
  }

  mySettings(c) {
    const toggle = (key, labelKey, testid) => h('label', { class: 'check settings-row' },
      h('input', {
        type: 'checkbox', checked: c[key], 'data-testid': testid,
        onchange: async (event) => {
          const box = event.currentTarget;
          try {
            const s = await api.put(this.base + '/settings', { [key]: box.checked });
            const current = chat.convs.get(c.id);
            if (current) putConversation(Object.assign(current, { muted: s.muted, pinned: s.pinned }));
          } catch (error) {
            box.checked = !box.checked;
            toast(error.message, 'error');
          }
        },
      }), h('span', {}, t(labelKey)));
    return h('section', { class: 'settings-section' },
      toggle('pinned', 'chat.pin_top', 'setting-pinned'), toggle('muted', 'chat.mute', 'setting-muted'));
  }

  pinSection() {
    return h('section', { class: 'settings-section' },
      h('strong', {}, t('chat.pinned_messages')),
      this.pins.length
        ? h('ul', { class: 'list', 'data-testid': 'settings-pins' }, this.pins.map((msg) => h('li', {},
          h('a', { class: 'list-row', href: `#/chat/${this.conv.id}?seq=${msg.seq}` },
            h('span', { class: 'grow' }, h('strong', {}, nameOf(msg.sender_member_id)), h('small', { class: 'muted' }, preview(msg))),
            h('small', { class: 'muted' }, formatClock(msg.created_at))))))
        : h('p', { class: 'muted small' }, t('chat.no_pins')));
  }

  dangerSection(c) {
    const buttons = [];
    const ownerOpen = c.my_role === 'owner' && !c.dissolved;
    if (!c.managed && !ownerOpen) {
      buttons.push(h('button', {
        type: 'button', class: 'btn btn-danger', 'data-testid': 'leave-group',
        onclick: () => confirmDialog(t('chat.leave_confirm'), async () => {
          await api.post(this.base + '/leave');
          chat.convs.delete(c.id);
          go('chat');
        }, 'chat.leave'),
      }, t('chat.leave')));
    }
    if (ownerOpen) {
      buttons.push(h('button', {
        type: 'button', class: 'btn btn-danger', 'data-testid': 'dissolve-group',
        onclick: () => confirmDialog(t('chat.dissolve_confirm'), async () => {
          putConversation(await api.post(this.base + '/dissolve'));
        }, 'chat.dissolve'),
      }, t('chat.dissolve')));
      if (!c.managed) buttons.push(h('p', { class: 'muted small' }, t('chat.owner_leave_hint')));
    }
    return buttons.length ? h('section', { class: 'settings-section settings-danger' }, buttons) : null;
  }
}
