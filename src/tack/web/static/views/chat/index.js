// 消息: the conversation list (last activity first, pinned on top, unread badges, mute),
// new 1:1 and group chats, message search, and the open conversation beside the list.
// On a phone the list and the conversation are separate screens (#/chat, #/chat/{id}).

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { go } from '../../router.js';
import { session } from '../../state.js';
import { avatar, busy, errorLine, field, input, openDialog } from '../../ui.js';
import { memberPicker } from '../admin/pickers.js';
import { openConversation } from './conversation.js';
import { openSettings } from './settings.js';
import { conversationMenu, popMenu } from './menus.js';
import { dayStart, formatClock, preview, senderName } from './render.js';
import { chat, ensureNames, nameOf, onChange, putConversation, rememberName, sortedConversations, startChat, title } from './store.js';

export async function render(main, ctx) {
  const org = session.org;
  await startChat(org);
  if (ctx.stale()) return;
  const convId = ctx.rest[0] ? Number(ctx.rest[0]) : null;
  const listPane = h('section', { class: 'chat-list', 'aria-label': t('chat.conversations') });
  const convPane = h('section', { class: 'chat-conv' });
  const root = h('div', { class: 'chat' + (convId ? ' has-conv' : '') }, listPane, convPane);
  main.classList.add('main-chat');
  clear(main, root);
  const alive = () => !ctx.stale() && root.isConnected;
  drawListPane(listPane, convId, alive);
  if (convId && ctx.rest[1] === 'settings') await openSettings(convPane, convId, { alive });
  else if (convId) await openConversation(convPane, convId, { alive, query: ctx.query });
  else clear(convPane, h('div', { class: 'empty chat-empty' }, t('chat.pick')));
}

function drawListPane(pane, activeId, alive) {
  const search = h('input', {
    type: 'search', class: 'input search', placeholder: t('chat.search_placeholder'),
    'aria-label': t('chat.search'), 'data-testid': 'chat-search',
  });
  const newButton = h('button', {
    type: 'button', class: 'btn btn-primary btn-small', 'data-testid': 'new-chat', onclick: () => newChatDialog(),
  }, '+ ', t('chat.new'));
  const list = h('ul', { class: 'list conv-list', 'data-testid': 'conversation-list' });
  const results = h('div', { class: 'search-results', 'data-testid': 'search-results', hidden: true });
  const rerun = () => searchMessages(results, search.value.trim(), filters.values());
  const filters = searchFilters(rerun);
  clear(pane, h('div', { class: 'chat-list-head' }, search, newButton), filters.element, results, list);

  const draw = () => {
    drawList(list, activeId, search.value.trim());
    filters.refresh();
  };
  onChange(draw, alive);
  draw();
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    draw();
    filters.element.hidden = !search.value.trim();
    timer = setTimeout(rerun, 250);
  });
}

// 搜索筛选: narrow message search by conversation, sender and date (days in the org's zone).
function searchFilters(onChange) {
  const conversation = h('select', { class: 'input', 'aria-label': t('chat.filter_conversation'), 'data-testid': 'filter-conversation' });
  // The choice of conversations follows the list (a chat started or renamed while searching),
  // redrawn only when it changed so that an open drop-down is left alone.
  let offered = null;
  const refresh = () => {
    const convs = sortedConversations();
    const key = JSON.stringify(convs.map((c) => [c.id, title(c)]));
    if (key === offered) return;
    offered = key;
    const chosen = conversation.value;
    clear(conversation, h('option', { value: '' }, t('chat.filter_any_conversation')),
      convs.map((c) => h('option', { value: c.id, selected: String(c.id) === chosen }, title(c))));
  };
  refresh();
  const sender = memberPicker({ single: true, label: t('chat.filter_sender') });
  const since = h('input', { type: 'date', class: 'input', 'aria-label': t('chat.filter_since'), 'data-testid': 'filter-since' });
  const until = h('input', { type: 'date', class: 'input', 'aria-label': t('chat.filter_until'), 'data-testid': 'filter-until' });
  for (const control of [conversation, since, until]) control.addEventListener('change', onChange);
  // The picker has no change event: a click inside it (choose, remove) may have changed it.
  sender.element.addEventListener('click', () => setTimeout(onChange, 0));
  const element = h('details', { class: 'search-filters', hidden: true, 'data-testid': 'search-filters' },
    h('summary', {}, t('chat.filters')),
    h('div', { class: 'filter-grid' },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('chat.filter_conversation')), conversation),
      h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('chat.filter_sender')), sender.element),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('chat.filter_since')), since),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('chat.filter_until')), until)));
  return {
    element,
    refresh,
    values: () => {
      const out = {};
      if (conversation.value) out.conversation_id = conversation.value;
      const [who] = sender.values();
      if (who) out.sender_member_id = who;
      if (since.value) out.since = dayStart(since.value);
      if (until.value) out.until = dayStart(until.value, 1);
      return out;
    },
  };
}

function drawList(list, activeId, q) {
  let convs = sortedConversations();
  if (q) convs = convs.filter((c) => title(c).toLowerCase().includes(q.toLowerCase()));
  if (!convs.length) {
    clear(list, h('li', { class: 'empty' }, t(q ? 'chat.no_match' : 'chat.no_conversations')));
    return;
  }
  clear(list, convs.map((c) => convRow(c, activeId)));
}

function convRow(c, activeId) {
  const name = title(c);
  const last = c.last_message;
  let line = preview(last);
  if (last && c.kind === 'group' && last.kind !== 'system' && !last.recalled && (last.sender_member_id || last.content?.robot)) {
    line = `${last.sender_member_id === chat.me ? t('chat.you') : senderName(last)}: ${line}`;
  }
  const badge = c.unread_count
    ? h('span', { class: 'badge' + (c.muted ? ' badge-muted' : ''), 'data-testid': 'unread-badge', 'aria-label': t('chat.unread_n', { n: c.unread_count }) },
      c.unread_count > 99 ? '99+' : String(c.unread_count))
    : null;
  const more = h('button', {
    type: 'button', class: 'icon-btn conv-more', 'aria-label': t('chat.more_actions'), 'aria-haspopup': 'menu',
    onclick: (event) => {
      event.preventDefault();
      popMenu(more, conversationMenu(c));
    },
  }, '⋯');
  return h('li', { class: 'conv-item' + (c.pinned ? ' pinned' : '') + (c.id === activeId ? ' active' : '') },
    h('a', { href: `#/chat/${c.id}`, class: 'conv-row', 'data-conv-id': c.id, 'aria-current': c.id === activeId ? 'page' : null },
      c.kind === 'group' ? h('span', { class: 'group-avatar', 'aria-hidden': 'true' }, (name || '群').slice(0, 1)) : avatar(name),
      h('span', { class: 'conv-main' },
        h('span', { class: 'conv-top' },
          h('strong', { class: 'conv-name' }, name),
          c.kind === 'group' ? h('small', { class: 'muted' }, `(${c.member_count})`) : null,
          h('small', { class: 'conv-time muted' }, last ? formatClock(c.last_message_at) : '')),
        h('span', { class: 'conv-bottom' },
          h('span', { class: 'conv-preview muted' }, line),
          c.pinned ? h('span', { class: 'conv-flag', title: t('chat.pinned_top'), 'aria-label': t('chat.pinned_top'), 'data-testid': 'pinned-flag' }, '⬆') : null,
          c.muted ? h('span', { class: 'conv-flag', title: t('chat.muted'), 'aria-label': t('chat.muted'), 'data-testid': 'muted-flag' }, '🔕') : null,
          badge))),
    more);
}

let searchSeq = 0;

async function searchMessages(box, q, filters = {}) {
  const seq = ++searchSeq;
  if (!q) {
    box.hidden = true;
    clear(box);
    return;
  }
  // One page of hits, newest first; 加载更多 asks for the page before the last hit shown.
  const fetchPage = async (beforeId) => {
    const found = await api.get(`/orgs/${chat.orgId}/messages/search`, { q, limit: 20, ...filters, before_id: beforeId });
    await ensureNames(found.items.map((hit) => hit.message.sender_member_id));
    return found;
  };
  let found;
  try {
    found = await fetchPage(null);
  } catch (error) {
    if (seq === searchSeq) {
      box.hidden = false;
      clear(box, h('div', { class: 'form-error' }, error.message));
    }
    return;
  }
  if (seq !== searchSeq) return;
  box.hidden = false;
  if (!found.items.length) {
    clear(box, h('div', { class: 'pane-title small' }, t('chat.search_messages')), h('div', { class: 'empty small' }, t('chat.no_messages_found')));
    return;
  }
  const list = h('ul', { class: 'list' });
  const more = h('button', { type: 'button', class: 'btn btn-small search-more', 'data-testid': 'search-more' }, t('common.load_more'));
  const show = (page) => {
    list.append(...page.items.map(searchHit));
    more.hidden = !page.next_before_id;
    more.onclick = () => busy(more, null, async () => {
      const next = await fetchPage(page.next_before_id);
      if (seq === searchSeq) show(next);
    });
  };
  show(found);
  clear(box, h('div', { class: 'pane-title small' }, t('chat.search_messages')), list, more);
}

function searchHit(hit) {
  const c = chat.convs.get(hit.conversation_id);
  return h('li', {}, h('a', {
    href: `#/chat/${hit.conversation_id}?seq=${hit.message.seq}`, class: 'list-row search-hit', 'data-testid': 'search-hit',
  }, h('span', { class: 'grow' },
    h('strong', {}, c ? title(c) : t('chat.conversation')),
    h('small', { class: 'muted' }, `${senderName(hit.message)}: ${preview(hit.message)}`)),
  h('small', { class: 'muted' }, formatClock(hit.message.created_at))));
}

function newChatDialog() {
  openDialog('chat.new', (body, close) => {
    const tabs = h('div', { class: 'tabs', role: 'tablist' });
    const panel = h('div', {});
    const show = (which) => {
      clear(tabs,
        h('button', { type: 'button', role: 'tab', class: 'tab' + (which === 'direct' ? ' active' : ''), 'aria-selected': String(which === 'direct'), onclick: () => show('direct') }, t('chat.new_direct')),
        h('button', { type: 'button', role: 'tab', class: 'tab' + (which === 'group' ? ' active' : ''), 'aria-selected': String(which === 'group'), onclick: () => show('group') }, t('chat.new_group')));
      if (which === 'direct') directPanel(panel, close);
      else groupPanel(panel, close);
    };
    clear(body, tabs, panel);
    show('direct');
  });
}

function directPanel(panel, close) {
  const errors = errorLine();
  const results = h('ul', { class: 'list picker-list', 'data-testid': 'direct-results' });
  const search = h('input', {
    type: 'search', class: 'input', placeholder: t('picker.search_member'), 'aria-label': t('picker.search_member'), 'data-testid': 'direct-search',
  });
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = search.value.trim();
      if (!q) return clear(results);
      const page = await api.get(`/orgs/${chat.orgId}/members`, { q, limit: 10 });
      clear(results, page.items.map((m) => h('li', {}, h('button', {
        type: 'button', class: 'list-row', 'data-member-id': m.id,
        onclick: (event) => busy(event.currentTarget, errors, async () => {
          rememberName(m.id, m.name);
          const view = await api.post(`/orgs/${chat.orgId}/conversations/direct`, { member_id: m.id });
          putConversation(view);
          close();
          go(`chat/${view.id}`);
        }),
      }, avatar(m.name), h('span', { class: 'grow' }, h('strong', {}, m.name), h('small', { class: 'muted' }, m.job_title || ''))))));
      return undefined;
    }, 200);
  });
  clear(panel, h('div', { class: 'form' }, search, results, errors));
  search.focus();
}

function groupPanel(panel, close) {
  const errors = errorLine();
  const name = input('name', { maxlength: 64, 'data-testid': 'group-name' });
  const picker = memberPicker({ label: t('chat.group_members') });
  const create = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'create-group' }, t('chat.create_group'));
  const form = h('form', {
    class: 'form',
    onsubmit: (event) => {
      event.preventDefault();
      busy(create, errors, async () => {
        const view = await api.post(`/orgs/${chat.orgId}/conversations`, { name: name.value.trim(), member_ids: picker.values() });
        putConversation(view);
        close();
        go(`chat/${view.id}`);
      });
    },
  }, field('chat.group_name', name), h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('chat.group_members')), picker.element),
  errors, h('div', { class: 'actions' }, create));
  clear(panel, form);
}
