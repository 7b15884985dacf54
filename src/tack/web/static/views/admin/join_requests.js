// People who opened an invitation that needs approval, waiting to be let in.

import { api } from '../../api.js';
import { clear, h } from '../../dom.js';
import { loadDepartments } from '../../departments.js';
import { t } from '../../i18n.js';
import { session } from '../../state.js';
import { avatar, busy, button, emptyState, formatTime } from '../../ui.js';

export async function render(body) {
  const org = session.org;
  const [tree, requests] = await Promise.all([loadDepartments(org.id), api.get(`/orgs/${org.id}/join-requests`)]);
  const pending = requests.filter((r) => r.status === 'pending');
  const decide = (r, verb) => (event) => busy(event.currentTarget, null, async () => {
    await api.post(`/orgs/${org.id}/join-requests/${r.id}/${verb}`);
    render(body);
  });
  clear(body, pending.length
    ? h('ul', { class: 'list card', 'data-testid': 'join-requests' }, pending.map((r) => h('li', { class: 'list-row' },
      avatar(r.name),
      h('span', { class: 'grow' }, h('strong', {}, r.name),
        h('small', { class: 'muted' }, [r.department_id ? tree.get(r.department_id)?.name : null, formatTime(r.created_at)].filter(Boolean).join(' · '))),
      button('join_request.approve', { class: 'btn btn-small btn-primary', onclick: decide(r, 'approve') }),
      button('join_request.reject', { class: 'btn btn-small btn-danger', onclick: decide(r, 'reject') }))))
    : emptyState('join_request.none'));
}
