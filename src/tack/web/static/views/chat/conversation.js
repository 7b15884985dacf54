// One conversation: history with scroll-back, live messages from the realtime connection,
// sending with a client message id (pending → confirmed, retry-safe), reply, recall, pin,
// @-completion, "N人未读" under one's own messages with the who-has-read panel, and
// advancing the read pointer as messages come into view.

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { go } from '../../router.js';
import { avatar, busy, errorLine, openDialog, toast } from '../../ui.js';
import { unreadActions } from './hooks.js';
import { conversationMenu, popMenu } from './menus.js';
import { content, formatClock, formatSize, isRobot, preview, quote, recalledText, senderName, systemIds, systemText } from './render.js';
import {
  chat, ensureNames, nameOf, notify, onChange, onRealtime, putConversation, rememberName, sortedConversations, title,
} from './store.js';

const PAGE = 30;
const RECALL_MS = 24 * 3600 * 1000;

function newClientMsgId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return 'web-' + [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function openConversation(pane, convId, { alive, query }) {
  let conv = chat.convs.get(convId);
  if (!conv) {
    try {
      conv = putConversation(await api.get(`/orgs/${chat.orgId}/conversations/${convId}`));
    } catch (error) {
      clear(pane, h('div', { class: 'empty' }, error.status === 404 ? t('chat.not_found') : error.message,
        h('p', {}, h('a', { href: '#/chat', class: 'btn' }, t('common.back')))));
      return;
    }
  }
  if (conv.kind === 'direct') await ensureNames(conv.direct_member_ids);
  if (!alive()) return;
  const view = new ConversationView(pane, conv, alive);
  await view.start(query);
}

class ConversationView {
  constructor(pane, conv, alive) {
    this.pane = pane;
    this.conv = conv;
    this.alive = alive;
    this.base = `/orgs/${chat.orgId}/conversations/${conv.id}`;
    this.msgs = new Map(); // seq → MessageRead
    this.els = new Map(); // seq → element
    this.pending = new Map(); // client_msg_id → {body, msg, el, status, error}
    this.members = new Map(); // member id → {name, role, last_read_seq}
    this.membersComplete = false;
    this.oldest = null;
    this.newest = 0;
    this.hasMore = false;
    this.loadingOlder = false;
    this.replyTo = null;
    this.mentionNames = new Map(); // name → member id chosen through @-completion
    this.mentionAll = false;
    this.maxSeen = 0;
    this.marking = false;
    this.receiptPanel = null;
    this.build();
  }

  build() {
    const c = this.conv;
    this.titleEl = h('h2', { class: 'conv-title', 'data-testid': 'conversation-title' });
    this.pinsButton = h('button', { type: 'button', class: 'btn btn-small', hidden: true, 'data-testid': 'pins', onclick: () => this.showPins() });
    const more = h('button', {
      type: 'button', class: 'icon-btn', 'aria-label': t('chat.more_actions'), 'aria-haspopup': 'menu',
      onclick: () => popMenu(more, conversationMenu(chat.convs.get(c.id) || c)),
    }, '⋯');
    this.list = h('ol', { class: 'msg-list', 'data-testid': 'messages', 'aria-live': 'polite' });
    this.top = h('div', { class: 'msg-top muted small', 'data-testid': 'history-top' });
    this.scroller = h('div', { class: 'msg-scroll', 'data-testid': 'message-scroller' }, this.top, this.list);
    this.newBelow = h('button', { type: 'button', class: 'new-below', hidden: true, onclick: () => this.scrollToBottom() }, t('chat.new_below'));
    this.replyBar = h('div', { class: 'reply-bar', hidden: true, 'data-testid': 'reply-bar' });
    this.mentionPop = h('ul', { class: 'mention-pop', role: 'listbox', hidden: true, 'data-testid': 'mention-list', 'aria-label': t('chat.mention') });
    this.input = h('textarea', {
      class: 'input composer-input', rows: 1, maxlength: 5000, placeholder: t('chat.input_placeholder'),
      'aria-label': t('chat.input'), 'data-testid': 'composer',
    });
    const send = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'send', onclick: () => this.send() }, t('chat.send'));
    this.fileInput = h('input', {
      type: 'file', multiple: true, hidden: true, 'data-testid': 'file-input',
      onchange: () => {
        for (const file of this.fileInput.files) this.sendFile(file);
        this.fileInput.value = '';
      },
    });
    const attach = h('button', {
      type: 'button', class: 'icon-btn attach', 'aria-label': t('chat.attach'), title: t('chat.attach'),
      onclick: () => this.fileInput.click(),
    }, '📎');
    this.muteNote = h('div', { class: 'muted small mute-note', hidden: true }, t('chat.muted_all_note'));
    // 群公告 stays above the messages, as DingTalk shows it on entering the group.
    this.noticeBar = h('a', { class: 'notice-bar', hidden: true, href: `#/chat/${c.id}/settings`, 'data-testid': 'notice-bar' });
    const settings = h('a', {
      href: `#/chat/${c.id}/settings`, class: 'icon-btn conv-settings', 'data-testid': 'conv-settings',
      'aria-label': t(c.kind === 'group' ? 'chat.group_settings' : 'chat.chat_settings'),
      title: t(c.kind === 'group' ? 'chat.group_settings' : 'chat.chat_settings'),
    }, '⚙');
    clear(this.pane,
      h('header', { class: 'conv-head' },
        h('a', { href: '#/chat', class: 'icon-btn conv-back', 'aria-label': t('common.back') }, '‹'),
        this.titleEl, this.pinsButton, settings, more),
      this.noticeBar, this.scroller, this.newBelow,
      h('footer', { class: 'composer' }, this.replyBar, this.muteNote, this.mentionPop,
        h('div', { class: 'composer-row' }, attach, this.fileInput, this.input, send)));
    // Images pasted or dropped into the composer are sent like chosen files.
    this.input.addEventListener('paste', (event) => {
      const files = [...(event.clipboardData?.files || [])];
      if (!files.length) return;
      event.preventDefault();
      files.forEach((file) => this.sendFile(file));
    });
    this.pane.addEventListener('dragover', (event) => event.preventDefault());
    this.pane.addEventListener('drop', (event) => {
      const files = [...(event.dataTransfer?.files || [])];
      if (!files.length) return;
      event.preventDefault();
      files.forEach((file) => this.sendFile(file));
    });
    this.drawHead();

    this.scroller.addEventListener('scroll', () => {
      if (this.scroller.scrollTop < 80) this.loadOlder();
      if (this.atBottom()) this.newBelow.hidden = true;
    });
    this.input.addEventListener('keydown', (event) => this.onKey(event));
    this.input.addEventListener('input', () => {
      this.autosize();
      this.complete();
    });
    this.input.addEventListener('blur', () => setTimeout(() => { this.mentionPop.hidden = true; }, 150));
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) this.maxSeen = Math.max(this.maxSeen, Number(entry.target.dataset.seq));
      }
      this.markRead();
    }, { root: this.scroller, threshold: 0.1 });
    this.onVisible = () => {
      if (!this.alive()) return document.removeEventListener('visibilitychange', this.onVisible);
      return this.markRead();
    };
    document.addEventListener('visibilitychange', this.onVisible);
    this.onOnline = () => {
      if (!this.alive()) return window.removeEventListener('online', this.onOnline);
      for (const entry of this.pending.values()) if (entry.status === 'failed' && entry.network) this.post(entry);
      return undefined;
    };
    window.addEventListener('online', this.onOnline);
  }

  drawHead() {
    const c = chat.convs.get(this.conv.id) || this.conv;
    this.conv = c;
    clear(this.titleEl, title(c), c.kind === 'group' ? h('small', { class: 'muted' }, ` (${c.member_count})`) : null,
      c.muted ? h('span', { class: 'conv-flag', title: t('chat.muted') }, ' 🔕') : null);
    const silenced = c.dissolved || (c.mute_all && c.my_role === 'member');
    this.muteNote.hidden = !silenced;
    this.muteNote.textContent = t(c.dissolved ? 'chat.dissolved' : 'chat.muted_all_note');
    this.input.disabled = silenced;
    this.noticeBar.hidden = !c.notice;
    clear(this.noticeBar, h('strong', {}, t('chat.notice'), ': '), c.notice || '');
    document.title = `${title(c)} · Tack`;
  }

  async start(query) {
    onRealtime((item) => this.onRealtime(item), this.alive);
    onChange(() => this.drawHead(), this.alive);
    await Promise.all([this.loadLatest(), this.loadMembers(), this.loadPins()]);
    if (!this.alive()) return;
    const target = Number(query?.seq);
    if (target) await this.jumpTo(target);
    else this.scrollToBottom();
    this.fillUp();
    this.input.focus();
  }

  // --- loading -------------------------------------------------------------------------

  async loadLatest() {
    const page = await api.get(this.base + '/messages', { limit: PAGE });
    await this.namesFor(page.items);
    this.hasMore = page.has_more;
    for (const msg of page.items) this.put(msg);
    this.drawTop();
  }

  async loadOlder() {
    if (this.loadingOlder || !this.hasMore || this.oldest === null) return;
    this.loadingOlder = true;
    this.drawTop();
    let loaded = false;
    try {
      const page = await api.get(this.base + '/messages', { before_seq: this.oldest, limit: PAGE });
      await this.namesFor(page.items);
      const before = this.scroller.scrollHeight;
      const top = this.scroller.scrollTop;
      for (const msg of page.items) this.put(msg);
      this.hasMore = page.has_more;
      this.scroller.scrollTop = top + this.scroller.scrollHeight - before;
      loaded = true;
    } catch (error) {
      toast(error.message, 'error');
    } finally {
      this.loadingOlder = false;
      this.drawTop();
    }
    if (loaded) this.fillUp();
  }

  // A window taller than the messages loaded has no scrollbar, so no scrolling up to load
  // older ones: load them until it has one or the history begins.
  fillUp() {
    if (this.alive() && this.hasMore && this.scroller.scrollHeight <= this.scroller.clientHeight) this.loadOlder();
  }

  drawTop() {
    this.top.textContent = this.loadingOlder ? t('common.loading') : (this.hasMore ? '' : t('chat.beginning'));
  }

  // Everything after the newest message we hold (after a re-registration or a gap).
  async catchUp() {
    let after = this.newest;
    for (let i = 0; i < 20; i += 1) {
      const page = await api.get(this.base + '/messages', { after_seq: after, limit: 100 });
      await this.namesFor(page.items);
      for (const msg of page.items) this.put(msg, { live: true });
      if (!page.has_more || !page.items.length) break;
      after = page.items[page.items.length - 1].seq;
    }
  }

  async loadMembers() {
    this.members.clear();
    let offset = 0;
    for (let i = 0; i < 10 && offset !== null; i += 1) {
      const page = await api.get(this.base + '/members', { offset, limit: 100 });
      for (const m of page.items) {
        this.members.set(m.member_id, m);
        rememberName(m.member_id, m.name);
      }
      offset = page.next_offset;
    }
    this.membersComplete = offset === null;
  }

  async loadPins() {
    try {
      this.pins = await api.get(this.base + '/pins');
    } catch {
      this.pins = [];
    }
    this.pinsButton.hidden = !this.pins.length;
    this.pinsButton.textContent = t('chat.pinned_n', { n: this.pins.length });
  }

  async namesFor(items) {
    const ids = [];
    for (const m of items) {
      ids.push(m.sender_member_id, m.reply_to?.sender_member_id, m.content?.forwarded_from?.sender_member_id, ...(m.mention_member_ids || []));
      if (m.kind === 'system') ids.push(...systemIds(m));
    }
    await ensureNames(ids.filter((x) => x));
  }

  // --- the list of messages ------------------------------------------------------------

  put(msg, { live = false } = {}) {
    const old = this.msgs.get(msg.seq);
    if (msg.unread_count === null || msg.unread_count === undefined) {
      if (old && old.unread_count !== null && old.unread_count !== undefined) msg.unread_count = old.unread_count;
      else if (msg.sender_member_id === chat.me) msg.unread_count = live ? Math.max(0, this.conv.member_count - 1) : null;
    }
    this.msgs.set(msg.seq, msg);
    const el = this.messageEl(msg);
    if (old) {
      this.els.get(msg.seq)?.replaceWith(el);
    } else {
      // Usually the newest (append) or a page of older ones (insert in order).
      let next = null;
      if (msg.seq < this.newest) {
        for (const [seq, other] of this.els) if (seq > msg.seq && (!next || seq < Number(next.dataset.seq))) next = other;
      }
      if (!next) next = this.list.querySelector('.msg.pending');
      this.list.insertBefore(el, next);
    }
    this.els.set(msg.seq, el);
    this.observer.observe(el);
    if (this.oldest === null || msg.seq < this.oldest) this.oldest = msg.seq;
    this.newest = Math.max(this.newest, msg.seq);
  }

  messageEl(msg) {
    const mine = msg.sender_member_id === chat.me;
    const attrs = { 'data-seq': msg.seq, 'data-msg-id': msg.id, 'data-testid': 'message' };
    if (msg.kind === 'system') {
      return h('li', { class: 'msg system', ...attrs }, h('span', { class: 'system-text' }, systemText(msg)));
    }
    if (msg.recalled) {
      return h('li', { class: 'msg system recalled', ...attrs }, h('span', { class: 'system-text' }, recalledText(msg)));
    }
    const more = h('button', {
      type: 'button', class: 'icon-btn msg-more', 'aria-label': t('chat.message_actions'), 'aria-haspopup': 'menu',
      onclick: () => popMenu(more, this.messageMenu(msg)),
    }, '⋯');
    const foot = h('div', { class: 'msg-foot' },
      msg.pinned ? h('span', { class: 'tag tag-muted', 'data-testid': 'pinned-tag' }, t('chat.pinned')) : null,
      mine ? this.receiptButton(msg) : null);
    const robot = isRobot(msg);
    return h('li', { class: 'msg ' + (mine ? 'mine' : 'theirs') + (msg.pinned ? ' is-pinned' : '') + (robot ? ' from-robot' : ''), ...attrs },
      mine ? null : avatar(senderName(msg)),
      h('div', { class: 'msg-body' },
        h('div', { class: 'msg-meta muted small' },
          mine || (this.conv.kind === 'direct' && !robot) ? null : h('span', { class: 'msg-sender' }, senderName(msg)),
          robot ? h('span', { class: 'tag tag-muted robot-tag', 'data-testid': 'robot-tag' }, t('chat.robot')) : null,
          h('time', { datetime: msg.created_at }, formatClock(msg.created_at))),
        h('div', { class: 'msg-line' },
          mine ? more : null,
          h('div', { class: 'bubble' + (msg.kind === 'card' ? ' bubble-card' : '') },
            quote(msg.reply_to, (seq) => this.jumpTo(seq)), content(msg)),
          mine ? null : more),
        foot));
  }

  receiptButton(msg) {
    if (msg.unread_count === null || msg.unread_count === undefined) return null;
    const done = msg.unread_count === 0;
    return h('button', {
      type: 'button', class: 'receipt' + (done ? ' all-read' : ''), 'data-testid': 'receipt',
      onclick: () => this.openReceipts(msg),
    }, done ? t('chat.all_read') : t('chat.n_unread', { n: msg.unread_count }));
  }

  messageMenu(msg) {
    const items = [['chat.reply', () => this.setReply(msg)]];
    const mine = msg.sender_member_id === chat.me;
    const admin = this.conv.kind === 'group' && ['owner', 'admin'].includes(this.conv.my_role);
    if ((mine && Date.now() - new Date(msg.created_at).getTime() < RECALL_MS) || admin) {
      items.push(['chat.recall', async () => this.put(await api.post(`${this.base}/messages/${msg.id}/recall`))]);
    }
    items.push([msg.pinned ? 'chat.unpin' : 'chat.pin', async () => {
      const updated = msg.pinned ? await api.del(`${this.base}/messages/${msg.id}/pin`) : await api.put(`${this.base}/messages/${msg.id}/pin`);
      this.put(updated);
      this.loadPins();
    }]);
    items.push(['chat.forward', () => this.forwardDialog(msg)]);
    if (msg.kind === 'text' || msg.kind === 'markdown') {
      items.push(['chat.copy', () => navigator.clipboard?.writeText(msg.content.text || '')]);
    }
    return items;
  }

  atBottom() {
    return this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 60;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.newBelow.hidden = true;
  }

  async jumpTo(seq) {
    for (let i = 0; i < 50 && !this.els.has(seq) && this.hasMore && this.oldest > seq; i += 1) {
      this.loadingOlder = false;
      await this.loadOlder();
    }
    const el = this.els.get(seq);
    if (!el) return;
    el.scrollIntoView({ block: 'center' });
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 2000);
  }

  // --- live updates --------------------------------------------------------------------

  async onRealtime(item) {
    if (item.kind === 'snapshot') {
      // Registered again: our queue was gone, so events may be missing. Fetch what changed.
      const page = await api.get(this.base + '/messages', { limit: PAGE }).catch(() => null);
      if (!page || !this.alive()) return;
      await this.namesFor(page.items);
      if (page.items.length && page.items[0].seq > this.newest + 1) {
        this.list.replaceChildren(...[...this.pending.values()].map((p) => p.el));
        this.msgs.clear();
        this.els.clear();
        this.oldest = null;
        this.newest = 0;
        this.hasMore = page.has_more;
      }
      const wasBottom = this.atBottom();
      for (const msg of page.items) this.put(msg, { live: true });
      await this.loadMembers();
      if (wasBottom) this.scrollToBottom();
      this.drawHead();
      return;
    }
    const { event } = item;
    const data = event.data || {};
    if (event.type === 'message') {
      const msg = data.message;
      if (msg.conversation_id !== this.conv.id) return;
      await this.namesFor([msg]);
      if (event.op === 'add') this.arrived(msg);
      else {
        this.put(msg);
        for (const other of this.msgs.values()) {
          if (other.reply_to?.message_id === msg.id && msg.recalled && !other.reply_to.recalled) {
            other.reply_to.recalled = true;
            this.put(other);
          }
        }
        if (data.change !== 'recalled' || msg.pinned) this.loadPins();
      }
    } else if (event.type === 'read' && data.pointer.conversation_id === this.conv.id) {
      this.pointerMoved(data.pointer);
    } else if (event.type === 'conversation_member' && data.change.conversation_id === this.conv.id) {
      this.loadMembers();
    } else if (event.type === 'conversation' && event.op === 'remove' && data.removed.conversation_id === this.conv.id) {
      toast(t('chat.removed'));
      go('chat');
    }
  }

  arrived(msg) {
    if (this.msgs.has(msg.seq)) return;
    const wasBottom = this.atBottom();
    if (msg.seq > this.newest + 1 && this.newest) {
      this.catchUp().then(() => wasBottom && this.scrollToBottom());
      return;
    }
    const entry = msg.client_msg_id && msg.sender_member_id === chat.me ? this.pending.get(msg.client_msg_id) : null;
    if (entry) this.confirmed(entry, msg);
    else this.put(msg, { live: true });
    if (wasBottom || msg.sender_member_id === chat.me) this.scrollToBottom();
    else this.newBelow.hidden = false;
  }

  // Another member's read pointer moved past some of my messages: fewer unread.
  pointerMoved(pointer) {
    if (pointer.member_id === chat.me) return;
    const member = this.members.get(pointer.member_id);
    const before = member ? member.last_read_seq : null;
    if (member) member.last_read_seq = Math.max(member.last_read_seq, pointer.last_read_seq);
    const stale = [];
    for (const msg of this.msgs.values()) {
      if (msg.sender_member_id !== chat.me || msg.recalled || !msg.unread_count || msg.seq > pointer.last_read_seq) continue;
      if (before === null) stale.push(msg);
      else if (msg.seq > before) {
        msg.unread_count -= 1;
        this.put(msg);
      }
    }
    // A pointer we did not know (a big group): ask the server for the recent ones.
    stale.slice(-20).forEach((msg) => api.get(`${this.base}/messages/${msg.id}/unread_count`).then((r) => {
      msg.unread_count = r.unread_count;
      if (this.alive()) this.put(msg);
    }).catch(() => {}));
    this.receiptPanel?.refresh();
  }

  // Advance my read pointer to the newest message seen while the page is visible.
  async markRead() {
    if (!this.alive() || document.visibilityState !== 'visible' || this.marking) return;
    const c = chat.convs.get(this.conv.id) || this.conv;
    const seq = this.maxSeen;
    if (seq <= c.last_read_seq) return;
    this.marking = true;
    try {
      const pointer = await api.post(this.base + '/read', { seq });
      c.last_read_seq = Math.max(c.last_read_seq, pointer.last_read_seq);
      c.unread_count = Math.max(0, c.last_seq - c.last_read_seq);
      notify();
    } catch {
      /* the next message seen tries again */
    } finally {
      this.marking = false;
    }
    if (this.maxSeen > seq) this.markRead();
  }

  // --- sending -------------------------------------------------------------------------

  send() {
    const text = this.input.value.trim();
    if (!text) return;
    const mentionIds = [...this.mentionNames].filter(([name]) => text.includes('@' + name)).map(([, id]) => id);
    const mentionAll = this.mentionAll && text.includes('@' + t('chat.mention_all_token'));
    const body = {
      kind: 'text', text, client_msg_id: newClientMsgId(),
      reply_to_message_id: this.replyTo?.id ?? null,
      mention_member_ids: [...new Set(mentionIds)], mention_all: mentionAll,
    };
    const msg = {
      id: null, seq: null, conversation_id: this.conv.id, sender_member_id: chat.me, kind: 'text', content: { text },
      client_msg_id: body.client_msg_id, mention_member_ids: body.mention_member_ids, mention_all: mentionAll,
      reply_to: this.replyTo ? {
        message_id: this.replyTo.id, seq: this.replyTo.seq, sender_member_id: this.replyTo.sender_member_id,
        kind: this.replyTo.kind, recalled: false, excerpt: preview(this.replyTo).slice(0, 100),
      } : null,
      created_at: new Date().toISOString(),
    };
    const entry = { body, msg, status: 'sending', el: null, error: null, network: false };
    this.pending.set(body.client_msg_id, entry);
    this.drawPending(entry);
    this.input.value = '';
    this.autosize();
    this.mentionNames.clear();
    this.mentionAll = false;
    this.setReply(null);
    this.scrollToBottom();
    this.post(entry);
  }

  // Upload first (POST .../files), then send an image/file message with the upload's id.
  sendFile(file) {
    const kind = /^image\/(png|jpeg|gif|webp)$/.test(file.type) ? 'image' : 'file';
    const body = { kind, file_id: null, client_msg_id: newClientMsgId() };
    const msg = {
      id: null, seq: null, conversation_id: this.conv.id, sender_member_id: chat.me, kind, reply_to: null,
      content: { name: file.name, size: file.size }, client_msg_id: body.client_msg_id, created_at: new Date().toISOString(),
    };
    // An image is shown from the chosen file while it goes up (the URL is let go once sent).
    const local = kind === 'image' ? URL.createObjectURL(file) : null;
    const entry = { body, msg, file, local, status: 'sending', el: null, error: null, network: false };
    this.pending.set(body.client_msg_id, entry);
    this.drawPending(entry);
    this.scrollToBottom();
    this.post(entry);
  }

  async post(entry) {
    entry.status = 'sending';
    this.drawPending(entry);
    try {
      if (entry.file && !entry.body.file_id) {
        const form = new FormData();
        form.append('kind', entry.body.kind);
        form.append('file', entry.file, entry.file.name);
        const uploaded = await api.upload(this.base + '/files', form);
        entry.body.file_id = uploaded.id;
        if (uploaded.kind !== entry.body.kind) entry.body.kind = uploaded.kind;
      }
      const msg = await api.post(this.base + '/messages', entry.body);
      if (this.pending.has(entry.body.client_msg_id)) this.confirmed(entry, msg);
    } catch (error) {
      entry.status = 'failed';
      entry.error = error.message;
      entry.network = error.status === 0 || error.status === 429 || error.status >= 500;
      this.drawPending(entry);
    }
  }

  confirmed(entry, msg) {
    this.discard(entry);
    if (!this.msgs.has(msg.seq)) {
      this.put(msg, { live: true });
      this.scrollToBottom();
    }
  }

  discard(entry) {
    this.pending.delete(entry.body.client_msg_id);
    entry.el?.remove();
    if (entry.local) URL.revokeObjectURL(entry.local);
  }

  drawPending(entry) {
    const { msg } = entry;
    // A refusal (a blocked file type, too large, not allowed to speak) is said, not retried;
    // a network failure may be retried (and is, when the browser is online again).
    const status = entry.status === 'sending'
      ? h('span', { class: 'msg-status muted small', 'data-testid': 'sending' }, t('chat.sending'))
      : h('span', { class: 'msg-status failed small', 'data-testid': 'send-failed', title: entry.error || '' },
        t('chat.send_failed'), ' ',
        entry.network ? null : h('span', { class: 'send-error', 'data-testid': 'send-error' }, entry.error || ''), ' ',
        entry.network ? h('button', { type: 'button', class: 'link-btn', onclick: () => this.post(entry) }, t('chat.resend')) : null, ' ',
        h('button', { type: 'button', class: 'link-btn', onclick: () => this.discard(entry) }, t('chat.discard')));
    const attached = entry.local
      ? h('span', { class: 'msg-image' }, h('img', { src: entry.local, alt: msg.content.name }))
      : h('div', { class: 'msg-text' }, preview(msg), ' ', h('small', { class: 'muted' }, formatSize(msg.content.size)));
    const el = h('li', { class: 'msg mine pending', 'data-testid': 'message', 'data-client-msg-id': msg.client_msg_id },
      h('div', { class: 'msg-body' },
        h('div', { class: 'msg-line' }, h('div', { class: 'bubble' }, quote(msg.reply_to),
          entry.file ? attached : content(msg))),
        h('div', { class: 'msg-foot' }, status)));
    if (entry.el) entry.el.replaceWith(el);
    else this.list.append(el);
    entry.el = el;
  }

  setReply(msg) {
    this.replyTo = msg;
    if (!msg) {
      this.replyBar.hidden = true;
      clear(this.replyBar);
      return;
    }
    clear(this.replyBar,
      h('span', { class: 'grow' }, t('chat.replying_to', { name: nameOf(msg.sender_member_id) }), ' ', h('span', { class: 'muted' }, preview(msg).slice(0, 80))),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('chat.cancel_reply'), onclick: () => this.setReply(null) }, '×'));
    this.replyBar.hidden = false;
    this.input.focus();
  }

  autosize() {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 160)}px`;
  }

  onKey(event) {
    if (!this.mentionPop.hidden) {
      const options = [...this.mentionPop.querySelectorAll('[role=option]')];
      const at = options.findIndex((o) => o.getAttribute('aria-selected') === 'true');
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const next = (at + (event.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length;
        options.forEach((o, i) => o.setAttribute('aria-selected', String(i === next)));
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && options.length) {
        event.preventDefault();
        options[Math.max(at, 0)].click();
        return;
      }
      if (event.key === 'Escape') {
        this.mentionPop.hidden = true;
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.send();
    }
  }

  // @-completion: "@" plus what follows it, before the caret, matches conversation members.
  complete() {
    const caret = this.input.selectionStart;
    const before = this.input.value.slice(0, caret);
    const match = before.match(/(?:^|\s)@([^\s@]*)$/);
    if (!match) {
      this.mentionPop.hidden = true;
      return;
    }
    const q = match[1].toLowerCase();
    const options = [];
    const c = this.conv;
    const allToken = t('chat.mention_all_token');
    const mayAll = c.kind === 'group' && (['owner', 'admin'].includes(c.my_role) || c.member_count <= 50);
    if (mayAll && (allToken.toLowerCase().startsWith(q) || 'all'.startsWith(q))) options.push({ id: 'all', name: allToken, label: t('chat.mention_all') });
    for (const m of this.members.values()) {
      if (m.member_id === chat.me || !m.name.toLowerCase().includes(q)) continue;
      options.push({ id: m.member_id, name: m.name, label: m.name });
      if (options.length >= 8) break;
    }
    if (!options.length) {
      this.mentionPop.hidden = true;
      return;
    }
    clear(this.mentionPop, options.map((o, i) => h('li', {
      role: 'option', class: 'mention-option', 'aria-selected': String(i === 0), tabindex: -1,
      onmousedown: (event) => event.preventDefault(),
      onclick: () => this.insertMention(o, match[1].length),
    }, o.id === 'all' ? null : avatar(o.name), h('span', { class: 'mention-name' }, o.label))));
    this.mentionPop.hidden = false;
  }

  insertMention(option, typed) {
    const caret = this.input.selectionStart;
    const value = this.input.value;
    const start = caret - typed - 1;
    const insert = `@${option.name} `;
    this.input.value = value.slice(0, start) + insert + value.slice(caret);
    const pos = start + insert.length;
    this.input.setSelectionRange(pos, pos);
    if (option.id === 'all') this.mentionAll = true;
    else this.mentionNames.set(option.name, option.id);
    this.mentionPop.hidden = true;
    this.input.focus();
  }

  // --- panels --------------------------------------------------------------------------

  openReceipts(msg) {
    openDialog('chat.receipts_title', (body, close) => {
      let state = 'unread';
      const tabs = h('div', { class: 'tabs', role: 'tablist' });
      const list = h('ul', { class: 'list receipt-list', 'data-testid': 'receipt-list' });
      const panel = { refresh: null };
      const load = async () => {
        if (!body.isConnected) {
          if (this.receiptPanel === panel) this.receiptPanel = null;
          return;
        }
        const [unread, read] = await Promise.all([
          api.get(`${this.base}/messages/${msg.id}/receipts`, { state: 'unread', limit: 100 }),
          api.get(`${this.base}/messages/${msg.id}/receipts`, { state: 'read', limit: 100 }),
        ]);
        const shown = state === 'unread' ? unread : read;
        const tab = (key, which, n) => h('button', {
          type: 'button', role: 'tab', class: 'tab' + (state === which ? ' active' : ''), 'aria-selected': String(state === which),
          'data-testid': `receipts-${which}`,
          onclick: () => { state = which; load(); },
        }, t(key, { n }));
        clear(tabs, tab('chat.unread_tab', 'unread', unread.unread_count), tab('chat.read_tab', 'read', read.read_count));
        clear(list, shown.items.length
          ? shown.items.map((p) => h('li', { class: 'list-row' }, avatar(p.name), h('span', { class: 'grow' }, p.name)))
          : h('li', { class: 'empty small' }, t(state === 'unread' ? 'chat.nobody_unread' : 'chat.nobody_read')));
        // Actions other capabilities offer on the people who have not read (DING: 提醒未读).
        const people = { count: unread.unread_count, names: unread.items.map((p) => p.name) };
        clear(extra, unread.unread_count ? unreadActions.map((a) => h('button', {
          type: 'button', class: 'btn btn-primary', 'data-testid': a.testId,
          onclick: () => a.run({ conversationId: this.conv.id, message: msg, unread: people, close }),
        }, t(a.labelKey))) : null);
      };
      const extra = h('span', { class: 'receipt-actions' });
      panel.refresh = () => load().catch(() => {});
      this.receiptPanel = panel;
      clear(body, h('p', { class: 'muted small receipt-of' }, preview(msg).slice(0, 80)), tabs, list,
        h('div', { class: 'actions' }, extra, h('button', { type: 'button', class: 'btn', onclick: close }, t('common.close'))));
      panel.refresh();
    });
  }

  // 转发: a copy into up to ten of my conversations (the server names the original sender).
  forwardDialog(msg) {
    openDialog('chat.forward', (body, close) => {
      const errors = errorLine();
      const chosen = new Set();
      const ok = h('button', { type: 'submit', class: 'btn btn-primary', disabled: true, 'data-testid': 'forward-confirm' }, t('chat.forward'));
      const rows = sortedConversations().filter((c) => !c.dissolved).map((c) => h('li', {}, h('label', { class: 'list-row check' },
        h('input', {
          type: 'checkbox', value: c.id,
          onchange: (event) => {
            if (event.currentTarget.checked && chosen.size >= 10) {
              event.currentTarget.checked = false;
              errors.show(new Error(t('chat.forward_limit')));
              return;
            }
            if (event.currentTarget.checked) chosen.add(c.id);
            else chosen.delete(c.id);
            ok.disabled = !chosen.size;
          },
        }), h('span', { class: 'grow' }, title(c)))));
      clear(body, h('form', {
        class: 'form',
        onsubmit: (event) => {
          event.preventDefault();
          busy(ok, errors, async () => {
            await api.post(`${this.base}/messages/${msg.id}/forward`, { conversation_ids: [...chosen] });
            close();
            toast(t('chat.forwarded'));
          });
        },
      }, h('p', { class: 'muted small receipt-of' }, preview(msg).slice(0, 80)),
      h('ul', { class: 'list picker-list', 'data-testid': 'forward-targets', 'aria-label': t('chat.forward_to') }, rows),
      errors, h('div', { class: 'actions' }, ok)));
    });
  }

  showPins() {
    openDialog('chat.pinned_messages', (body, close) => {
      clear(body, h('ul', { class: 'list', 'data-testid': 'pin-list' }, this.pins.map((msg) => h('li', {},
        h('button', {
          type: 'button', class: 'list-row',
          onclick: () => { close(); this.jumpTo(msg.seq); },
        }, h('span', { class: 'grow' }, h('strong', {}, nameOf(msg.sender_member_id)), h('small', { class: 'muted' }, preview(msg))),
        h('small', { class: 'muted' }, formatClock(msg.created_at)))))));
    });
  }
}
