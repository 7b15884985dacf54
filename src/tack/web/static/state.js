// What the page knows about the signed-in person: their account and the organization in view.

import { api } from './api.js';

export const session = {
  me: null, // AccountRead, or null when signed out
  org: null, // OrgRead of the organization in view
};

export const ADMIN_ROLES = ['owner', 'admin', 'subadmin'];

export function isAdmin(org = session.org) {
  return !!org && ADMIN_ROLES.includes(org.my_role);
}

export async function loadMe() {
  try {
    session.me = await api.get('/me');
  } catch (error) {
    if (error.status !== 401) throw error;
    session.me = null;
  }
  return session.me;
}

// The org to show: the one last used if still a membership, else the first.
export async function loadCurrentOrg() {
  const memberships = session.me?.memberships || [];
  if (!memberships.length) {
    session.org = null;
    return null;
  }
  const wanted = memberships.find((m) => m.org_id === session.me.last_org_id) || memberships[0];
  if (session.org?.id !== wanted.org_id) session.org = await api.get(`/orgs/${wanted.org_id}`);
  return session.org;
}

export async function switchOrg(orgId) {
  session.me = await api.patch('/me', { last_org_id: orgId });
  session.org = null;
  return loadCurrentOrg();
}

export function signedIn(account) {
  session.me = account;
  session.org = null;
}

export function signedOut() {
  session.me = null;
  session.org = null;
}
