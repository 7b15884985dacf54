// The template designer (owners and admins): the template list, and one template's form
// fields, flow steps (who, 会签/或签, condition), CC, reminder and visibility. The server
// checks the flow on save; its errors are listed field by field.

import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { go } from '../../router.js';
import { busy, errorLine, toast } from '../../ui.js';
import { memberPicker } from '../admin/pickers.js';
import { call } from './common.js';

const KINDS = ['text', 'long_text', 'number', 'money', 'date', 'time', 'daterange', 'select', 'multiselect', 'member', 'department', 'attachment', 'image', 'table', 'invoice'];
const STEP_KINDS = ['department_manager', 'manager', 'members', 'role', 'submitter_choice'];
const OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'ne', 'in'];

const opt = (value, label, selected) => h('option', { value, selected: String(value) === String(selected ?? '') }, label);

export async function render(main, ctx, templateId) {
  const [list, roles] = await Promise.all([call.get('/templates', { manage: true }), call.get('/roles')]);
  if (ctx.stale()) return;
  const current = templateId ? list.items.find((x) => x.id === templateId) : null;
  const editor = h('section', { class: 'card designer-editor', 'data-testid': 'designer-editor' });
  clear(main, h('div', { class: 'page-head approval-head' }, h('h1', {}, t('approval.designer')), h('a', { class: 'btn btn-small', href: '#/approval' }, t('common.back'))),
    h('div', { class: 'designer' },
      h('nav', { class: 'card designer-list' },
        h('ul', {}, list.items.map((x) => h('li', {}, h('a', { href: `#/approval/designer/${x.id}`, class: x.id === templateId ? 'active' : '' },
          x.name, x.active ? '' : ` (${t('approval.off')})`)))),
        h('a', { class: 'btn btn-small', href: '#/approval/designer/0', 'data-testid': 'new-template' }, t('approval.new_template')),
        rolesBlock(roles)),
      editor));
  if (templateId !== null) drawEditor(editor, current, roles.items);
}

function rolesBlock(roles) {
  const name = h('input', { class: 'input', 'aria-label': t('approval.role_name'), placeholder: t('approval.role_name') });
  const picker = memberPicker({ label: t('approval.role_members') });
  const errors = errorLine();
  const add = h('button', { type: 'button', class: 'btn btn-small' }, t('approval.add_role'));
  add.addEventListener('click', () => busy(add, errors, async () => {
    await call.post('/roles', { name: name.value, member_ids: picker.values() });
    toast(t('common.saved'));
    go('approval/designer');
  }));
  return h('div', { class: 'roles' }, h('h3', {}, t('approval.roles')),
    h('ul', {}, roles.items.map((r) => h('li', {}, `${r.name} (${r.member_ids.length})`))), name, picker.element, errors, add);
}

function fieldRow(f = { key: '', label: '', kind: 'text', required: false }) {
  const key = h('input', { class: 'input', value: f.key, 'aria-label': t('approval.field_key'), placeholder: 'key' });
  const label = h('input', { class: 'input', value: f.label, 'aria-label': t('approval.field_label'), placeholder: t('approval.field_label') });
  const kind = h('select', { class: 'input', 'aria-label': t('approval.field_kind') }, KINDS.map((k) => opt(k, t(`approval.kind.${k}`), f.kind)));
  const required = h('input', { type: 'checkbox', checked: !!f.required });
  const options = h('input', { class: 'input', value: (f.options || []).join(','), 'aria-label': t('approval.options'), placeholder: t('approval.options') });
  const halfDay = h('input', { type: 'checkbox', checked: !!f.half_day });
  const columns = h('input', { class: 'input', value: (f.columns || []).map((c) => `${c.key}:${c.label}:${c.kind}${c.required ? ':!' : ''}`).join(','),
    'aria-label': t('approval.columns'), placeholder: 'item:项目:text:!,amount:金额:money' });
  const row = h('div', { class: 'designer-row' }, key, label, kind, h('label', { class: 'check' }, required, h('span', {}, t('approval.required'))),
    options, h('label', { class: 'check' }, halfDay, h('span', {}, t('approval.half_day'))), columns,
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('common.remove'), onclick: () => row.remove() }, '×'));
  row.read = () => {
    const out = { key: key.value.trim(), label: label.value.trim(), kind: kind.value, required: required.checked };
    if (['select', 'multiselect'].includes(kind.value)) out.options = options.value.split(/[,，]/).map((x) => x.trim()).filter(Boolean);
    if (kind.value === 'daterange') out.half_day = halfDay.checked;
    if (kind.value === 'table') out.columns = columns.value.split(/[,，]/).filter(Boolean).map((c) => { const [k, l, kd, r] = c.split(':'); return { key: k, label: l || k, kind: kd || 'text', required: r === '!' }; });
    for (const extra of ['min', 'max', 'max_length', 'max_count', 'placeholder']) if (f[extra] !== undefined) out[extra] = f[extra];
    return out;
  };
  return row;
}

function stepRow(s = { kind: 'department_manager', level: 1, mode: 'any' }, roles) {
  const kind = h('select', { class: 'input', 'aria-label': t('approval.step_kind') }, STEP_KINDS.map((k) => opt(k, t(`approval.source.${k}`), s.kind)));
  const name = h('input', { class: 'input', value: s.name || '', 'aria-label': t('approval.step_name'), placeholder: t('approval.step_name') });
  const level = h('input', { class: 'input', type: 'number', min: 1, max: 10, value: s.level || 1, 'aria-label': t('approval.level') });
  const role = h('select', { class: 'input', 'aria-label': t('approval.roles') }, opt('', '—'), roles.map((r) => opt(r.id, r.name, s.role_id)));
  const mode = h('select', { class: 'input', 'aria-label': t('approval.mode_label') }, ['any', 'all'].map((m) => opt(m, t(`approval.mode.${m}`), s.mode)));
  const picker = memberPicker({ initial: s.member_ids || [], label: t('approval.person') });
  const cField = h('input', { class: 'input', value: s.condition?.field || '', 'aria-label': t('approval.condition_field'), placeholder: t('approval.condition_field') });
  const cOp = h('select', { class: 'input', 'aria-label': t('approval.condition_op') }, OPS.map((o) => opt(o, t(`approval.op.${o}`), s.condition?.op || 'gt')));
  const cValue = h('input', { class: 'input', value: s.condition ? String(s.condition.value) : '', 'aria-label': t('approval.condition_value'), placeholder: t('approval.condition_value') });
  const row = h('div', { class: 'designer-row' }, name, kind, level, role, mode, picker.element, h('span', { class: 'muted' }, t('approval.when')), cField, cOp, cValue,
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('common.remove'), onclick: () => row.remove() }, '×'));
  row.read = () => {
    const out = { name: name.value.trim(), kind: kind.value, level: Number(level.value) || 1, mode: mode.value };
    if (kind.value === 'members') out.member_ids = picker.values();
    if (kind.value === 'role' && role.value) out.role_id = Number(role.value);
    if (cField.value.trim()) {
      const raw = cValue.value.trim();
      out.condition = { field: cField.value.trim(), op: cOp.value, value: raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw };
    }
    return out;
  };
  return row;
}

function drawEditor(editor, tpl, roles) {
  const name = h('input', { class: 'input', value: tpl?.name || '', 'aria-label': t('approval.template_name'), 'data-testid': 'template-name' });
  const description = h('input', { class: 'input', value: tpl?.description || '', 'aria-label': t('approval.description') });
  const fields = h('div', { class: 'designer-rows' }, (tpl?.form || [{ key: 'subject', label: '事项', kind: 'text', required: true }]).map((f) => fieldRow(f)));
  const steps = h('div', { class: 'designer-rows' }, (tpl?.flow.steps || [{ kind: 'department_manager', level: 1, mode: 'any' }]).map((s) => stepRow(s, roles)));
  const ccPicker = memberPicker({ initial: (tpl?.flow.cc || []).flatMap((c) => c.member_ids || []), label: t('approval.cc') });
  const ccOn = h('select', { class: 'input', 'aria-label': t('approval.cc_on') }, ['finish', 'submit', 'both'].map((o) => opt(o, t(`approval.cc_when.${o}`), tpl?.flow.cc?.[0]?.on)));
  const remind = h('input', { class: 'input', type: 'number', min: 0, max: 720, value: tpl?.flow.remind_after_hours ?? 24, 'aria-label': t('approval.remind_hours') });
  const visAll = h('input', { type: 'checkbox', checked: tpl ? tpl.visibility.all : true });
  const visPicker = memberPicker({ initial: tpl?.visibility.member_ids || [], label: t('approval.visible_to') });
  const active = h('input', { type: 'checkbox', checked: tpl ? tpl.active : true });
  const errors = h('ul', { class: 'form-error', role: 'alert', 'data-testid': 'designer-errors' });
  const save = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'save-template' }, t('common.save'));
  const line = errorLine();
  save.addEventListener('click', () => busy(save, line, async () => {
    clear(errors);
    const cc = ccPicker.values().length ? [{ member_ids: ccPicker.values(), on: ccOn.value }] : [];
    const body = {
      name: name.value.trim(), description: description.value.trim(),
      form: [...fields.children].map((r) => r.read()),
      flow: { steps: [...steps.children].map((r) => r.read()), cc, remind_after_hours: Number(remind.value) || 0 },
      visibility: { all: visAll.checked, department_ids: tpl?.visibility.department_ids || [], member_ids: visPicker.values() },
    };
    try {
      const saved = tpl ? await call.put(`/templates/${tpl.id}`, { ...body, active: active.checked }) : await call.post('/templates', body);
      toast(t('common.saved'));
      go(`approval/designer/${saved.id}`);
    } catch (error) {
      for (const e of error.body?.detail?.errors || []) errors.append(h('li', {}, [e.field ?? (e.step !== undefined ? `#${e.step + 1}` : ''), t(`approval.err.${e.error}`)].filter(Boolean).join(': ')));
      throw error;
    }
  }));
  clear(editor, h('h2', {}, tpl ? `${tpl.name} · v${tpl.version}` : t('approval.new_template')),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('approval.template_name')), name),
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('approval.description')), description),
    h('h3', {}, t('approval.form')), fields, h('button', { type: 'button', class: 'btn btn-small', onclick: () => fields.append(fieldRow()) }, t('approval.add_field')),
    h('h3', {}, t('approval.flow')), steps, h('button', { type: 'button', class: 'btn btn-small', onclick: () => steps.append(stepRow(undefined, roles)) }, t('approval.add_step')),
    h('h3', {}, t('approval.cc')), ccPicker.element, ccOn,
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('approval.remind_hours')), remind),
    h('h3', {}, t('approval.visible_to')), h('label', { class: 'check' }, visAll, h('span', {}, t('approval.visible_all'))), visPicker.element,
    tpl ? h('label', { class: 'check' }, active, h('span', {}, t('approval.active'))) : null,
    errors, line, h('div', { class: 'actions' }, save));
}
