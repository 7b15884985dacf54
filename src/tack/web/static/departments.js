// The department tree built from the flat list the server returns (parent_id links),
// children in sort_order (then creation order), shared by the directory and the admin console.

import { api } from './api.js';

export class DepartmentTree {
  constructor(items) {
    this.byId = new Map(items.map((d) => [d.id, d]));
    this.childrenOf = new Map();
    for (const d of items) {
      const siblings = this.childrenOf.get(d.parent_id) || [];
      siblings.push(d);
      this.childrenOf.set(d.parent_id, siblings);
    }
    for (const siblings of this.childrenOf.values()) siblings.sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
    // A viewer who can't see a department's parent still gets the department as a top node.
    this.roots = items.filter((d) => d.parent_id === null || !this.byId.has(d.parent_id));
  }

  get(id) {
    return this.byId.get(Number(id));
  }

  children(id) {
    return this.childrenOf.get(Number(id)) || [];
  }

  // Root first, the department itself last: for breadcrumbs.
  path(id) {
    const out = [];
    for (let d = this.get(id); d; d = this.get(d.parent_id)) out.unshift(d);
    return out;
  }

  // Depth-first, with depth, for indented selects and tables.
  flatten() {
    const out = [];
    const walk = (d, depth) => {
      out.push({ department: d, depth });
      for (const child of this.children(d.id)) walk(child, depth + 1);
    };
    for (const r of this.roots) walk(r, 0);
    return out;
  }

  // <option> pairs with indentation showing the nesting.
  options() {
    return this.flatten().map(({ department, depth }) => [department.id, '\u3000'.repeat(depth) + department.name]);
  }

  names(ids) {
    return ids.map((id) => this.get(id)?.name).filter(Boolean);
  }
}

export async function loadDepartments(orgId) {
  const { items } = await api.get(`/orgs/${orgId}/departments`);
  return new DepartmentTree(items);
}
