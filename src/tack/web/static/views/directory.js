// 通讯录: the department tree, the selected department's sub-departments and members
// (paged), a search over the whole organization, and a member's profile.
// On a phone the tree pane is hidden: the list pane's breadcrumbs and sub-department
// rows navigate the same tree, as DingTalk's mobile directory does.

import { api } from '../api.js';
import { clear, h } from '../dom.js';
import { loadDepartments } from '../departments.js';
import { t } from '../i18n.js';
import { go } from '../router.js';
import { session } from '../state.js';
import { avatar, emptyState } from '../ui.js';
import { openProfile } from './profile.js';

const PAGE_SIZE = 20;
const expanded = new Set(); // tree nodes the user opened, kept across re-renders

export async function render(main, ctx) {
  const org = session.org;
  const tree = await loadDepartments(org.id);
  if (ctx.stale()) return;
  const selected = tree.get(ctx.rest[0]) || tree.get(org.root_department_id) || tree.roots[0];
  for (const d of tree.path(selected?.id)) expanded.add(d.id);

  const treePane = h('nav', { class: 'pane dept-tree', 'aria-label': t('directory.departments'), 'data-testid': 'dept-tree' });
  const listPane = h('section', { class: 'pane member-pane', 'aria-label': t('directory.members') });
  const profilePane = h('aside', { class: 'profile-pane', hidden: true, 'data-testid': 'profile' });
  clear(main, h('div', { class: 'directory' }, treePane, listPane, profilePane));

  drawTree(treePane, tree, selected);
  const search = h('input', {
    type: 'search', class: 'input search', placeholder: t('directory.search_placeholder'),
    'aria-label': t('directory.search'), 'data-testid': 'member-search', value: ctx.query.q || '',
  });
  const body = h('div', { class: 'member-body' });
  clear(listPane, h('div', { class: 'pane-head' }, search), body);

  const show = (member) => openProfile(profilePane, member.id, tree);
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => drawList(body, { tree, department: selected, q: search.value.trim(), offset: 0, show }), 250);
  });
  await drawList(body, { tree, department: selected, q: search.value.trim(), offset: 0, show });
}

function drawTree(pane, tree, selected) {
  const node = (d) => {
    const children = tree.children(d.id);
    const open = expanded.has(d.id);
    const toggle = children.length
      ? h('button', {
        type: 'button', class: 'tree-toggle', 'aria-label': t(open ? 'directory.collapse' : 'directory.expand'),
        'aria-expanded': String(open),
        onclick: () => {
          if (open) expanded.delete(d.id);
          else expanded.add(d.id);
          drawTree(pane, tree, selected);
        },
      }, open ? '▾' : '▸')
      : h('span', { class: 'tree-toggle' });
    return h('li', { role: 'treeitem', 'aria-expanded': children.length ? String(open) : null },
      h('div', { class: 'tree-row' + (d.id === selected?.id ? ' selected' : '') },
        toggle,
        h('a', { href: `#/directory/${d.id}`, class: 'tree-label', 'data-dept-id': d.id }, d.name),
        d.hidden ? h('span', { class: 'tag tag-muted' }, t('department.hidden')) : null),
      open && children.length ? h('ul', { role: 'group' }, children.map(node)) : null);
  };
  clear(pane, h('div', { class: 'pane-title' }, t('directory.departments')),
    h('ul', { class: 'tree', role: 'tree' }, tree.roots.map(node)));
}

async function drawList(body, { tree, department, q, offset, show }) {
  const org = session.org;
  const query = q ? { q, offset, limit: PAGE_SIZE } : { department_id: department?.id, offset, limit: PAGE_SIZE };
  const page = await api.get(`/orgs/${org.id}/members`, query);
  const parts = [];
  if (q) {
    parts.push(h('div', { class: 'crumbs' }, t('directory.search_results', { q })));
  } else if (department) {
    parts.push(h('nav', { class: 'crumbs', 'aria-label': t('directory.path') },
      tree.path(department.id).map((d, i, all) => (i < all.length - 1
        ? [h('a', { href: `#/directory/${d.id}` }, d.name), h('span', { class: 'sep' }, '›')]
        : h('strong', {}, d.name)))));
    const subs = tree.children(department.id);
    if (subs.length) {
      parts.push(h('ul', { class: 'list sub-depts', 'data-testid': 'sub-departments' }, subs.map((d) => h('li', {},
        h('a', { href: `#/directory/${d.id}`, class: 'list-row', 'data-dept-id': d.id },
          h('span', { class: 'dept-icon', 'aria-hidden': 'true' }),
          h('span', { class: 'grow' }, d.name),
          d.hidden ? h('span', { class: 'tag tag-muted' }, t('department.hidden')) : null,
          h('span', { class: 'chevron', 'aria-hidden': 'true' }))))));
    }
  }
  if (page.items.length) {
    parts.push(h('ul', { class: 'list members', 'data-testid': 'member-list' }, page.items.map((m) => h('li', {},
      h('button', { type: 'button', class: 'list-row member-row', 'data-member-id': m.id, onclick: () => show(m) },
        avatar(m.name),
        h('span', { class: 'grow' }, h('strong', { class: 'member-name' }, m.name),
          h('small', { class: 'muted' }, m.job_title || '')),
        m.role !== 'member' ? h('span', { class: 'tag' }, t('role.' + m.role)) : null)))));
  } else if (q || !tree.children(department?.id).length) {
    parts.push(emptyState(q ? 'directory.no_results' : 'directory.no_members'));
  }
  if (page.total > PAGE_SIZE) {
    const redraw = (to) => drawList(body, { tree, department, q, offset: to, show });
    parts.push(h('div', { class: 'pager' },
      h('button', { type: 'button', class: 'btn btn-small', disabled: offset === 0, onclick: () => redraw(Math.max(0, offset - PAGE_SIZE)) }, t('common.prev')),
      h('span', { class: 'muted' }, t('common.page_range', { from: offset + 1, to: offset + page.items.length, total: page.total })),
      h('button', { type: 'button', class: 'btn btn-small', disabled: page.next_offset === null, onclick: () => redraw(page.next_offset) }, t('common.next'))));
  } else if (page.total) {
    parts.push(h('div', { class: 'pager muted' }, t('directory.count', { total: page.total })));
  }
  clear(body, parts);
}
