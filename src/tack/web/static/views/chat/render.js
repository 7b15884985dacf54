// How one message looks: text, markdown, card, image, file, system lines, recalled ones,
// the quoted message, and the one-line preview used by the conversation list.

import { url } from '../../api.js';
import { h } from '../../dom.js';
import { getLang, t } from '../../i18n.js';
import { openableUrl, renderMarkdown, renderText } from '../../markdown.js';
import { session } from '../../state.js';
import { toast } from '../../ui.js';
import { cardActions } from './hooks.js';
import { chat, nameOf } from './store.js';

export function fileUrl(msg) {
  return url(`/orgs/${chat.orgId}/conversations/${msg.conversation_id}/files/${msg.content.file_id}`);
}

// Times are shown in the organization's time zone (DESIGN: default Asia/Shanghai), not the browser's.
function inOrgZone(options = {}) {
  const zone = session.org?.timezone;
  return zone ? { ...options, timeZone: zone } : options;
}

export function formatClock(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const now = new Date();
  const lang = getLang();
  const day = (d) => d.toLocaleDateString('en-CA', inOrgZone());
  const year = (d) => d.toLocaleDateString('en-CA', inOrgZone({ year: 'numeric' }));
  if (day(date) === day(now)) return date.toLocaleTimeString(lang, inOrgZone({ hour: '2-digit', minute: '2-digit' }));
  if (year(date) === year(now)) {
    return date.toLocaleString(lang, inOrgZone({ month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }));
  }
  return date.toLocaleDateString(lang, inOrgZone());
}

// The instant a calendar day (YYYY-MM-DD) starts in the organization's time zone, as ISO.
export function dayStart(ymd, addDays = 0) {
  const [y, m, d] = ymd.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d + addDays);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', inOrgZone({
    hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  })).formatToParts(new Date(guess)).map((p) => [p.type, Number(p.value)]));
  const shown = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return new Date(guess - (shown - guess)).toISOString();
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function names(ids = []) {
  return ids.map(nameOf).join(t('chat.list_sep'));
}

// System actions the server sends (chat/actions/conversations.py) and their lines.
const SYSTEM_KEYS = {
  created: 'chat.sys.created', renamed: 'chat.sys.renamed', notice_updated: 'chat.sys.notice_updated',
  members_added: 'chat.sys.members_added', member_left: 'chat.sys.member_left', member_removed: 'chat.sys.member_removed',
  dissolved: 'chat.sys.dissolved', owner_transferred: 'chat.sys.owner_transferred',
};

export function systemText(msg) {
  const c = msg.content || {};
  const who = c.actor_member_id === chat.me ? t('chat.you') : nameOf(c.actor_member_id);
  if (c.action === 'mute_all_changed') return t(c.mute_all ? 'chat.sys.mute_all_on' : 'chat.sys.mute_all_off', { who });
  const by = c.by_member_id ? nameOf(c.by_member_id) : '';
  return t(SYSTEM_KEYS[c.action] || 'chat.sys.other', { who, names: names(c.member_ids), name: c.name || '', by });
}

export function systemIds(msg) {
  const c = msg.content || {};
  return [c.actor_member_id, c.by_member_id, ...(c.member_ids || [])].filter((x) => x);
}

export function recalledText(msg) {
  return msg.sender_member_id === chat.me ? t('chat.recalled_self') : t('chat.recalled_other', { name: nameOf(msg.sender_member_id) });
}

// One line for the conversation list and for quotes.
export function preview(msg) {
  if (!msg) return '';
  if (msg.recalled) return recalledText(msg);
  const c = msg.content || {};
  switch (msg.kind) {
    case 'text': return c.text || '';
    case 'markdown': return (c.text || '').replace(/[#*_`>]/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    case 'card':
      if (c.format === 'image') return `[${t('chat.kind.image')}]`;
      if (c.format === 'link') return `[${t('chat.kind.link')}] ${c.title || ''}`;
      return `[${t('chat.kind.card')}] ${c.title || ''}`;
    case 'image': return `[${t('chat.kind.image')}]`;
    case 'file': return `[${t('chat.kind.file')}] ${c.name || ''}`;
    case 'system': return systemText(msg);
    default: return '';
  }
}

function mentionChecker(msg) {
  const mentioned = new Set((msg.mention_member_ids || []).map(nameOf));
  return (token) => mentioned.has(token) || (msg.mention_all && (token === '所有人' || token === 'all'));
}

// Robots' links arrive wrapped as dingtalk://…?url=…: openableUrl unwraps them.
function safeUrl(value) {
  return openableUrl(value);
}

// Who sent a message: a member, or a group robot (its name is in the message).
export function senderName(msg) {
  return msg.content?.robot?.name || nameOf(msg.sender_member_id);
}

export function isRobot(msg) {
  return Boolean(msg.content?.robot);
}

function extLink(url, ...children) {
  const href = safeUrl(url);
  return href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, ...children) : h('span', {}, ...children);
}

function picture(url, alt, cls) {
  const src = safeUrl(url);
  return src && /^https?:/i.test(src) ? h('img', { src, alt, class: cls, loading: 'lazy', referrerpolicy: 'no-referrer' }) : null;
}

function robotButton(b) {
  return safeUrl(b.url)
    ? h('a', { class: 'btn btn-small', href: safeUrl(b.url), target: '_blank', rel: 'noopener noreferrer' }, b.title)
    : h('button', { type: 'button', class: 'btn btn-small', disabled: true, title: b.action || '' }, b.title);
}

// Robot cards (DingTalk's link, actionCard, feedCard and image messages).
function robotCard(c, mentions) {
  switch (c.format) {
    case 'link': return h('div', { class: 'msg-card robot-link', 'data-testid': 'card' },
      extLink(c.url, h('div', { class: 'card-title' }, c.title || '')),
      h('div', { class: 'robot-link-body' }, renderText(c.text || '', { mentions }), picture(c.pic_url, '', 'robot-link-pic')));
    case 'feedCard': return h('div', { class: 'msg-card robot-feed', 'data-testid': 'card' },
      (c.links || []).map((item, n) => extLink(item.url,
        h('div', { class: 'robot-feed-item' + (n === 0 ? ' first' : '') },
          h('span', { class: 'grow' }, item.title), picture(item.pic_url, '', 'robot-feed-pic')))));
    case 'image': return h('div', { class: 'msg-card robot-image', 'data-testid': 'card' },
      extLink(c.pic_url, picture(c.pic_url, t('chat.kind.image'), 'robot-image-pic') || t('chat.kind.image')));
    default: return h('div', { class: 'msg-card', 'data-testid': 'card' },
      h('div', { class: 'card-title' }, c.title || ''),
      renderMarkdown(c.text || '', { mentions }),
      (c.buttons || []).length
        ? h('div', { class: 'card-buttons' + (c.btn_orientation === '1' ? ' horizontal' : ' vertical'), 'data-testid': 'card-buttons' },
          c.buttons.map(robotButton))
        : null);
  }
}

// A card button without a link does what a capability registered for its action (chat/hooks.js),
// for the people the card was sent to; otherwise it is shown disabled.
function cardButton(msg, b) {
  const [prefix, argument] = String(b.action || '').split(':');
  const handler = cardActions.get(prefix);
  if (!handler || msg.sender_member_id === chat.me) {
    return h('button', { type: 'button', class: 'btn btn-small', disabled: true, title: b.action || '' }, b.title);
  }
  const button = h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-testid': 'card-action' }, b.title);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await handler(argument, button);
    } catch (error) {
      toast(error.message, 'error');
      button.disabled = false;
    }
  });
  return button;
}

// The bubble's content for a live (not recalled, not system) message.
export function content(msg) {
  const c = msg.content || {};
  const body = bubbleContent(msg, c);
  if (!c.forwarded_from) return body;
  const from = c.forwarded_from.sender_member_id;
  return [h('div', { class: 'forwarded muted small', 'data-testid': 'forwarded' }, t('chat.forwarded_from', { name: nameOf(from) })), body];
}

function bubbleContent(msg, c) {
  const mentions = mentionChecker(msg);
  switch (msg.kind) {
    case 'markdown': return renderMarkdown(c.text || '', { mentions });
    case 'card': if (c.robot) return robotCard(c, mentions);
      return h('div', { class: 'msg-card', 'data-testid': 'card' },
      h('div', { class: 'card-title' }, c.title || ''),
      renderMarkdown(c.text || '', { mentions }),
      (c.buttons || []).length ? h('div', { class: 'card-buttons' }, c.buttons.map((b) => (safeUrl(b.url)
        ? h('a', { class: 'btn btn-small', href: safeUrl(b.url), target: '_blank', rel: 'noopener noreferrer' }, b.title)
        : cardButton(msg, b)))) : null);
    case 'image': return h('a', { href: fileUrl(msg), target: '_blank', rel: 'noopener', class: 'msg-image' },
      h('img', { src: fileUrl(msg), alt: c.name || t('chat.kind.image'), loading: 'lazy' }));
    case 'file': return h('a', { href: fileUrl(msg), class: 'msg-file', download: c.name || '' },
      h('span', { class: 'file-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'grow' }, h('strong', {}, c.name || t('chat.kind.file')), h('small', { class: 'muted' }, formatSize(c.size || 0))));
    default: return renderText(c.text || '', { mentions });
  }
}

export function quote(reply, onJump) {
  if (!reply) return null;
  const text = reply.recalled ? t('chat.quote_recalled') : reply.excerpt;
  return h('button', { type: 'button', class: 'msg-quote', onclick: () => onJump?.(reply.seq) },
    h('strong', {}, (reply.sender_member_id ? nameOf(reply.sender_member_id) : t('chat.robot')) + ': '), text);
}
