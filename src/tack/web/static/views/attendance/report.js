// 考勤月报: per-member figures of a month, a daily chart (inline SVG, no library), and the
// CSV / XLSX downloads (plain links: the session cookie authorises the GET).

import { api, url } from '../../api.js';
import { clear, h } from '../../dom.js';
import { getLang, t } from '../../i18n.js';
import { emptyState } from '../../ui.js';
import { base, monthNow } from './common.js';

const NS = 'http://www.w3.org/2000/svg';
const SERIES = [['on_time', '#34c724'], ['late_count', '#faad14'], ['absent_days', '#f54a45']];

function chart(daily) {
  const svg = document.createElementNS(NS, 'svg');
  const w = Math.max(320, daily.length * 22);
  svg.setAttribute('viewBox', `0 0 ${w} 160`);
  svg.setAttribute('class', 'att-chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('attendance.chart'));
  const top = Math.max(1, ...daily.map((d) => d.workdays));
  daily.forEach((d, i) => {
    const values = { on_time: d.attended - d.late_count, late_count: d.late_count, absent_days: d.absent_days };
    let y = 140;
    for (const [key, colour] of SERIES) {
      const height = (values[key] / top) * 120;
      const rect = document.createElementNS(NS, 'rect');
      Object.entries({ x: i * 22 + 4, y: y - height, width: 14, height, fill: colour }).forEach(([k, v]) => rect.setAttribute(k, v));
      const title = document.createElementNS(NS, 'title');
      title.textContent = `${d.day} ${t(`attendance.series.${key}`)}: ${values[key]}`;
      rect.append(title);
      svg.append(rect);
      y -= height;
    }
    const label = document.createElementNS(NS, 'text');
    Object.entries({ x: i * 22 + 11, y: 154, 'text-anchor': 'middle', 'font-size': 9, fill: '#8f959e' }).forEach(([k, v]) => label.setAttribute(k, v));
    label.textContent = d.day.slice(8);
    svg.append(label);
  });
  return svg;
}

export async function render(body, ctx) {
  const month = h('input', { type: 'month', class: 'input att-month', value: ctx.query.month || monthNow(), 'aria-label': t('attendance.month') });
  const links = h('span', { class: 'att-links' });
  const out = h('div', {});
  clear(body, h('div', { class: 'att-toolbar' }, month, links), out);
  const draw = async () => {
    const report = await api.get(`${base()}/reports/monthly`, { month: month.value });
    const lang = getLang();
    clear(links,
      h('a', { class: 'btn btn-small', href: url(`${base()}/reports/monthly`, { month: month.value, format: 'csv', lang }), download: '' }, 'CSV'),
      h('a', { class: 'btn btn-small', href: url(`${base()}/reports/monthly`, { month: month.value, format: 'xlsx', lang }), download: '' }, 'XLSX'));
    if (!report.members.length) return clear(out, emptyState('attendance.no_records'));
    const cols = ['workdays', 'attended', 'late_count', 'late_minutes', 'early_count', 'absent_days', 'missing_in', 'missing_out', 'field_count', 'leave_days'];
    clear(out,
      h('div', { class: 'card att-chart-card' }, h('div', { class: 'att-legend' }, SERIES.map(([k, c]) => h('span', {}, h('i', { style: `background:${c}` }), t(`attendance.series.${k}`)))), chart(report.daily)),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'report' },
        h('thead', {}, h('tr', {}, h('th', {}, t('member.name')), h('th', {}, t('member.departments')), cols.map((c) => h('th', {}, t(`attendance.col.${c}`))))),
        h('tbody', {}, report.members.map((m) => h('tr', {}, h('td', {}, m.name), h('td', {}, m.department), cols.map((c) => h('td', {}, String(m[c])))))))));
  };
  month.addEventListener('change', draw);
  await draw();
}
