// Bar charts drawn as SVG: one row per item, a label, a bar scaled to the largest value,
// and the value. Labels and values are text nodes.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Horizontal bars. items: [{label, value, cls?, text?}] (text: the value as shown).
 * Returns an <svg> that scales to its container's width.
 */
export function bars(items, { empty = 'nothing yet', labelWidth = 150 } = {}) {
  const row = 26;
  const width = 560;
  if (!items.length) {
    const s = svg('svg', { viewBox: `0 0 ${width} ${row}`, class: 'bars', role: 'img', 'aria-label': empty });
    s.append(svg('text', { x: 0, y: 17, class: 'empty' }, empty));
    return s;
  }
  const max = Math.max(...items.map((i) => i.value), 1);
  const barSpace = width - labelWidth - 90;
  const s = svg('svg', {
    viewBox: `0 0 ${width} ${items.length * row}`,
    class: 'bars',
    role: 'img',
    'aria-label': items.map((i) => `${i.label}: ${i.text ?? i.value}`).join(', '),
  });
  items.forEach((item, n) => {
    const y = n * row;
    const w = Math.max(item.value > 0 ? 2 : 0, (item.value / max) * barSpace);
    s.append(svg('text', { x: labelWidth - 8, y: y + 17, class: 'label', 'text-anchor': 'end' }, item.label));
    s.append(svg('rect', { x: labelWidth, y: y + 5, width: w, height: row - 10, rx: 3, class: `bar ${item.cls ?? ''}` }));
    s.append(svg('text', { x: labelWidth + w + 6, y: y + 17, class: 'value' }, item.text ?? String(item.value)));
  });
  return s;
}
