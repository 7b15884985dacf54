// 考勤设置 (owners and admins): shifts, groups (who, shift, rest days, options, places),
// clock-in devices, and the holiday calendar with make-up workdays (调休).

import { api } from '../../api.js';
import { clear, formValues, h } from '../../dom.js';
import { loadDepartments } from '../../departments.js';
import { t } from '../../i18n.js';
import { session } from '../../state.js';
import { busy, checkbox, confirmDialog, emptyState, errorLine, field, input, openDialog, select, toast } from '../../ui.js';
import { departmentChecklist, memberPicker } from '../admin/pickers.js';
import { base } from './common.js';

const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6];

export async function render(body, ctx) {
  const sections = { shifts: drawShifts, groups: drawGroups, devices: drawDevices, holidays: drawHolidays };
  const which = sections[ctx.rest[1]] ? ctx.rest[1] : 'groups';
  const host = h('div', {});
  clear(body, h('nav', { class: 'att-subtabs' }, Object.keys(sections).map((k) => h('a', {
    href: `#/attendance/settings/${k}`, class: 'btn btn-small' + (k === which ? ' btn-primary' : ''), 'data-section': k,
  }, t(`attendance.settings.${k}`)))), host);
  await sections[which](host);
}

function form(fields, submitKey, onSubmit) {
  const errors = errorLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t(submitKey));
  const el = h('form', { class: 'att-form' }, fields, errors, submit);
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, errors, () => onSubmit(formValues(el), el));
  });
  return el;
}

async function drawShifts(host) {
  const shifts = (await api.get(`${base()}/shifts`)).items;
  const list = shifts.length
    ? h('table', { class: 'table' }, h('tbody', {}, shifts.map((s) => h('tr', {},
      h('td', {}, s.name), h('td', {}, `${s.start}–${s.end}${s.overnight ? ' ' + t('attendance.next_day') : ''}`),
      h('td', {}, t(`attendance.kind.${s.kind}`)),
      h('td', {}, h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => confirmDialog(t('common.delete') + ' ' + s.name, async () => {
        await api.del(`${base()}/shifts/${s.id}`);
        drawShifts(host);
      }) }, t('common.delete')))))))
    : emptyState('attendance.none');
  clear(host, h('div', { class: 'table-wrap' }, list), h('h2', {}, t('attendance.new_shift')), form([
    field('attendance.name', input('name', { required: true, maxlength: 64 })),
    field('attendance.kind_label', select('kind', [['fixed', t('attendance.kind.fixed')], ['flexible', t('attendance.kind.flexible')]], 'fixed')),
    field('attendance.start', input('start', { type: 'time', required: true, value: '09:00' })),
    field('attendance.end', input('end', { type: 'time', required: true, value: '18:00' })),
    checkbox('overnight', 'attendance.next_day'),
    field('attendance.late_grace', input('late_grace_minutes', { type: 'number', min: 0, value: 0 })),
    field('attendance.serious_late', input('serious_late_minutes', { type: 'number', min: 0, value: 0 })),
    field('attendance.required', input('required_minutes', { type: 'number', min: 0, value: 0 })),
  ], 'common.save', async (v) => {
    const n = (x) => Number(x || 0);
    await api.post(`${base()}/shifts`, { ...v, late_grace_minutes: n(v.late_grace_minutes), serious_late_minutes: n(v.serious_late_minutes), required_minutes: n(v.required_minutes) });
    toast(t('common.saved'));
    drawShifts(host);
  }));
}

async function drawGroups(host) {
  const [groups, shifts, tree] = await Promise.all([api.get(`${base()}/groups`), api.get(`${base()}/shifts`), loadDepartments(session.org.id)]);
  const shiftName = new Map(shifts.items.map((s) => [s.id, s.name]));
  const rows = groups.items.map((g) => h('li', { class: 'card att-group', 'data-group': g.id },
    h('strong', {}, g.name), ' ', h('span', { class: 'tag tag-muted' }, t(`attendance.kind.${g.kind}`)), ' ',
    h('span', { class: 'muted' }, g.shift_id ? shiftName.get(g.shift_id) : ''),
    h('p', { class: 'muted' }, t('attendance.group_covers', { m: g.member_ids.length, d: g.department_ids.length })),
    h('div', { class: 'att-actions' },
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => editAssignment(g, tree, () => drawGroups(host)) }, t('attendance.assign')),
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => editPlaces(g) }, t('attendance.places')),
      h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => confirmDialog(t('common.delete') + ' ' + g.name, async () => {
        await api.del(`${base()}/groups/${g.id}`);
        drawGroups(host);
      }) }, t('common.delete')))));
  clear(host, rows.length ? h('ul', { class: 'att-groups' }, rows) : emptyState('attendance.none'),
    h('h2', {}, t('attendance.new_group')), form([
      field('attendance.name', input('name', { required: true, maxlength: 64 })),
      field('attendance.kind_label', select('kind', ['fixed', 'flexible', 'scheduled'].map((k) => [k, t(`attendance.kind.${k}`)]), 'fixed')),
      field('attendance.shift', select('shift_id', [['', '—'], ...shifts.items.map((s) => [s.id, s.name])], '')),
      h('fieldset', { class: 'att-weekdays' }, h('legend', {}, t('attendance.rest_days')),
        WEEKDAYS.map((d) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'rest_weekdays', value: d, checked: d >= 5, dataset: { group: 'rest' } }), h('span', {}, t(`attendance.weekday.${d}`))))),
      checkbox('use_holidays', 'attendance.use_holidays', true),
      checkbox('allow_field', 'attendance.allow_field'),
      checkbox('require_binding', 'attendance.require_binding'),
      checkbox('reminders', 'attendance.reminders'),
    ], 'common.save', async (v) => {
      await api.post(`${base()}/groups`, { ...v, shift_id: v.shift_id ? Number(v.shift_id) : null, rest_weekdays: v.rest_weekdays || [] });
      toast(t('common.saved'));
      drawGroups(host);
    }));
}

function editAssignment(group, tree, done) {
  openDialog('attendance.assign', (dialogBody, close) => {
    const picker = memberPicker({ initial: group.member_ids, label: t('attendance.members') });
    const checklist = departmentChecklist(tree, 'department_ids', group.department_ids, t('attendance.departments'));
    const errors = errorLine();
    const save = h('button', { type: 'button', class: 'btn btn-primary' }, t('common.save'));
    save.addEventListener('click', () => busy(save, errors, async () => {
      const department_ids = [...checklist.querySelectorAll('input:checked')].map((x) => Number(x.value));
      await api.put(`${base()}/groups/${group.id}/assignment`, { member_ids: picker.values(), department_ids });
      close();
      done();
    }));
    clear(dialogBody, h('h3', {}, t('attendance.members')), picker.element, h('h3', {}, t('attendance.departments')), checklist, errors, save);
  }, { wide: true });
}

function editPlaces(group) {
  openDialog('attendance.places', async (dialogBody) => {
    const draw = async () => {
      const places = (await api.get(`${base()}/groups/${group.id}/places`)).items;
      clear(dialogBody,
        places.length ? h('ul', {}, places.map((p) => h('li', {}, p.name, ' ',
          h('span', { class: 'muted' }, p.kind === 'geo' ? `${p.lat.toFixed(5)}, ${p.lng.toFixed(5)} · ${p.radius_m} m` : `${p.ssid} · ${p.bssid}`), ' ',
          h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: async () => { await api.del(`${base()}/places/${p.id}`); draw(); } }, t('common.delete'))))) : emptyState('attendance.none'),
        form([
          field('attendance.place_kind', select('kind', [['geo', t('attendance.geo')], ['wifi', 'Wi-Fi']], 'geo')),
          field('attendance.name', input('name', { required: true, maxlength: 100 })),
          field('attendance.lat', input('lat', { type: 'number', step: 'any' })),
          field('attendance.lng', input('lng', { type: 'number', step: 'any' })),
          field('attendance.radius', input('radius_m', { type: 'number', min: 100, max: 3000, value: 300 })),
          field('attendance.ssid', input('ssid', { maxlength: 64 })),
          field('attendance.bssid', input('bssid', { maxlength: 17, placeholder: 'aa:bb:cc:dd:ee:ff' })),
        ], 'attendance.add_place', async (v) => {
          const body = v.kind === 'geo'
            ? { kind: 'geo', name: v.name, lat: Number(v.lat), lng: Number(v.lng), radius_m: Number(v.radius_m) }
            : { kind: 'wifi', name: v.name, ssid: v.ssid, bssid: v.bssid };
          await api.post(`${base()}/groups/${group.id}/places`, body);
          draw();
        }));
    };
    await draw();
  }, { wide: true });
}

async function drawDevices(host) {
  const [devices, groups] = await Promise.all([api.get(`${base()}/devices`), api.get(`${base()}/groups`)]);
  const secret = h('div', {});
  clear(host,
    devices.items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' }, h('tbody', {}, devices.items.map((d) => h('tr', {},
      h('td', {}, d.name), h('td', {}, h('code', {}, d.serial)),
      h('td', {}, d.active ? t('attendance.active') : t('attendance.disabled')),
      h('td', {}, h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: async () => { await api.del(`${base()}/devices/${d.id}`); drawDevices(host); } }, t('common.delete')))))))) : emptyState('attendance.none'),
    h('h2', {}, t('attendance.new_device')), secret,
    form([
      field('attendance.name', input('name', { required: true, maxlength: 64 })),
      field('attendance.serial', input('serial', { required: true, maxlength: 64 })),
      field('attendance.group', select('group_id', [['', '—'], ...groups.items.map((g) => [g.id, g.name])], '')),
    ], 'common.save', async (v) => {
      const d = await api.post(`${base()}/devices`, { ...v, group_id: v.group_id ? Number(v.group_id) : null });
      await drawDevices(host);
      host.prepend(h('p', { class: 'card', 'data-testid': 'device-secret' }, t('attendance.secret_once'), ' ', h('code', {}, d.secret)));
    }));
}

async function drawHolidays(host) {
  const year = new Date().getFullYear();
  // This year and next (the 国务院 calendar for next year comes out in the autumn); the server
  // lists at most 400 days at once, so one request per year.
  const years = await Promise.all([year, year + 1].map((y) => api.get(`${base()}/holidays`, { from_day: `${y}-01-01`, to_day: `${y}-12-31` })));
  const list = { items: years.flatMap((l) => l.items) };
  clear(host,
    list.items.length ? h('ul', {}, list.items.map((i) => h('li', {}, i.day, ' ', h('span', { class: 'tag' + (i.kind === 'holiday' ? ' tag-muted' : '') }, t(`attendance.holiday.${i.kind}`)), ' ', i.name, ' ',
      h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: async () => {
        await api.put(`${base()}/holidays`, { from_day: i.day, to_day: i.day, items: [] });
        drawHolidays(host);
      } }, t('common.delete'))))) : emptyState('attendance.none'),
    form([
      field('attendance.day', input('day', { type: 'date', required: true })),
      field('attendance.kind_label', select('kind', [['holiday', t('attendance.holiday.holiday')], ['workday', t('attendance.holiday.workday')]], 'holiday')),
      field('attendance.name', input('name', { maxlength: 64 })),
    ], 'common.save', async (v) => {
      await api.put(`${base()}/holidays`, { from_day: v.day, to_day: v.day, items: [{ day: v.day, kind: v.kind, name: v.name || '' }] });
      drawHolidays(host);
    }));
}
