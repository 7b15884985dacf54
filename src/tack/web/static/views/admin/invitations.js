// Invitation links with their QR codes (SVG on screen, PNG to download and print), and revoking.

import { api, url } from '../../api.js';
import { clear, formValues, h } from '../../dom.js';
import { loadDepartments } from '../../departments.js';
import { t } from '../../i18n.js';
import { session } from '../../state.js';
import { busy, button, checkbox, confirmDialog, emptyState, errorLine, field, formatTime, select, toast } from '../../ui.js';

const EXPIRY_HOURS = [24, 24 * 7, 24 * 30, 24 * 90];

export async function render(body) {
  const org = session.org;
  const [tree, invitations] = await Promise.all([loadDepartments(org.id), api.get(`/orgs/${org.id}/invitations`)]);
  const refresh = () => render(body);

  const errors = errorLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('invitation.create'));
  const form = h('form', { class: 'form form-inline', 'data-testid': 'invitation-form' },
    field('invitation.department', select('department_id', [['', t('invitation.no_department')], ...tree.options()], '')),
    field('invitation.expires_in', select('expires_in_hours', EXPIRY_HOURS.map((n) => [n, t('invitation.days', { n: n / 24 })]), 24 * 7)),
    checkbox('requires_approval', 'invitation.requires_approval'),
    submit, errors);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, errors, async () => {
      const v = formValues(form);
      await api.post(`/orgs/${org.id}/invitations`, {
        department_id: v.department_id ? Number(v.department_id) : null,
        expires_in_hours: Number(v.expires_in_hours),
        requires_approval: v.requires_approval,
      });
      refresh();
    });
  });

  const newestFirst = [...invitations].sort((a, b) => b.id - a.id);
  clear(body,
    h('section', { class: 'card' }, h('h2', {}, t('invitation.create')), form),
    newestFirst.length
      ? h('div', { class: 'invitation-list', 'data-testid': 'invitation-list' }, newestFirst.map((inv) => invitationCard(inv, tree, refresh)))
      : emptyState('invitation.none'));
}

function invitationCard(inv, tree, refresh) {
  const org = session.org;
  const qr = (kind) => url(`/orgs/${org.id}/invitations/${inv.id}/qr.${kind}`);
  const expired = new Date(inv.expires_at) < new Date();
  const link = h('input', { class: 'input', readonly: true, value: inv.url, 'aria-label': t('invitation.link'), 'data-testid': 'invitation-url' });
  const copy = button('invitation.copy', {
    class: 'btn btn-small',
    onclick: async () => {
      link.select();
      await navigator.clipboard?.writeText(inv.url).catch(() => null);
      toast(t('invitation.copied'));
    },
  });
  const status = inv.revoked ? 'invitation.revoked' : expired ? 'invitation.expired' : 'invitation.active';
  return h('article', { class: 'card invitation' + (inv.revoked || expired ? ' dim' : ''), 'data-invitation-id': inv.id },
    inv.revoked ? null : h('img', { class: 'qr', src: qr('svg'), alt: t('invitation.qr_alt'), width: 160, height: 160 }),
    h('div', { class: 'grow' },
      h('p', {}, h('span', { class: 'tag' + (status === 'invitation.active' ? ' tag-ok' : ' tag-muted') }, t(status)), ' ',
        inv.department_id ? t('invitation.into', { name: tree.get(inv.department_id)?.name || '' }) : '',
        inv.requires_approval ? ' · ' + t('invitation.requires_approval') : ''),
      h('div', { class: 'copy-row' }, link, copy),
      h('p', { class: 'muted small' }, t('invitation.expires_at', { at: formatTime(inv.expires_at) })),
      h('div', { class: 'actions' },
        inv.revoked ? null : h('a', { class: 'btn btn-small', href: qr('png'), download: `tack-invitation-${inv.id}.png` }, t('invitation.download_png')),
        inv.revoked ? null : button('invitation.revoke', {
          class: 'btn btn-small btn-danger',
          onclick: () => confirmDialog(t('invitation.confirm_revoke'), async () => {
            await api.del(`/orgs/${org.id}/invitations/${inv.id}`);
            refresh();
          }, 'invitation.revoke'),
        }))));
}
