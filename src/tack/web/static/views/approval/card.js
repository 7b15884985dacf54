// The buttons of an approval card in chat (chat/hooks.js cardActions): 同意 / 拒绝 call the API
// right there, 查看 opens the request. Registered by the shell on every screen (nav.js
// `background`), so the buttons work before the 审批 screen was ever opened. A card whose
// task is already decided answers with the server's 409 message (shown by chat).

import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { go } from '../../router.js';
import { session } from '../../state.js';
import { toast } from '../../ui.js';
import { cardActions } from '../chat/hooks.js';

function decide(verb) {
  return async (id, button) => {
    await api.post(`/orgs/${session.org.id}/approval/instances/${id}/${verb}`, {});
    toast(t(verb === 'approve' ? 'approval.approved_toast' : 'approval.rejected_toast'));
    // Both decisions are spent once one is made (they are the card's first two buttons); 查看 stays.
    for (const b of [...(button.closest('.card-buttons')?.querySelectorAll('button') || [])].slice(0, 2)) b.disabled = true;
  };
}

export function start() {
  cardActions.set('approval.approve', decide('approve'));
  cardActions.set('approval.reject', decide('reject'));
  cardActions.set('approval.open', async (id, button) => {
    button.disabled = false;
    go(`approval/i/${id}`);
  });
}
