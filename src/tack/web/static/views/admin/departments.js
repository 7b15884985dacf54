// Departments: create, rename, move (parent), reorder (sort_order), hide, delete, managers.

import { api } from '../../api.js';
import { clear, formValues, h } from '../../dom.js';
import { loadDepartments } from '../../departments.js';
import { t } from '../../i18n.js';
import { session } from '../../state.js';
import { busy, button, checkbox, confirmDialog, errorLine, field, input, openDialog, select, toast } from '../../ui.js';
import { memberNames, memberPicker } from './pickers.js';

export async function render(body) {
  const org = session.org;
  const tree = await loadDepartments(org.id);
  const refresh = () => render(body);
  const managers = await memberNames(tree.flatten().flatMap(({ department }) => department.manager_ids));
  let index = 0;
  const rows = tree.flatten().map(({ department: d, depth }) => {
    const names = managers.slice(index, (index += d.manager_ids.length));
    const isRoot = d.id === org.root_department_id;
    const hide = h('input', { type: 'checkbox', checked: d.hidden, disabled: isRoot, 'aria-label': t('department.hidden') + ' ' + d.name });
    hide.addEventListener('change', () => busy(hide, null, async () => {
      await api.patch(`/orgs/${org.id}/departments/${d.id}`, { hidden: hide.checked });
      toast(t('common.saved'));
    }));
    return h('tr', { 'data-dept-id': d.id },
      h('td', { style: `padding-left:${0.75 + depth * 1.25}em` }, d.name),
      h('td', {}, names.join('、') || h('span', { class: 'muted' }, t('common.none'))),
      h('td', { class: 'num' }, d.sort_order),
      h('td', {}, hide),
      h('td', {}, h('div', { class: 'row-actions' },
        button('common.edit', { class: 'btn btn-small', onclick: () => editDialog(tree, d, refresh) }),
        button('department.managers', { class: 'btn btn-small', onclick: () => managersDialog(d, refresh) }),
        isRoot ? null : button('common.delete', {
          class: 'btn btn-small btn-danger',
          onclick: () => confirmDialog(t('department.confirm_delete', { name: d.name }), async () => {
            await api.del(`/orgs/${org.id}/departments/${d.id}`);
            refresh();
          }, 'common.delete'),
        }))));
  });
  clear(body,
    h('div', { class: 'toolbar' }, button('department.create', { class: 'btn btn-primary', onclick: () => editDialog(tree, null, refresh) })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'dept-table' },
      h('thead', {}, h('tr', {}, ['department.name', 'department.managers', 'department.sort_order', 'department.hidden', 'common.actions']
        .map((k) => h('th', {}, t(k))))),
      h('tbody', {}, rows))));
}

// One dialog for create and edit: the parent select is how a department moves.
function editDialog(tree, department, done) {
  const org = session.org;
  const isRoot = department?.id === org.root_department_id;
  // A department can't move under itself or its own descendants.
  const excluded = new Set();
  if (department) {
    const walk = (id) => { excluded.add(id); tree.children(id).forEach((c) => walk(c.id)); };
    walk(department.id);
  }
  const parents = tree.options().filter(([id]) => !excluded.has(id));
  openDialog(department ? 'department.edit' : 'department.create', (body, close) => {
    const errors = errorLine();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'));
    const form = h('form', { class: 'form' },
      field('department.name', input('name', { required: true, maxlength: 64, value: department?.name || '' })),
      isRoot ? null : field('department.parent', select('parent_id', parents, department?.parent_id ?? org.root_department_id)),
      field('department.sort_order', input('sort_order', { type: 'number', value: String(department?.sort_order ?? 0) }), 'department.sort_hint'),
      isRoot ? null : checkbox('hidden', 'department.hidden_label', department?.hidden),
      errors, h('div', { class: 'actions' }, button('common.cancel', { onclick: close }), submit));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(submit, errors, async () => {
        const values = formValues(form);
        const payload = { name: values.name, sort_order: Number(values.sort_order || 0) };
        if (!isRoot) Object.assign(payload, { parent_id: Number(values.parent_id), hidden: values.hidden });
        if (department) await api.patch(`/orgs/${org.id}/departments/${department.id}`, payload);
        else await api.post(`/orgs/${org.id}/departments`, payload);
        close();
        done();
      });
    });
    clear(body, form);
  });
}

function managersDialog(department, done) {
  const org = session.org;
  openDialog('department.managers', (body, close) => {
    const picker = memberPicker({ initial: department.manager_ids, label: t('department.managers') });
    const errors = errorLine();
    const save = button('common.save', { class: 'btn btn-primary' });
    save.addEventListener('click', () => busy(save, errors, async () => {
      await api.put(`/orgs/${org.id}/departments/${department.id}/managers`, { member_ids: picker.values() });
      close();
      done();
    }));
    clear(body, h('p', { class: 'muted' }, department.name), picker.element, errors,
      h('div', { class: 'actions' }, button('common.cancel', { onclick: close }), save));
  });
}
