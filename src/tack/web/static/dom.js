// Tiny DOM builder. Every text goes in through textContent, never innerHTML,
// so names and messages typed by users can't inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Reads a form's named controls into a plain object; checkboxes become booleans,
// multi-selects arrays, and empty text fields are left out so PATCH bodies stay minimal.
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') {
      if (el.dataset.group) (out[el.name] ||= []).push(...(el.checked ? [Number(el.value)] : []));
      else out[el.name] = el.checked;
    } else if (el.multiple) out[el.name] = [...el.selectedOptions].map((o) => o.value);
    else if (el.value !== '') out[el.name] = el.value;
  }
  return out;
}
