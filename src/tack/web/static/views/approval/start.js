// Starting a request: the template's form, and below it the approvers and CC resolved for
// what has been filled in so far (previewed by the server as the form changes).

import { loadDepartments } from '../../departments.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { go } from '../../router.js';
import { session } from '../../state.js';
import { avatar, busy, errorLine, toast } from '../../ui.js';
import { memberPicker } from '../admin/pickers.js';
import { call } from './common.js';

export async function render(main, ctx, templateId) {
  const tpl = await call.get(`/templates/${templateId}`);
  if (ctx.stale()) return;
  const controls = tpl.form.map((f) => control(f));
  const flow = h('div', { class: 'flow-preview', 'data-testid': 'flow-preview' });
  const choices = new Map(); // submitter_choice step index → picker
  const errors = errorLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'submit-approval' }, t('approval.submit'));
  const values = () => Object.fromEntries(controls.map((c) => [c.field.key, c.value()]).filter(([, v]) => v !== undefined));
  const chosen = () => Object.fromEntries([...choices].map(([i, p]) => [String(i), p.values()]));
  const form = h('form', { class: 'card approval-form', 'data-testid': 'approval-form', novalidate: true,
    onsubmit: (e) => {
      e.preventDefault();
      busy(submit, errors, async () => {
        const inst = await call.post('/instances', { template_id: tpl.id, values: values(), chosen: chosen() });
        toast(t('approval.submitted'));
        go(`approval/i/${inst.id}`);
      });
    },
  },
  h('h1', {}, tpl.name), tpl.description ? h('p', { class: 'muted' }, tpl.description) : null,
  controls.map((c) => c.element),
  h('h2', {}, t('approval.flow')), flow, errors,
  h('div', { class: 'actions' }, h('a', { class: 'btn', href: '#/approval' }, t('common.cancel')), submit));
  clear(main, form);

  let timer;
  const preview = async () => {
    const p = await call.post(`/templates/${tpl.id}/preview`, { values: values(), chosen: chosen() }).catch(() => null);
    if (!p) return;
    for (const i of p.needs_choice) if (!choices.has(i)) choices.set(i, memberPicker({ label: t('approval.choose') }));
    clear(flow,
      p.steps.length ? h('ol', { class: 'flow-steps' }, p.steps.map((s) => h('li', { class: 'flow-step' },
        h('span', { class: 'muted' }, s.name || t(`approval.source.${s.source.split(':')[0]}`)),
        h('span', { class: 'tag tag-muted' }, t(`approval.mode.${s.mode}`)),
        h('span', { class: 'flow-people' }, s.approvers.map((a) => h('span', { class: 'person' }, avatar(a.name, 'sm'), h('span', { 'data-testid': 'flow-approver' }, a.name))))))) : h('p', { class: 'muted' }, t('approval.no_approvers')),
      [...choices].map(([i, picker]) => h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('approval.choose_for', { n: i + 1 })), picker.element)),
      p.cc.length ? h('p', {}, t('approval.cc'), ': ', p.cc.map((c) => c.name).join(t('chat.list_sep'))) : null);
  };
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(preview, 300);
  });
  form.addEventListener('change', () => {
    clearTimeout(timer);
    timer = setTimeout(preview, 100);
  });
  await preview();
}

const attr = (f) => ({ name: f.key, required: f.required, 'data-field': f.key });

function labelled(f, ...children) {
  return h('div', { class: 'field', 'data-kind': f.kind },
    h('span', { class: 'field-label' }, f.label, f.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    ...children);
}

function inputControl(f, type, extra = {}) {
  const el = h('input', { class: 'input', type, 'aria-label': f.label, placeholder: f.placeholder || '', ...attr(f), ...extra });
  return { field: f, element: labelled(f, el), value: () => {
    if (el.value === '') return undefined;
    if (f.kind === 'number') return Number(el.value);
    return el.value;
  } };
}

function rowsControl(f, columns, emptyRow) {
  const body = h('div', { class: 'line-items', 'data-testid': `rows-${f.key}` });
  const rows = [];
  const addRow = () => {
    const inputs = columns.map((c) => h('input', {
      class: 'input', 'aria-label': c.label, placeholder: c.label, 'data-col': c.key,
      type: c.kind === 'date' ? 'date' : c.kind === 'number' ? 'number' : 'text', inputmode: c.kind === 'money' ? 'decimal' : null,
    }));
    const row = h('div', { class: 'line-item' }, inputs, h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('common.remove'), onclick: () => {
      rows.splice(rows.indexOf(entry), 1);
      row.remove();
    } }, '×'));
    const entry = { row, inputs };
    rows.push(entry);
    body.append(row);
  };
  if (emptyRow) addRow();
  const add = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': `add-row-${f.key}`, onclick: addRow }, t('approval.add_row'));
  return { field: f, element: labelled(f, body, add), value: () => {
    const out = rows.map(({ inputs }) => Object.fromEntries(inputs.filter((i) => i.value !== '').map((i) => [i.dataset.col, i.type === 'number' ? Number(i.value) : i.value])))
      .filter((r) => Object.keys(r).length);
    return out.length ? out : undefined;
  } };
}

function filesControl(f) {
  const ids = [];
  const list = h('ul', { class: 'file-list' });
  const picker = h('input', { type: 'file', class: 'input', multiple: true, accept: f.kind === 'image' ? 'image/*' : null, 'aria-label': f.label,
    onchange: async () => {
      for (const file of picker.files) {
        const form = new FormData();
        form.append('file', file);
        form.append('kind', f.kind === 'image' ? 'image' : 'file');
        try {
          const up = await call.upload('/files', form);
          ids.push(up.id);
          list.append(h('li', {}, up.name));
        } catch (error) {
          toast(error.message, 'error');
        }
      }
      picker.value = '';
    } });
  return { field: f, element: labelled(f, picker, list), value: () => (ids.length ? [...ids] : undefined) };
}

function control(f) {
  switch (f.kind) {
    case 'long_text': {
      const el = h('textarea', { class: 'input', rows: 3, 'aria-label': f.label, ...attr(f) });
      return { field: f, element: labelled(f, el), value: () => el.value || undefined };
    }
    case 'number': return inputControl(f, 'number', { min: f.min ?? null, max: f.max ?? null, step: 'any' });
    case 'money': return inputControl(f, 'text', { inputmode: 'decimal', placeholder: '0.00' });
    case 'date': return inputControl(f, 'date');
    case 'time': return inputControl(f, 'time');
    case 'select': {
      const el = h('select', { class: 'input', 'aria-label': f.label, ...attr(f) },
        h('option', { value: '' }, t('approval.pick')), f.options.map((o) => h('option', { value: o }, o)));
      return { field: f, element: labelled(f, el), value: () => el.value || undefined };
    }
    case 'multiselect': {
      const boxes = f.options.map((o) => h('input', { type: 'checkbox', value: o }));
      return { field: f, element: labelled(f, h('div', { class: 'checklist', role: 'group', 'aria-label': f.label },
        boxes.map((b) => h('label', { class: 'check' }, b, h('span', {}, b.value))))),
      value: () => { const v = boxes.filter((b) => b.checked).map((b) => b.value); return v.length ? v : undefined; } };
    }
    case 'daterange': {
      const start = h('input', { type: 'date', class: 'input', 'aria-label': t('approval.start_date'), 'data-field': `${f.key}.start` });
      const end = h('input', { type: 'date', class: 'input', 'aria-label': t('approval.end_date'), 'data-field': `${f.key}.end` });
      const half = (which, dflt) => h('select', { class: 'input', 'aria-label': t(`approval.${which}_half`) },
        ['am', 'pm'].map((x) => h('option', { value: x, selected: x === dflt }, t(`approval.half.${x}`))));
      const sh = f.half_day ? half('start', 'am') : null;
      const eh = f.half_day ? half('end', 'pm') : null;
      return { field: f, element: labelled(f, h('div', { class: 'range' }, start, sh, h('span', {}, '~'), end, eh)), value: () => {
        if (!start.value && !end.value) return undefined;
        return { start: start.value, end: end.value, ...(f.half_day ? { start_half: sh.value, end_half: eh.value } : {}) };
      } };
    }
    case 'member': {
      const picker = memberPicker({ label: f.label });
      return { field: f, element: labelled(f, picker.element), value: () => { const v = picker.values(); return v.length ? v : undefined; } };
    }
    case 'department': {
      const el = h('select', { class: 'input', multiple: true, 'aria-label': f.label, ...attr(f) });
      loadDepartments(session.org.id).then((tree) => el.append(...tree.flatten().map(({ department, depth }) => h('option', { value: department.id }, '\u3000'.repeat(depth) + department.name))));
      return { field: f, element: labelled(f, el), value: () => { const v = [...el.selectedOptions].map((o) => Number(o.value)); return v.length ? v : undefined; } };
    }
    case 'attachment': case 'image': return filesControl(f);
    case 'table': return rowsControl(f, f.columns, true);
    case 'invoice': return rowsControl(f, [
      { key: 'code', label: t('approval.invoice.code'), kind: 'text' }, { key: 'number', label: t('approval.invoice.number'), kind: 'text' },
      { key: 'date', label: t('approval.invoice.date'), kind: 'date' }, { key: 'amount', label: t('approval.invoice.amount'), kind: 'money' },
    ], false);
    default: return inputControl(f, 'text', { maxlength: f.max_length || 200 });
  }
}
