// Small DOM helpers. Data from the daemon (keys are arbitrary bytes) only ever becomes text
// nodes: nothing here parses HTML.

/** An element with attributes (`class`, `data-*`, `on…` handlers) and children (text or nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (id) => document.getElementById(id);

/** A short message at the bottom of the screen. */
export function toast(message, kind = 'error') {
  const t = $('toast');
  t.textContent = message;
  t.className = `toast ${kind}`;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, kind === 'error' ? 6000 : 2500);
}

/** Bytes as people read them. */
export function size(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A count with thousands separators. */
export const count = (n) => Number(n).toLocaleString('en-US');

/** Nanoseconds since the epoch as a local date and time. */
export const time = (ns) => (ns ? new Date(Number(BigInt(ns) / 1000000n)).toLocaleString() : '—');

/** Up/Down/Home/End move the focus among the items of a list. */
export function arrowKeys(list) {
  list.addEventListener('keydown', (e) => {
    const items = [...list.querySelectorAll('.item')];
    const i = items.indexOf(document.activeElement);
    if (i < 0) return;
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: items.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    items[Math.max(0, Math.min(items.length - 1, to))].focus();
  });
}
