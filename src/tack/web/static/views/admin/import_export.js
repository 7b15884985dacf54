// Import members from CSV / XLSX (bad rows are reported, good rows land) and export the directory.

import { api, url } from '../../api.js';
import { clear, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { session } from '../../state.js';
import { busy, errorLine, field } from '../../ui.js';

export async function render(body) {
  const org = session.org;
  const report = h('div', { class: 'import-report', 'data-testid': 'import-report' });
  const errors = errorLine();
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,.xlsx', required: true, class: 'input' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('import.upload'));
  const form = h('form', { class: 'form', 'data-testid': 'import-form' },
    field('import.file', file, 'import.hint'), errors, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, errors, async () => {
      const data = new FormData();
      data.append('file', file.files[0]);
      drawReport(report, await api.upload(`/orgs/${org.id}/members/import`, data));
    });
  });
  clear(body,
    h('section', { class: 'card' }, h('h2', {}, t('import.title')), form, report),
    h('section', { class: 'card' }, h('h2', {}, t('export.title')), h('p', { class: 'muted' }, t('export.hint')),
      h('div', { class: 'actions' },
        h('a', { class: 'btn', href: url(`/orgs/${org.id}/members/export`, { format: 'csv' }), download: 'directory.csv' }, t('export.csv')),
        h('a', { class: 'btn', href: url(`/orgs/${org.id}/members/export`, { format: 'xlsx' }), download: 'directory.xlsx' }, t('export.xlsx')))));
}

function drawReport(host, result) {
  const failed = result.rows.filter((r) => r.status === 'error');
  clear(host,
    h('p', { class: 'report-summary' },
      h('span', { class: 'tag tag-ok' }, t('import.created', { n: result.created })), ' ',
      h('span', { class: 'tag' + (result.failed ? ' tag-danger' : ' tag-muted') }, t('import.failed', { n: result.failed })), ' ',
      h('span', { class: 'muted' }, t('import.summary', { total: result.total, departments: result.departments_created }))),
    failed.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['import.row', 'import.code', 'import.message'].map((k) => h('th', {}, t(k))))),
      h('tbody', {}, failed.map((r) => h('tr', {}, h('td', { class: 'num' }, r.row), h('td', {}, h('code', {}, r.code || '')), h('td', {}, r.message || '')))))) : null);
}
