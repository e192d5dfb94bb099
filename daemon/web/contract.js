// The Contracts screen: deploy by upload, call a method in either mode, compare both modes.

import { api } from './api.js';
import { bars } from './charts.js';
import * as decode from './decode.js';
import { $, el, fill, toast } from './dom.js';

export function setup({ onDeployed }) {
  $('deploy-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const account = $('deploy-account').value.trim();
    const file = $('deploy-file').files[0];
    const out = $('deploy-result');
    out.textContent = 'Deploying…';
    try {
      const r = await api.deploy(account, file);
      out.textContent = `Deployed ${file.name} to ${account}: ${r.describe}.`;
      if (!$('call-account').value) $('call-account').value = account;
      if (r.kind === 'wasi_program') $('mode-linux').checked = true;
      onDeployed();
    } catch (err) {
      out.textContent = `Not deployed: ${err.message}`;
    }
  });
  $('call-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run(false);
  });
  $('compare-run').addEventListener('click', () => {
    if ($('call-form').reportValidity()) run(true);
  });
}

/** The call as the API takes it (the control socket's `call` request, less `account`). */
function spec() {
  const args = $('call-args').value.trim();
  if (args) JSON.parse(args); // a readable error before anything runs
  const s = {
    method: $('call-method').value.trim(),
    args: decode.toBase64(new TextEncoder().encode(args)),
    view: $('call-view').checked,
    mode: document.querySelector('input[name="mode"]:checked').value,
  };
  const signer = $('call-signer').value.trim();
  const deposit = $('call-deposit').value.trim();
  const gas = $('call-gas').value.trim();
  if (signer) s.signer = signer;
  if (deposit) s.deposit = deposit;
  if (gas) s.gas = Number(gas);
  return s;
}

async function run(compare) {
  const account = $('call-account').value.trim();
  let s;
  try {
    s = spec();
  } catch (err) {
    toast(`Arguments are not JSON: ${err.message}`);
    return;
  }
  const buttons = [$('call-run'), $('compare-run')];
  buttons.forEach((b) => { b.disabled = true; });
  $('outcome-empty').textContent = compare ? 'Running in both modes…' : `Running in ${s.mode} mode…`;
  const started = performance.now();
  try {
    if (compare) {
      showComparison(await api.compare(account, s));
    } else {
      const outcome = await api.call(account, s);
      showOutcome(outcome, performance.now() - started);
    }
  } catch (err) {
    $('outcome-empty').textContent = `Not run: ${err.message}`;
    $('outcome-empty').hidden = false;
    $('outcome').hidden = true;
    $('comparison').hidden = true;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

const gas = (g) => `${(Number(g) / 1e12).toFixed(3)} Tgas`;
const ms = (us) => `${(us / 1000).toFixed(2)} ms`;

function resultText(o) {
  if (o.result !== null && o.result !== undefined) return JSON.stringify(o.result, null, 2);
  if (o.result_base64) {
    const bytes = decode.fromBase64(o.result_base64);
    return decode.utf8(bytes) ?? `hex ${decode.toHex(bytes)}`;
  }
  return '(none)';
}

/** One outcome as a definition list: status, result, logs, gas, receipts, error. */
function outcomeList(o, extra = []) {
  const ok = o.status === 'success';
  return el('dl', { class: 'outcome-list' },
    el('dt', {}, 'Status'),
    el('dd', {}, el('span', { class: `status ${ok ? 'ok' : 'bad'}`, 'data-status': o.status }, o.status),
      ` in ${o.mode} mode`),
    el('dt', {}, 'Result'), el('dd', { 'data-field': 'result' }, el('pre', {}, resultText(o))),
    el('dt', {}, 'Logs'),
    el('dd', { 'data-field': 'logs' }, o.logs.length
      ? el('ol', { class: 'logs' }, o.logs.map((l) => el('li', {}, el('code', {}, l))))
      : '(none)'),
    el('dt', {}, 'Gas burnt'), el('dd', { 'data-field': 'gas' }, `${gas(o.gas_burnt)} (${o.gas_burnt})`),
    el('dt', {}, 'Receipts'),
    el('dd', {}, o.receipts?.length ? el('pre', {}, JSON.stringify(o.receipts, null, 2)) : '(none)'),
    o.error && el('dt', {}, 'Error'),
    o.error && el('dd', { class: 'bad' }, el('strong', {}, o.error.kind), ': ', o.error.message),
    ...extra);
}

function showOutcome(o, roundTripMs) {
  fill($('outcome'), outcomeList(o, [
    el('dt', {}, 'Round trip'), el('dd', {}, `${roundTripMs.toFixed(1)} ms (browser to daemon and back)`),
  ]));
  $('outcome').hidden = false;
  $('comparison').hidden = true;
  $('outcome-empty').hidden = true;
}

function fieldValue(t, field) {
  if (field === 'state') return JSON.stringify(t.writes);
  const v = t.outcome[field];
  return v === undefined ? '—' : JSON.stringify(v);
}

function showComparison(c) {
  const verdict = c.agree
    ? el('p', { class: 'verdict ok', 'data-agree': 'true' }, 'Both modes agree on every field.')
    : el('p', { class: 'verdict bad', 'data-agree': 'false' }, 'The modes differ: ', c.first_difference);
  const rows = c.fields.map(([field, same]) => el('tr', { 'data-field': field },
    el('th', { scope: 'row' }, field),
    el('td', {}, el('code', {}, fieldValue(c.direct, field))),
    el('td', {}, el('code', {}, fieldValue(c.linux, field))),
    el('td', { class: same ? 'ok' : 'bad' }, same ? '✓ agree' : '✗ differ')));
  const table = el('div', { class: 'scroll' }, el('table', { class: 'compare' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Field'), el('th', {}, 'direct'), el('th', {}, 'linux'), el('th', {}, ''))),
    el('tbody', {}, rows)));
  const chart = bars([
    { label: 'direct', value: c.direct.wall_us, text: ms(c.direct.wall_us), cls: 'direct' },
    { label: 'linux', value: c.linux.wall_us, text: ms(c.linux.wall_us), cls: 'linux' },
  ], { labelWidth: 70 });
  fill($('comparison'),
    verdict,
    el('figure', { class: 'chart' }, el('figcaption', {},
      `Wall time: linux mode took ${c.ratio.toFixed(2)}× direct mode's`), chart),
    table,
    el('div', { class: 'side' },
      el('section', {}, el('h3', {}, 'direct'), outcomeList(c.direct.outcome)),
      el('section', {}, el('h3', {}, 'linux'), outcomeList(c.linux.outcome))),
    el('p', { class: 'hint' }, c.committed ? `Committed the ${c.committed} run.` : 'Neither run was committed.'));
  $('comparison').hidden = false;
  $('outcome').hidden = true;
  $('outcome-empty').hidden = true;
}
