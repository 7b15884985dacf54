// 群机器人: a group's custom robots, for its owner and admins — add one with DingTalk's security
// settings (加签, keywords, IP allowlist, optional outgoing callback), copy its webhook URL and
// secret, remove it.

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { busy, button, checkbox, errorLine, field, input, openDialog, toast } from '../../ui.js';
import { chat } from './store.js';

const list = (text) => text.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean);

function copyable(labelKey, value, testid) {
  const box = input('', { value, readonly: true, 'data-testid': testid });
  return field(labelKey, h('div', { class: 'row' }, box,
    button('robots.copy', { class: 'btn btn-small', onclick: () => navigator.clipboard?.writeText(value).then(() => toast(t('robots.copied'))) })));
}

function robotCard(robot, onRemove) {
  const security = [
    robot.secret ? t('robots.sign') : null,
    robot.keywords.length ? `${t('robots.keywords')}: ${robot.keywords.join('、')}` : null,
    robot.ip_allowlist.length ? `${t('robots.ips')}: ${robot.ip_allowlist.join('、')}` : null,
  ].filter(Boolean).join(' · ');
  return h('li', { class: 'robot-item', 'data-testid': 'robot' },
    h('div', { class: 'row' }, h('strong', { class: 'grow' }, robot.name),
      button('robots.remove', { class: 'btn btn-small btn-danger', 'data-testid': 'robot-remove', onclick: onRemove })),
    h('small', { class: 'muted' }, security),
    copyable('robots.webhook', robot.webhook_url, 'robot-webhook'),
    robot.secret ? copyable('robots.secret', robot.secret, 'robot-secret') : null,
    robot.outgoing_url ? copyable('robots.outgoing_token', robot.outgoing_token, 'robot-outgoing-token') : null);
}

export function openRobots(conv) {
  const base = `/orgs/${chat.orgId}/conversations/${conv.id}/robots`;
  openDialog('robots.title', (body) => {
    const items = h('ul', { class: 'list robot-list', 'data-testid': 'robot-list' });
    const refresh = async () => {
      const robots = (await api.get(base)).items;
      clear(items, robots.length ? robots.map((r) => robotCard(r, async () => {
        await api.del(`${base}/${r.id}`);
        await refresh();
      })) : h('li', { class: 'muted' }, t('robots.none')));
    };
    const errors = errorLine();
    const name = input('name', { maxlength: 64, required: true, 'data-testid': 'robot-name' });
    const sign = checkbox('sign', 'robots.sign', true);
    const keywords = input('keywords', { placeholder: t('robots.keywords_hint'), 'data-testid': 'robot-keywords' });
    const ips = input('ips', { placeholder: '203.0.113.0/24', 'data-testid': 'robot-ips' });
    const outgoing = input('outgoing', { type: 'url', placeholder: 'https://', 'data-testid': 'robot-outgoing' });
    const add = button('robots.add', { class: 'btn btn-primary', 'data-testid': 'robot-add' });
    add.addEventListener('click', () => busy(add, errors, async () => {
      await api.post(base, {
        name: name.value.trim(),
        sign: sign.querySelector('input').checked,
        keywords: list(keywords.value),
        ip_allowlist: list(ips.value),
        outgoing_url: outgoing.value.trim() || null,
      });
      name.value = '';
      await refresh();
    }));
    clear(body, items,
      h('h3', { class: 'small' }, t('robots.add_title')),
      field('robots.name', name), sign, field('robots.keywords', keywords), field('robots.ips', ips),
      field('robots.outgoing', outgoing, 'robots.outgoing_hint'), errors, add);
    refresh().catch((error) => errors.show(error));
  }, { wide: true });
}
