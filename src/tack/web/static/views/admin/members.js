// Members: list (with deactivated ones on request), add (the first password is shown once),
// edit, role and sub-admin scope, deactivate / reactivate, issue a new password.

import { api } from '../../api.js';
import { clear, formValues, h } from '../../dom.js';
import { loadDepartments } from '../../departments.js';
import { t } from '../../i18n.js';
import { session } from '../../state.js';
import { busy, button, checkbox, confirmDialog, errorLine, field, input, openDialog, select } from '../../ui.js';
import { departmentChecklist, memberPicker, rememberName } from './pickers.js';

const PAGE_SIZE = 20;
const ROLES = ['member', 'subadmin', 'admin', 'owner'];

export async function render(body) {
  const org = session.org;
  const tree = await loadDepartments(org.id);
  const state = { q: '', department_id: '', include_inactive: false, offset: 0 };
  const tableHost = h('div', { class: 'table-wrap' });
  const pager = h('div', { class: 'pager' });

  const draw = async () => {
    const page = await api.get(`/orgs/${org.id}/members`, { ...state, limit: PAGE_SIZE });
    page.items.forEach(rememberName);
    clear(tableHost, h('table', { class: 'table', 'data-testid': 'member-table' },
      h('thead', {}, h('tr', {}, ['member.name', 'member.phone', 'member.departments', 'member.job_title', 'member.role', 'member.status', 'common.actions']
        .map((k) => h('th', {}, t(k))))),
      h('tbody', {}, page.items.map((m) => memberRow(m, tree, draw)))));
    clear(pager,
      h('button', { type: 'button', class: 'btn btn-small', disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - PAGE_SIZE); draw(); } }, t('common.prev')),
      h('span', { class: 'muted' }, page.total
        ? t('common.page_range', { from: state.offset + 1, to: state.offset + page.items.length, total: page.total })
        : t('directory.no_results')),
      h('button', { type: 'button', class: 'btn btn-small', disabled: page.next_offset === null, onclick: () => { state.offset = page.next_offset; draw(); } }, t('common.next')));
  };

  const search = h('input', { type: 'search', class: 'input', placeholder: t('directory.search_placeholder'), 'aria-label': t('directory.search') });
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.q = search.value.trim(); state.offset = 0; draw(); }, 250);
  });
  const department = select('department_id', [['', t('member.all_departments')], ...tree.options()], '', { 'aria-label': t('member.departments') });
  department.addEventListener('change', () => { state.department_id = department.value; state.offset = 0; draw(); });
  const inactive = checkbox('include_inactive', 'member.include_inactive');
  inactive.querySelector('input').addEventListener('change', (e) => { state.include_inactive = e.target.checked; state.offset = 0; draw(); });

  clear(body,
    h('div', { class: 'toolbar' }, search, department, inactive, h('span', { class: 'grow' }),
      button('member.add', { class: 'btn btn-primary', 'data-testid': 'add-member', onclick: () => memberDialog(tree, null, draw) })),
    tableHost, pager);
  await draw();
}

function memberRow(m, tree, refresh) {
  const org = session.org;
  const base = `/orgs/${org.id}/members/${m.id}`;
  const toggle = m.active
    ? button('member.deactivate', {
      class: 'btn btn-small btn-danger',
      onclick: () => confirmDialog(t('member.confirm_deactivate', { name: m.name }), async () => { await api.post(base + '/deactivate'); refresh(); }, 'member.deactivate'),
    })
    : button('member.reactivate', { class: 'btn btn-small', onclick: (e) => busy(e.currentTarget, null, async () => { await api.post(base + '/reactivate'); refresh(); }) });
  return h('tr', { 'data-member-id': m.id, class: m.active ? '' : 'inactive' },
    h('td', {}, m.name),
    h('td', {}, m.phone || h('span', { class: 'muted' }, t(m.hide_phone ? 'member.phone_hidden' : 'common.none'))),
    h('td', {}, tree.names(m.department_ids).join('、')),
    h('td', {}, m.job_title || ''),
    h('td', {}, t('role.' + m.role)),
    h('td', {}, m.active ? t('member.active') : h('span', { class: 'tag tag-danger' }, t('member.inactive'))),
    h('td', {}, h('div', { class: 'row-actions' },
      button('common.edit', { class: 'btn btn-small', onclick: () => memberDialog(tree, m, refresh) }),
      button('member.set_role', { class: 'btn btn-small', onclick: () => roleDialog(tree, m, refresh) }),
      m.has_account ? button('member.issue_password', {
        class: 'btn btn-small',
        onclick: () => confirmDialog(t('member.confirm_issue_password', { name: m.name }), async () => {
          const issued = await api.post(base + '/password');
          showPassword('member.password_issued', m.name, issued.password);
        }),
      }) : null,
      toggle)));
}

// Add and edit share one form; only adding offers a first password.
function memberDialog(tree, member, done) {
  const org = session.org;
  openDialog(member ? 'member.edit' : 'member.add', (body, close) => {
    const manager = memberPicker({ initial: member?.manager_id ? [member.manager_id] : [], single: true, label: t('member.manager') });
    const errors = errorLine();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'));
    const form = h('form', { class: 'form form-grid', 'data-testid': 'member-form' },
      field('member.name', input('name', { required: true, maxlength: 64, value: member?.name || '' })),
      field('member.phone', input('phone', { type: 'tel', value: member?.phone || '' })),
      field('member.email', input('email', { type: 'email', value: member?.email || '' })),
      field('member.job_title', input('job_title', { maxlength: 64, value: member?.job_title || '' })),
      field('member.employee_no', input('employee_no', { maxlength: 64, value: member?.employee_no || '' })),
      field('member.hire_date', input('hire_date', { type: 'date', value: member?.hire_date || '' })),
      h('div', { class: 'field span-2' }, h('span', { class: 'field-label' }, t('member.departments')),
        departmentChecklist(tree, 'department_ids', member ? member.department_ids : [org.root_department_id], t('member.departments'))),
      h('div', { class: 'field span-2' }, h('span', { class: 'field-label' }, t('member.manager')), manager.element),
      checkbox('hide_phone', 'member.hide_phone', member?.hide_phone),
      member ? null : field('member.first_password', input('password', { type: 'text', minlength: 8, autocomplete: 'off' }), 'member.first_password_hint'),
      h('div', { class: 'span-2' }, errors),
      h('div', { class: 'actions span-2' }, button('common.cancel', { onclick: close }), submit));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(submit, errors, async () => {
        const v = formValues(form);
        const payload = {
          name: v.name, phone: v.phone ?? null, email: v.email ?? null, job_title: v.job_title ?? null,
          employee_no: v.employee_no ?? null, hire_date: v.hire_date ?? null, hide_phone: v.hide_phone,
          manager_id: manager.values()[0] ?? null,
        };
        if (v.department_ids?.length) payload.department_ids = v.department_ids;
        if (member) {
          await api.patch(`/orgs/${org.id}/members/${member.id}`, payload);
          close();
        } else {
          if (v.password) payload.password = v.password;
          const created = await api.post(`/orgs/${org.id}/members`, payload);
          close();
          if (created.initial_password) showPassword('member.added', created.member.name, created.initial_password);
        }
        done();
      });
    });
    clear(body, form);
  }, { wide: true });
}

function roleDialog(tree, member, done) {
  const org = session.org;
  openDialog('member.set_role', (body, close) => {
    const role = select('role', ROLES.map((r) => [r, t('role.' + r)]), member.role);
    const scope = h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('member.scope')),
      departmentChecklist(tree, 'scope_department_ids', member.scope_department_ids || [], t('member.scope')));
    const syncScope = () => { scope.hidden = role.value !== 'subadmin'; };
    role.addEventListener('change', syncScope);
    syncScope();
    const errors = errorLine();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'));
    const form = h('form', { class: 'form' }, h('p', {}, member.name), field('member.role', role), scope, errors,
      h('div', { class: 'actions' }, button('common.cancel', { onclick: close }), submit));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(submit, errors, async () => {
        const v = formValues(form);
        await api.put(`/orgs/${org.id}/members/${member.id}/role`, {
          role: v.role, scope_department_ids: v.role === 'subadmin' ? v.scope_department_ids || [] : [],
        });
        close();
        done();
      });
    });
    clear(body, form);
  });
}

// The server keeps only a hash: this is the one time anyone sees the password.
function showPassword(titleKey, name, password) {
  openDialog(titleKey, (body, close) => {
    clear(body,
      h('p', {}, t('member.password_for', { name })),
      h('p', {}, h('code', { class: 'secret', 'data-testid': 'initial-password' }, password)),
      h('p', { class: 'muted' }, t('member.password_once')),
      h('div', { class: 'actions' }, button('common.done', { class: 'btn btn-primary', onclick: close })));
  });
}
