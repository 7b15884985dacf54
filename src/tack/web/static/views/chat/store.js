// What the chat screens know, kept current by the realtime connection: the conversations
// (from the register snapshot, then events), member names, and the total unread count
// shown on the 消息 navigation entry. It outlives a single render, so moving between
// conversations does not refetch the list.

import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { realtimeFor } from '../../realtime.js';
import { session } from '../../state.js';

export const chat = {
  orgId: null,
  me: null, // my member id in this organization
  convs: new Map(), // id → ConversationView
  names: new Map(), // member id → name
  client: null,
  ready: null,
};

const changeListeners = new Set();
const realtimeListeners = new Set();
let unlisten = null;
let notifyQueued = false;

// Listeners stay while alive() is true (the view that added them is still on screen).
export function onChange(fn, alive) {
  const entry = () => (alive() ? fn() : changeListeners.delete(entry));
  changeListeners.add(entry);
}

export function onRealtime(fn, alive) {
  const entry = (item) => (alive() ? fn(item) : realtimeListeners.delete(entry));
  realtimeListeners.add(entry);
}

export function notify() {
  if (notifyQueued) return;
  notifyQueued = true;
  queueMicrotask(() => {
    notifyQueued = false;
    for (const fn of [...changeListeners]) fn();
    drawNavBadge();
  });
}

export function startChat(org) {
  if (chat.orgId === org.id && chat.client && !chat.client.stopped) return chat.ready;
  unlisten?.();
  chat.orgId = org.id;
  chat.me = org.my_member_id;
  chat.convs = new Map();
  chat.names = new Map();
  if (session.me) chat.names.set(chat.me, session.me.name);
  const client = realtimeFor(org.id);
  chat.client = client;
  let resolve;
  chat.ready = new Promise((r) => { resolve = r; });
  unlisten = client.listen((item) => {
    if (item.kind === 'snapshot') {
      applySnapshot(item.snapshot);
      resolve();
    } else applyEvent(item.event);
    for (const fn of [...realtimeListeners]) fn(item);
  });
  if (client.snapshot) {
    applySnapshot(client.snapshot);
    resolve();
  }
  return chat.ready;
}

function applySnapshot(snapshot) {
  chat.convs = new Map(snapshot.conversations.map((c) => [c.id, c]));
  for (const c of snapshot.conversations) if (c.peer_member_id && c.peer_name) chat.names.set(c.peer_member_id, c.peer_name);
  notify();
  namesForList();
}

function recount(c) {
  c.unread_count = Math.max(0, c.last_seq - c.last_read_seq);
}

function roleIn(c) {
  if (c.owner_member_id === chat.me) return 'owner';
  return (c.admin_member_ids || []).includes(chat.me) ? 'admin' : 'member';
}

export function putConversation(view) {
  const known = chat.convs.get(view.id);
  // Shared updates (events) carry no peer; keep the one the full view brought.
  if (known && view.peer_name === undefined) Object.assign(view, { peer_member_id: known.peer_member_id, peer_name: known.peer_name });
  if (view.peer_member_id && view.peer_name) chat.names.set(view.peer_member_id, view.peer_name);
  chat.convs.set(view.id, view);
  notify();
  namesForList();
  return view;
}

async function fetchConversation(id) {
  try {
    putConversation(await api.get(`/orgs/${chat.orgId}/conversations/${id}`));
  } catch {
    /* gone again, or not ours: nothing to show */
  }
}

function applyEvent(event) {
  const data = event.data || {};
  if (event.type === 'message') {
    const msg = data.message;
    const c = chat.convs.get(msg.conversation_id);
    if (!c) return fetchConversation(msg.conversation_id);
    if (event.op === 'add' && msg.seq >= c.last_seq) {
      c.last_seq = msg.seq;
      c.last_message = msg;
      c.last_message_at = msg.created_at;
      if (msg.sender_member_id === chat.me) c.last_read_seq = Math.max(c.last_read_seq, msg.seq);
      recount(c);
    } else if (event.op === 'update' && c.last_message?.id === msg.id) {
      c.last_message = msg;
    }
    notify();
  } else if (event.type === 'read') {
    const { pointer } = data;
    const c = chat.convs.get(pointer.conversation_id);
    if (c && pointer.member_id === chat.me) {
      c.last_read_seq = Math.max(c.last_read_seq, pointer.last_read_seq);
      recount(c);
      notify();
    }
  } else if (event.type === 'conversation') {
    if (event.op === 'remove') {
      chat.convs.delete(data.removed.conversation_id);
      notify();
      return undefined;
    }
    const shared = data.conversation;
    const c = chat.convs.get(shared.id);
    if (!c || event.op === 'add') return fetchConversation(shared.id);
    Object.assign(c, shared);
    c.my_role = roleIn(c);
    recount(c);
    notify();
  } else if (event.type === 'conversation_settings') {
    const c = chat.convs.get(data.settings.conversation_id);
    if (c) {
      c.muted = data.settings.muted;
      c.pinned = data.settings.pinned;
      notify();
    }
  }
  return undefined;
}

// Pinned to top first, then by last activity.
export function sortedConversations() {
  return [...chat.convs.values()].sort((a, b) => (Number(b.pinned) - Number(a.pinned))
    || (b.last_message_at || '').localeCompare(a.last_message_at || '') || b.id - a.id);
}

export function peerOf(c) {
  return c.peer_member_id ?? c.direct_member_ids.find((id) => id !== chat.me) ?? chat.me;
}

export function title(c) {
  if (c.kind === 'direct') return c.peer_name || nameOf(peerOf(c));
  return c.name || t('chat.group_default', { n: c.member_count });
}

export function nameOf(memberId) {
  if (memberId === null || memberId === undefined) return '';
  return chat.names.get(memberId) || `#${memberId}`;
}

export function rememberName(id, name) {
  chat.names.set(id, name);
}

const inFlight = new Map();

// Looks up names not known yet (one request per member, shared by concurrent callers).
export async function ensureNames(ids) {
  const missing = [...new Set(ids)].filter((id) => id !== null && id !== undefined && !chat.names.has(id));
  await Promise.all(missing.map((id) => {
    if (!inFlight.has(id)) {
      inFlight.set(id, api.get(`/orgs/${chat.orgId}/members/${id}`)
        .then((m) => chat.names.set(id, m.name))
        .catch(() => chat.names.set(id, `#${id}`))
        .finally(() => inFlight.delete(id)));
    }
    return inFlight.get(id);
  }));
  return missing.length > 0;
}

function namesForList() {
  const ids = [];
  for (const c of chat.convs.values()) {
    // 1:1 peers come named in the view; only group senders of the last line are looked up.
    if (c.kind === 'group' && c.last_message?.sender_member_id) ids.push(c.last_message.sender_member_id);
  }
  ensureNames(ids).then((fetched) => fetched && notify());
}

export function totalUnread() {
  let n = 0;
  for (const c of chat.convs.values()) if (!c.muted) n += c.unread_count;
  return n;
}

// Called by the shell on every screen (background.js): the 消息 badge is right at page load
// and stays live while the person works elsewhere, and after the shell is drawn again.
export function bootChat(org) {
  const ready = startChat(org);
  drawNavBadge();
  return ready;
}

function drawNavBadge() {
  const n = totalUnread();
  for (const link of document.querySelectorAll('.nav-link[data-nav="chat"]')) {
    let badge = link.querySelector('.nav-badge');
    if (!n) {
      badge?.remove();
      continue;
    }
    if (!badge) {
      badge = document.createElement('span');
      badge.className = 'nav-badge';
      link.append(badge);
    }
    badge.textContent = n > 99 ? '99+' : String(n);
  }
}
