// The capabilities in the navigation, in order. A new capability (消息 chat, DING, 考勤,
// 审批 ...) plugs in by adding one entry: its route prefix, its label key in i18n.js,
// an icon, who sees it, and a lazy loader of a view module exporting render(main, ctx).
// Optional `background`: a loader of a module exporting start(org), which the shell calls on
// every screen (DING's alert bar must show wherever the person is).

import { isAdmin } from './state.js';

const icon = (d) => `<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="${d}"/></svg>`;

export const NAV_ITEMS = [
  {
    route: 'chat',
    label: 'nav.chat',
    icon: icon('M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-4 4V5a2 2 0 0 1 2-2Zm3 6v2h2V9H7Zm4 0v2h2V9h-2Zm4 0v2h2V9h-2Z'),
    visible: () => true,
    load: () => import('./views/chat/index.js'),
    // The 消息 unread badge is right at page load and live on every screen.
    background: () => import('./views/chat/background.js'),
  },
  {
    route: 'ding',
    label: 'nav.ding',
    icon: icon('M12 2a7 7 0 0 0-7 7v4.2L3 17v1h18v-1l-2-3.8V9a7 7 0 0 0-7-7Zm0 21a3 3 0 0 0 3-3H9a3 3 0 0 0 3 3ZM13 5l-4 6h3l-1 5 4-6h-3l1-5Z'),
    visible: () => true,
    load: () => import('./views/ding/index.js'),
    background: () => import('./views/ding/alerts.js'),
  },
  {
    route: 'directory',
    label: 'nav.directory',
    icon: icon('M16 11a3 3 0 1 0-3-3 3 3 0 0 0 3 3Zm-8 0a3 3 0 1 0-3-3 3 3 0 0 0 3 3Zm0 2c-2.3 0-7 1.2-7 3.5V19h14v-2.5C15 14.2 10.3 13 8 13Zm8 0c-.3 0-.6 0-1 .1a4.2 4.2 0 0 1 2 3.4V19h6v-2.5c0-2.3-4.7-3.5-7-3.5Z'),
    visible: () => true,
    load: () => import('./views/directory.js'),
  },
  {
    route: 'attendance',
    label: 'nav.attendance',
    icon: icon('M12 2a10 10 0 1 0 10 10A10 10 0 0 0 12 2Zm0 18a8 8 0 1 1 8-8 8 8 0 0 1-8 8Zm.5-13H11v6l5.2 3.1.8-1.2-4.5-2.7Z'),
    visible: () => true,
    load: () => import('./views/attendance/index.js'),
    background: () => import('./views/attendance/reminders.js'),
  },
  {
    route: 'approval',
    label: 'nav.approval',
    icon: icon('M9 2h6a1 1 0 0 1 1 1v1h3a1 1 0 0 1 1 1v16a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1h3V3a1 1 0 0 1 1-1Zm1 2v2h4V4h-4Zm5.3 6.3-4.8 4.8-2.3-2.3-1.4 1.4 3.7 3.7 6.2-6.2-1.4-1.4Z'),
    visible: () => true,
    load: () => import('./views/approval/index.js'),
    background: () => import('./views/approval/card.js'),
  },
  {
    route: 'admin',
    label: 'nav.admin',
    icon: icon('M12 1 3 5v6c0 5.5 3.8 10.7 9 12 5.2-1.3 9-6.5 9-12V5l-9-4Zm0 6a3 3 0 1 1 0 6 3 3 0 0 1 0-6Zm0 14c-2.2-.7-4-2.3-5-4.4 0-1.6 3.3-2.5 5-2.5s5 .9 5 2.5c-1 2.1-2.8 3.7-5 4.4Z'),
    visible: (org) => isAdmin(org),
    load: () => import('./views/admin/console.js'),
  },
];

export const ACCOUNT_ICON = icon('M12 12a5 5 0 1 0-5-5 5 5 0 0 0 5 5Zm0 2c-3.3 0-10 1.7-10 5v3h20v-3c0-3.3-6.7-5-10-5Z');
