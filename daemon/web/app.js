// The console's entry: screens by URL fragment (#/state/ACCOUNT/KEY, #/contract, #/stats),
// the live event stream, and the statistics timer.

import { watch } from './api.js';
import * as contract from './contract.js';
import { $, toast } from './dom.js';
import * as state from './state.js';
import * as stats from './stats.js';

const STATS_EVERY_MS = 2000;
let screen = null;
let statsTimer = null;

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const name = ['state', 'contract', 'stats'].includes(parts[0]) ? parts[0] : 'state';
  for (const s of ['state', 'contract', 'stats']) {
    $(`view-${s}`).hidden = s !== name;
    document.querySelector(`[data-nav="${s}"]`).setAttribute('aria-current', s === name ? 'page' : 'false');
  }
  screen = name;
  clearInterval(statsTimer);
  if (name === 'state') {
    state.open(parts[1] || null, parts[2] || null).catch((err) => toast(err.message));
  } else if (name === 'stats') {
    const tick = () => stats.refresh().catch((err) => toast(err.message));
    tick();
    statsTimer = setInterval(tick, STATS_EVERY_MS);
  }
}

function start() {
  state.setup();
  contract.setup({ onDeployed: () => state.loadAccounts().catch((err) => toast(err.message)) });
  watch({
    onState: (up) => {
      $('live').textContent = up ? 'live' : 'offline';
      $('live').className = up ? 'live on' : 'live off';
    },
    onChange: (changes) => {
      state.changed(changes).catch((err) => toast(err.message));
      if (screen === 'stats') stats.refresh().catch(() => {});
    },
    onResync: () => state.resync().catch((err) => toast(err.message)),
  });
  window.addEventListener('hashchange', route);
  route();
}

start();
