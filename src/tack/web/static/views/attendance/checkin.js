// 打卡: where I am (browser geolocation) against my group's places, drawn as an inline SVG
// map, today's shift, one big button (上班打卡 / 下班打卡), the result, and today's punches.

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { busy, emptyState, errorLine, toast } from '../../ui.js';
import { base, statusTag, timeOf } from './common.js';

const DEVICE_KEY = 'tack.attendance.device';

function deviceId() {
  // 本机打卡: a stable id for this browser, so groups that bind members to one device can.
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = 'web-' + crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 },
    );
  });
}

function metres(a, b) {
  const rad = (x) => (x * Math.PI) / 180;
  const dp = rad(b.lat - a.lat);
  const dl = rad(b.lng - a.lng);
  const s = Math.sin(dp / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dl / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(s)));
}

// A small map without tiles: geofences as circles, me as a dot, north up, scaled to fit.
function drawMap(places, me) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '-110 -110 220 220');
  svg.setAttribute('class', 'att-map');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('attendance.map'));
  const geo = places.filter((p) => p.kind === 'geo');
  const origin = me || geo[0];
  if (!origin) return svg;
  const offset = (p) => {
    const dx = metres(origin, { lat: origin.lat, lng: p.lng }) * Math.sign(p.lng - origin.lng);
    const dy = metres(origin, { lat: p.lat, lng: origin.lng }) * Math.sign(p.lat - origin.lat);
    return [dx, -dy];
  };
  const reach = Math.max(200, ...geo.map((p) => Math.hypot(...offset(p)) + p.radius_m));
  const scale = 100 / reach;
  const add = (tag, attrs) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
    return el;
  };
  add('rect', { x: -110, y: -110, width: 220, height: 220, fill: '#f5f6f7' });
  for (const p of geo) {
    const [x, y] = offset(p);
    add('circle', { cx: x * scale, cy: y * scale, r: p.radius_m * scale, fill: 'rgba(22,119,255,.12)', stroke: '#1677ff' });
    const label = add('text', { x: x * scale, y: y * scale + 4, 'text-anchor': 'middle', 'font-size': 10, fill: '#0958d9' });
    label.textContent = p.name;
  }
  if (me) add('circle', { cx: 0, cy: 0, r: 5, fill: '#f54a45', stroke: '#fff', 'stroke-width': 2, 'data-testid': 'me-dot' });
  return svg;
}

export async function render(body, ctx) {
  const today = await api.get(`${base()}/me/today`);
  if (ctx.stale()) return;
  const tz = today.timezone;
  const where = h('p', { class: 'muted', 'data-testid': 'position' }, t('attendance.locating'));
  const mapHost = h('div', { class: 'att-map-host' });
  const resultHost = h('div', { 'data-testid': 'checkin-result' });
  const list = h('ul', { class: 'att-punches', 'data-testid': 'punches' });
  const errors = errorLine();
  const note = h('input', { class: 'input', name: 'note', placeholder: t('attendance.field_note'), 'aria-label': t('attendance.field_note') });
  const fieldBox = h('input', { type: 'checkbox', name: 'field' });
  let position = null;

  const hasIn = today.records.some((r) => r.kind === 'in');
  const button = h('button', { type: 'button', class: 'att-punch-btn', 'data-testid': 'punch' },
    t(hasIn ? 'attendance.punch_out' : 'attendance.punch_in'));
  const drawResult = (result) => clear(resultHost, result
    ? h('p', {}, t('attendance.result'), ' ', statusTag(result.status, result.late_minutes || result.early_minutes))
    : null);
  const drawList = (records) => clear(list, records.length
    ? records.map((r) => h('li', {}, h('strong', {}, t(r.kind === 'in' ? 'attendance.kind_in' : 'attendance.kind_out')), ' ',
      timeOf(r.checked_at, tz), ' ', r.place_name ? h('span', { class: 'muted' }, r.place_name) : null,
      r.field ? h('span', { class: 'tag' }, t('attendance.status.field')) : null,
      r.source !== 'app' ? h('span', { class: 'tag tag-muted' }, t(`attendance.source.${r.source}`)) : null))
    : emptyState('attendance.no_punches'));

  const shiftLine = today.shift
    ? t('attendance.shift_line', { name: today.shift.name, start: timeOf(today.shift_start, tz), end: timeOf(today.shift_end, tz) })
    : t(today.group ? 'attendance.rest_today' : 'attendance.no_group');
  clear(body, h('div', { class: 'card att-checkin' },
    h('p', {}, h('strong', {}, today.day), ' ', h('span', { class: 'muted' }, today.group ? today.group.name : '')),
    h('p', { 'data-testid': 'shift-line' }, shiftLine),
    mapHost, where,
    today.group?.allow_field ? h('div', { class: 'att-field' }, h('label', { class: 'check' }, fieldBox, h('span', {}, t('attendance.field'))), note) : null,
    today.group ? button : null, errors, resultHost, list));
  drawResult(today.result);
  drawList(today.records);

  button.addEventListener('click', () => busy(button, errors, async () => {
    const body = { client_time: new Date().toISOString(), kind: today.records.some((r) => r.kind === 'in') ? 'out' : 'in', client_device: deviceId() };
    if (position) Object.assign(body, { lat: position.lat, lng: position.lng, accuracy_m: Math.round(position.accuracy) });
    if (fieldBox.checked) Object.assign(body, { field: true, note: note.value.trim() });
    const answer = await api.post(`${base()}/checkins`, body);
    today.records = [...today.records.filter((r) => r.kind !== answer.record.kind), answer.record];
    drawList(today.records);
    drawResult(answer.result);
    button.textContent = t('attendance.punch_out');
    toast(t(answer.duplicate ? 'attendance.already' : 'attendance.done'));
  }));

  position = await locate();
  if (ctx.stale()) return;
  if (position) {
    const geo = today.places.filter((p) => p.kind === 'geo');
    const inside = geo.find((p) => metres(position, p) <= p.radius_m);
    where.textContent = inside
      ? t('attendance.inside', { place: inside.name })
      : geo.length ? t('attendance.outside', { m: Math.round(Math.min(...geo.map((p) => metres(position, p)))) }) : t('attendance.located');
    where.className = inside ? 'att-ok' : 'muted';
  } else {
    where.textContent = t('attendance.no_position');
  }
  clear(mapHost, drawMap(today.places, position));
}
