// The Statistics screen: what the daemon executed and served, as charts, refreshed live.

import { api } from './api.js';
import { bars } from './charts.js';
import { $, count, el, fill, size } from './dom.js';

const sorted = (map) => Object.entries(map ?? {})
  .filter(([, v]) => v > 0)
  .sort((a, b) => b[1] - a[1])
  .map(([label, value]) => ({ label, value, text: count(value) }));

const duration = (s) => {
  if (s < 60) return `${s.toFixed(0)} s`;
  if (s < 3600) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
};

function card(label, value, note) {
  return el('div', { class: 'card' },
    el('div', { class: 'card-label' }, label),
    el('div', { class: 'card-value', 'data-stat': label }, value),
    note && el('div', { class: 'card-note' }, note));
}

export async function refresh() {
  const s = await api.stats();
  const e = s.execution;
  const calls = e?.calls;
  const kernel = e?.kernel;
  fill($('stats-cards'),
    card('Uptime', duration(s.uptime_s)),
    card('Calls, direct', count((calls?.direct.succeeded ?? 0) + (calls?.direct.failed ?? 0)),
      `${count(calls?.direct.failed ?? 0)} failed`),
    card('Calls, linux', count((calls?.linux.succeeded ?? 0) + (calls?.linux.failed ?? 0)),
      `${count(calls?.linux.failed ?? 0)} failed`),
    card('Kernel boot', kernel ? `${(kernel.boot_us / 1000).toFixed(1)} ms` : 'not booted',
      kernel ? null : 'boots with the first call'),
    card('Tasks', kernel ? count(kernel.tasks_started) : '0',
      `${count(kernel?.tasks_running ?? 0)} running`),
    card('Module cache', e ? count(e.module_cache.compiled) : '0',
      e ? `compiled · ${count(e.module_cache.disk_hits + e.module_cache.memory_hits)} hits` : 'compiled'),
    card('Data directory', size(s.store.dir_bytes), `WAL ${size(s.store.wal_bytes)}`),
    card('Keys (estimate)', count(s.store.keys)));
  const modes = [];
  for (const mode of ['direct', 'linux']) {
    const c = calls?.[mode] ?? { succeeded: 0, failed: 0 };
    modes.push({ label: `${mode} ok`, value: c.succeeded, text: count(c.succeeded), cls: mode });
    modes.push({ label: `${mode} failed`, value: c.failed, text: count(c.failed), cls: 'failed' });
  }
  fill($('chart-modes'), bars(modes));
  const syscalls = (kernel?.syscalls ?? [])
    .map((c) => ({ label: `${c.nr} ${c.name}`, value: c.count, text: count(c.count), cls: 'linux' }))
    .sort((a, b) => b.value - a.value);
  fill($('chart-syscalls'), bars(syscalls, { empty: 'no linux-mode call yet', labelWidth: 220 }));
  fill($('chart-ninep'), bars(sorted(s.ninep_messages), { empty: 'no 9P message yet' }));
  fill($('chart-fuse'), bars(sorted(s.fuse_operations), { empty: 'no FUSE request yet' }));
}
