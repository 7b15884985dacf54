// The part of chat that runs on every screen (nav.js `background`): the realtime connection
// and the unread badge of 消息, right at page load and live wherever the person is.

import { bootChat } from './store.js';

export function start(org) {
  return bootChat(org);
}
