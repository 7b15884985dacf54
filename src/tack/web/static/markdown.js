// A tiny, safe markdown subset for chat (DingTalk robots send markdown): headings, bold,
// italic, inline code, code blocks, quotes, lists, links and bare URLs. Everything is
// built as DOM nodes from text (never innerHTML), and links keep only http(s)/mailto.

import { h } from './dom.js';

const SAFE_URL = /^(https?:\/\/|mailto:)/i;
const URL_RE = '(https?:\\/\\/[^\\s<>()]+[^\\s<>().,;:!?\'"，。；：！？）])';
const MENTION_RE = '(@[^\\s@]+)';
const MD_RE = '(`[^`\\n]+`)|(\\*\\*[^*\\n]+\\*\\*)|(__[^_\\n]+__)|(\\*[^*\\n]+\\*)|(\\[[^\\]\\n]+\\]\\([^)\\s]+\\))';
const INLINE = new RegExp(`${MD_RE}|${URL_RE}|${MENTION_RE}`, 'g');
// Plain text: the same groups, the markdown ones never matching.
const TEXT_INLINE = new RegExp(`()()()()()${URL_RE}|${MENTION_RE}`, 'g');

// DingTalk clients (and DingtalkChatbot) wrap links as dingtalk://dingtalkclient/page/link?url=…;
// the target inside is what a browser can open. Returns null for anything not http(s)/mailto.
export function openableUrl(value) {
  let target = value || '';
  if (/^dingtalk:\/\/dingtalkclient\/page\/link\?/i.test(target)) {
    target = new URLSearchParams(target.slice(target.indexOf('?') + 1)).get('url') || '';
  }
  return SAFE_URL.test(target) ? target : null;
}

function link(text, href) {
  const target = openableUrl(href);
  return target
    ? h('a', { href: target, target: '_blank', rel: 'noopener noreferrer' }, text)
    : document.createTextNode(text);
}

// Inline text → nodes. `mentions(token)` says whether "@token" is a real mention to highlight.
export function inline(text, { markdown = true, mentions = () => false } = {}) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(markdown ? INLINE : TEXT_INLINE)) {
    const [token, code, bold, bold2, italic, mdLink, url, mention] = match;
    if (match.index > last) out.push(text.slice(last, match.index));
    if (code) out.push(h('code', {}, code.slice(1, -1)));
    else if (bold || bold2) out.push(h('strong', {}, inline(token.slice(2, -2), { markdown, mentions })));
    else if (italic) out.push(h('em', {}, inline(token.slice(1, -1), { markdown, mentions })));
    else if (mdLink) {
      const m = mdLink.match(/^\[([^\]]+)\]\(([^)\s]+)\)$/);
      out.push(link(m[1], m[2]));
    } else if (url) out.push(link(url, url));
    else if (mention) out.push(mentions(mention.slice(1)) ? h('span', { class: 'mention' }, mention) : mention);
    last = match.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// Plain text: line breaks kept by CSS (pre-wrap); links and mentions recognized.
export function renderText(text, options = {}) {
  return h('div', { class: 'msg-text' }, inline(text, { ...options, markdown: false }));
}

export function renderMarkdown(source, options = {}) {
  const root = h('div', { class: 'msg-text md' });
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  let paragraph = [];
  const flush = () => {
    if (!paragraph.length) return;
    const p = h('p');
    paragraph.forEach((line, n) => {
      if (n) p.append(h('br'));
      p.append(...inline(line, options).map((x) => (x instanceof Node ? x : document.createTextNode(x))));
    });
    root.append(p);
    paragraph = [];
  };
  const nodes = (text) => inline(text, options);
  while (i < lines.length) {
    const line = lines[i];
    if (/^```/.test(line)) {
      flush();
      const body = [];
      i += 1;
      while (i < lines.length && !/^```/.test(lines[i])) body.push(lines[i++]);
      i += 1;
      root.append(h('pre', {}, h('code', {}, body.join('\n'))));
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      flush();
      root.append(h('div', { class: `md-h md-h${Math.min(heading[1].length, 3)}` }, nodes(heading[2])));
    } else if (/^>\s?/.test(line)) {
      flush();
      const quoted = [];
      while (i < lines.length && /^>\s?/.test(lines[i])) quoted.push(lines[i++].replace(/^>\s?/, ''));
      root.append(h('blockquote', {}, quoted.map((q, n) => [n ? h('br') : null, nodes(q)])));
      continue;
    } else if (/^\s*([-*+]|\d+\.)\s+/.test(line)) {
      flush();
      const ordered = /^\s*\d+\./.test(line);
      const items = [];
      while (i < lines.length && /^\s*([-*+]|\d+\.)\s+/.test(lines[i])) items.push(lines[i++].replace(/^\s*([-*+]|\d+\.)\s+/, ''));
      root.append(h(ordered ? 'ol' : 'ul', {}, items.map((item) => h('li', {}, nodes(item)))));
      continue;
    } else if (!line.trim()) {
      flush();
    } else {
      paragraph.push(line);
    }
    i += 1;
  }
  flush();
  return root;
}
