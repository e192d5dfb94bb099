// The State screen: accounts, an account's keys (paged, searched by name prefix, never
// listed whole), and the value viewer and editor of one key.

import { api } from './api.js';
import * as decode from './decode.js';
import { $, arrowKeys, count, el, fill, size, time, toast } from './dom.js';

const PAGE = 100;
const enc = encodeURIComponent;

const st = {
  accounts: [],
  accountsNext: null,
  account: null,
  prefix: '',
  keys: [],
  keysNext: null,
  total: 0,
  name: null,
  value: null, // Uint8Array of the open key
  dirty: false, // the editor holds text the user typed
  shown: null, // the key whose value the viewer shows
  seq: 0, // drops answers to key searches that were overtaken
  valueSeq: 0, // the same for values
};

export const stateHref = (account, name) =>
  `#/state${account ? `/${enc(account)}` : ''}${name ? `/${enc(name)}` : ''}`;

export function setup() {
  $('account-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = $('account-new').value.trim();
    try {
      await api.createAccount(id);
      $('account-new').value = '';
      toast(`Created ${id}`, 'ok');
      await loadAccounts();
      location.hash = stateHref(id);
    } catch (err) {
      toast(err.message);
    }
  });
  $('accounts-more').addEventListener('click', async () => {
    const page = await api.accounts(st.accountsNext);
    st.accounts.push(...page.accounts);
    st.accountsNext = page.next;
    renderAccounts();
  });
  $('key-prefix').addEventListener('input', () => {
    st.prefix = $('key-prefix').value;
    loadKeys().catch((err) => toast(err.message));
  });
  $('key-search').addEventListener('submit', (e) => e.preventDefault());
  $('keys-more').addEventListener('click', () => loadMoreKeys().catch((err) => toast(err.message)));
  $('key-new').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('key-new-name').value;
    try {
      await api.putKey(st.account, name, new Uint8Array());
      $('key-new-name').value = '';
      location.hash = stateHref(st.account, name);
    } catch (err) {
      toast(err.message);
    }
  });
  $('value-format').addEventListener('change', () => {
    st.dirty = false;
    fillEditor();
  });
  $('value-input').addEventListener('input', () => { st.dirty = true; });
  $('value-edit').addEventListener('submit', (e) => {
    e.preventDefault();
    save().catch((err) => toast(err.message));
  });
  $('value-delete').addEventListener('click', () => remove().catch((err) => toast(err.message)));
  arrowKeys($('account-list'));
  arrowKeys($('key-list'));
}

/** Shows `account` and key `name` (either may be null), loading only what changed. */
export async function open(account, name) {
  if (!st.accounts.length) await loadAccounts();
  if (account !== st.account) {
    st.account = account;
    st.value = null;
    st.prefix = '';
    $('key-prefix').value = '';
    renderAccounts();
    await loadKeys();
  }
  if (name !== st.name || !st.value) {
    st.name = name;
    renderKeys();
    await loadValue();
  }
}

export async function loadAccounts() {
  const page = await api.accounts();
  st.accounts = page.accounts;
  st.accountsNext = page.next;
  renderAccounts();
}

function renderAccounts() {
  const items = st.accounts.map((a) => {
    const current = a.account === st.account;
    const kind = a.code?.kind === 'wasi_program' ? 'WASI program' : a.code ? 'contract' : null;
    return el('li', {},
      el('a', {
        href: stateHref(a.account),
        class: current ? 'item sel' : 'item',
        'aria-current': current ? 'true' : null,
        'data-account': a.account,
      },
      el('span', { class: 'id' }, a.account),
      el('span', { class: 'sub' }, `${count(a.keys)} keys · ${size(a.storage_usage)}`,
        kind && el('span', { class: 'badge' }, kind))));
  });
  fill($('account-list'), items.length ? items : el('li', { class: 'hint' }, 'No accounts yet.'));
  fill($('account-ids'), st.accounts.map((a) => el('option', { value: a.account })));
  $('accounts-more').hidden = !st.accountsNext;
}

async function loadKeys({ keep = false } = {}) {
  const seq = ++st.seq;
  const enabled = Boolean(st.account);
  $('key-prefix').disabled = !enabled;
  $('key-new').hidden = !enabled;
  $('keys-title').textContent = enabled ? st.account : 'Keys';
  if (!enabled) {
    st.keys = [];
    st.keysNext = null;
    renderKeys();
    return;
  }
  const limit = keep ? Math.min(1000, Math.max(PAGE, st.keys.length)) : PAGE;
  const page = await api.keys(st.account, st.prefix, null, limit);
  if (seq !== st.seq) return;
  st.keys = page.keys;
  st.keysNext = page.next;
  st.total = page.total;
  renderKeys();
}

async function loadMoreKeys() {
  const seq = ++st.seq;
  const page = await api.keys(st.account, st.prefix, st.keysNext, PAGE);
  if (seq !== st.seq) return;
  st.keys.push(...page.keys);
  st.keysNext = page.next;
  st.total = page.total;
  renderKeys();
}

function renderKeys(changed = new Set()) {
  $('keys-count').textContent = st.account ? `${count(st.total)} keys` : '';
  const items = st.keys.map((k) => {
    const current = k.name === st.name;
    return el('li', { class: changed.has(k.name) ? 'changed' : null },
      el('a', {
        href: stateHref(st.account, k.name),
        class: current ? 'item sel' : 'item',
        'aria-current': current ? 'true' : null,
        'data-key': k.name,
      },
      el('code', { class: 'id' }, k.name),
      el('span', { class: 'sub' }, size(k.size))));
  });
  const empty = st.account
    ? (st.prefix ? 'No key starts with that.' : 'No keys.')
    : 'Pick an account.';
  fill($('key-list'), items.length ? items : el('li', { class: 'hint' }, empty));
  $('keys-more').hidden = !st.keysNext;
}

async function loadValue() {
  if (!st.account || !st.name) {
    st.value = null;
    $('value-view').hidden = true;
    $('value-empty').hidden = false;
    $('value-empty').textContent = 'Pick a key to see its value.';
    return;
  }
  const seq = ++st.valueSeq;
  let view;
  try {
    view = await api.key(st.account, st.name);
    if (seq !== st.valueSeq) return;
  } catch (err) {
    if (seq !== st.valueSeq) return;
    if (err.kind !== 'not_found') throw err;
    st.value = null;
    $('value-view').hidden = true;
    $('value-empty').hidden = false;
    $('value-empty').textContent = `${st.name} is gone.`;
    return;
  }
  st.value = decode.fromBase64(view.value);
  const key = decode.fromBase64(view.key);
  $('value-name').textContent = view.name;
  $('value-key').textContent = decode.hexGroups(key) || '(empty)';
  $('value-key-len').textContent = `${key.length} bytes`;
  $('value-size').textContent = `${count(view.size)} bytes`;
  $('value-mtime').textContent = time(view.mtime_ns);
  fill($('value-forms'), decode.forms(st.value).flatMap(([form, label, text]) => [
    el('dt', {}, label),
    el('dd', { 'data-form': form, class: text === null ? 'none' : null },
      text === null ? 'does not decode' : el('pre', {}, text || '(empty)')),
  ]));
  const other = `${st.account}/${st.name}` !== st.shown;
  st.shown = `${st.account}/${st.name}`;
  if (other) {
    st.dirty = false;
    $('value-format').value = decode.utf8(st.value) !== null ? 'utf8' : 'hex';
  }
  if (!st.dirty) fillEditor();
  $('value-empty').hidden = true;
  $('value-view').hidden = false;
  resetDelete();
}

function fillEditor() {
  const text = decode.forms(st.value ?? new Uint8Array())
    .find(([form]) => form === $('value-format').value)?.[2];
  $('value-input').value = text === null || text === undefined ? '' : text;
}

async function save() {
  const bytes = decode.encode($('value-format').value, $('value-input').value);
  await api.putKey(st.account, st.name, bytes);
  st.dirty = false;
  toast(`Saved ${bytes.length} bytes`, 'ok');
  await loadValue();
}

function resetDelete() {
  const b = $('value-delete');
  b.textContent = 'Delete key';
  b.dataset.armed = '';
}

async function remove() {
  const b = $('value-delete');
  if (!b.dataset.armed) {
    // Two presses, no modal dialog: works the same from the keyboard.
    b.dataset.armed = '1';
    b.textContent = 'Press again to delete';
    setTimeout(resetDelete, 4000);
    return;
  }
  await api.deleteKey(st.account, st.name);
  toast(`Deleted ${st.name}`, 'ok');
  location.hash = stateHref(st.account);
}

/** Live changes: refresh what they touch on this screen. */
export async function changed(changes) {
  await loadAccounts();
  const mine = changes.find((c) => c.account === st.account);
  if (!mine) return;
  if (mine.removed) {
    location.hash = stateHref();
    return;
  }
  await loadKeys({ keep: true });
  renderKeys(new Set(mine.keys));
  if (st.name && (mine.truncated || mine.keys.includes(st.name))) await loadValue();
}

/** After lost changes: reload everything shown. */
export async function resync() {
  await loadAccounts();
  await loadKeys({ keep: true });
  await loadValue();
}
