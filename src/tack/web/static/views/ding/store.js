// DING state shared by the alert bar (shown on every screen) and the DING page: the DINGs
// waiting for my confirmation, kept current by the realtime connection, and the DING events
// (alerts, confirmations of DINGs I sent) for whichever view listens.

import { api } from '../../api.js';
import { realtimeFor } from '../../realtime.js';

export const ding = {
  orgId: null,
  timezone: 'Asia/Shanghai',
  pending: new Map(), // ding id → DingAlert, newest last
  client: null,
};

const listeners = new Set();
let unlisten = null;
let fetchSeq = 0;
let seenDuringFetch = null; // {added: Map, removed: Set} while a pending list is being fetched

// fn({kind: 'pending'} | {kind: 'alert', alert} | {kind: 'receipt', receipt}); kept while alive().
export function onDing(fn, alive) {
  const entry = (item) => (alive() ? fn(item) : listeners.delete(entry));
  listeners.add(entry);
}

function notify(item) {
  for (const fn of [...listeners]) {
    try {
      fn(item);
    } catch (error) {
      console.error(error);
    }
  }
}

export function startDing(org) {
  ding.timezone = org.timezone || 'Asia/Shanghai';
  if (ding.orgId === org.id && ding.client && !ding.client.stopped) return;
  unlisten?.();
  ding.orgId = org.id;
  ding.pending = new Map();
  const client = realtimeFor(org.id);
  ding.client = client;
  unlisten = client.listen((item) => {
    // A (re-)registration may have missed events: the pending list is the truth again.
    if (item.kind === 'snapshot') return refreshPending();
    const event = item.event;
    const data = event.data || {};
    if (event.type === 'ding' && event.op === 'add') addAlert(data.ding);
    else if (event.type === 'ding' && event.op === 'remove') dropAlert(data.ding_id);
    else if (event.type === 'ding_receipt') notify({ kind: 'receipt', receipt: data.receipt });
    return undefined;
  });
  if (client.snapshot) refreshPending();
}

function addAlert(alert) {
  seenDuringFetch?.added.set(alert.ding_id, alert);
  seenDuringFetch?.removed.delete(alert.ding_id);
  ding.pending.delete(alert.ding_id); // a reminder moves it to the front again
  ding.pending.set(alert.ding_id, alert);
  notify({ kind: 'alert', alert });
  notify({ kind: 'pending' });
}

function dropAlert(dingId) {
  seenDuringFetch?.removed.add(dingId);
  seenDuringFetch?.added.delete(dingId);
  if (ding.pending.delete(dingId)) notify({ kind: 'pending' });
}

// The list answers as of when it was read: events that arrived meanwhile win over it.
async function refreshPending() {
  const seq = ++fetchSeq;
  const orgId = ding.orgId;
  seenDuringFetch = { added: new Map(), removed: new Set() };
  let list;
  try {
    list = await api.get(`/orgs/${orgId}/dings/pending`);
  } catch {
    return; // the next registration retries
  }
  if (seq !== fetchSeq || orgId !== ding.orgId) return;
  const { added, removed } = seenDuringFetch;
  seenDuringFetch = null;
  const next = new Map([...list.items].reverse().map((a) => [a.ding_id, a]));
  for (const id of removed) next.delete(id);
  for (const [id, alert] of added) {
    next.delete(id);
    next.set(id, alert);
  }
  ding.pending = next;
  notify({ kind: 'pending' });
}

export async function confirmDing(dingId) {
  const confirmed = await api.post(`/orgs/${ding.orgId}/dings/${dingId}/confirm`);
  dropAlert(dingId);
  return confirmed;
}

// --- times in the organization's time zone ---------------------------------------------------

export function orgTime(iso, lang) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(lang, {
    timeZone: ding.timezone, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
}

function partsIn(ms, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms));
  return Object.fromEntries(parts.map((p) => [p.type, Number(p.value)]));
}

function offsetMs(ms, timeZone) {
  const p = partsIn(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

// "2026-11-22T18:30" on the org's wall clock → an ISO instant (what <input type=datetime-local> gives).
export function orgWallToIso(local) {
  const [date, time] = local.split('T');
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let ms = wall - offsetMs(wall, ding.timezone);
  ms = wall - offsetMs(ms, ding.timezone); // once more, for a guess on the other side of a DST change
  return new Date(ms).toISOString();
}

// An instant as the org's wall clock, in the form <input type=datetime-local> takes.
export function isoToOrgWall(ms) {
  const p = partsIn(ms, ding.timezone);
  const two = (n) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}
