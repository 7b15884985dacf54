// Pickers used by admin forms: members found by search (for managers), and a checklist
// of departments (for memberships and sub-admin scopes).

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { session } from '../../state.js';

const nameCache = new Map(); // member id → name, so lists of ids read as people

export async function memberNames(ids) {
  const missing = [...new Set(ids)].filter((id) => !nameCache.has(id));
  await Promise.all(missing.map((id) => api.get(`/orgs/${session.org.id}/members/${id}`)
    .then((m) => nameCache.set(id, m.name))
    .catch(() => nameCache.set(id, `#${id}`))));
  return ids.map((id) => nameCache.get(id));
}

export function rememberName(member) {
  nameCache.set(member.id, member.name);
}

// Chips of chosen members plus a search box; `single` keeps at most one.
export function memberPicker({ initial = [], single = false, label }) {
  const chosen = new Map();
  const chips = h('div', { class: 'chips' });
  const results = h('ul', { class: 'picker-results' });
  const search = h('input', { type: 'search', class: 'input', placeholder: t('picker.search_member'), 'aria-label': label || t('picker.search_member') });
  const drawChips = () => clear(chips, [...chosen].map(([id, name]) => h('span', { class: 'chip' }, name,
    h('button', { type: 'button', class: 'chip-x', 'aria-label': t('common.remove') + ' ' + name, onclick: () => { chosen.delete(id); drawChips(); } }, '×'))));
  memberNames(initial).then((names) => {
    initial.forEach((id, i) => chosen.set(id, names[i]));
    drawChips();
  });
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = search.value.trim();
      if (!q) return clear(results);
      const page = await api.get(`/orgs/${session.org.id}/members`, { q, limit: 8 });
      clear(results, page.items.map((m) => h('li', {}, h('button', {
        type: 'button', class: 'picker-option',
        onclick: () => {
          if (single) chosen.clear();
          chosen.set(m.id, m.name);
          rememberName(m);
          search.value = '';
          clear(results);
          drawChips();
        },
      }, m.name, m.job_title ? h('small', { class: 'muted' }, ' ' + m.job_title) : null))));
    }, 200);
  });
  const element = h('div', { class: 'picker' }, chips, search, results);
  return { element, values: () => [...chosen.keys()] };
}

export function departmentChecklist(tree, name, checkedIds = [], label = '') {
  const checked = new Set(checkedIds);
  return h('div', { class: 'checklist', role: 'group', 'aria-label': label || null },
    tree.flatten().map(({ department, depth }) => h('label', { class: 'check', style: `padding-left:${depth * 1.2}em` },
      h('input', { type: 'checkbox', name, value: department.id, checked: checked.has(department.id), dataset: { group: name } }),
      h('span', {}, department.name))));
}
