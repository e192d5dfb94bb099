// The web console in a real browser (Debian's Chromium through playwright-core): what a
// person does on each screen, checked on the page, with a screenshot of each screen.
// Run by tests/tests/web_console.rs, which starts the daemon and passes, in the environment:
//   CONSOLE_URL  the URL the daemon printed (with the token)
//   MOUNT        the daemon's FUSE mountpoint
//   OUTLAYERD    the outlayerd binary, DATA_DIR its data directory (for `state put`)
//   COUNTER_WASM the near-sdk counter contract
//   SHOTS        where screenshots go
//   PLAYWRIGHT   the directory holding node_modules/playwright-core

'use strict';
const path = require('node:path');
const fs = require('node:fs');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { chromium } = require(path.join(process.env.PLAYWRIGHT, 'node_modules', 'playwright-core'));

const url = new URL(process.env.CONSOLE_URL);
const base = url.origin;
const token = url.searchParams.get('token');
const shots = process.env.SHOTS;
const LAPTOP = { width: 1366, height: 800 };
const PHONE = { width: 390, height: 844 };
let step = 'start';
let current = null; // the page, for a screenshot of a failure

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
}

/** Waits until `fn` (run in the page) is true; fails naming what was awaited. */
async function until(page, what, fn, arg, timeout = 10000) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 50 });
  } catch (e) {
    const toast = await page.evaluate(() => document.getElementById('toast')?.textContent);
    throw new Error(`${step}: timed out waiting for ${what} (last message: ${toast})`);
  }
}

const text = (page, sel) => page.locator(sel).first().textContent();

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  try {
    const context = await browser.newContext({ viewport: LAPTOP, colorScheme: 'light' });
    const page = await context.newPage();
    current = page;
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });

    step = 'refusals';
    const bare = await page.goto(`${base}/`);
    assert.equal(bare.status(), 401, 'the page without the token');
    const wrong = await page.goto(`${base}/?token=0000`);
    assert.equal(wrong.status(), 401, 'a wrong token');
    const foreign = await page.goto('about:blank');
    void foreign;
    // A cross-site form POST (text/plain carrying JSON): no header, no cookie (SameSite).
    await page.setContent(
      `<form method="post" enctype="text/plain" action="${base}/api/accounts">` +
      '<input name=\'{"account":"evil.near","x":"\' value=\'"}\'></form>');
    const [posted] = await Promise.all([
      page.waitForNavigation(),
      page.evaluate(() => document.forms[0].submit()),
    ]);
    assert.ok([401, 403].includes(posted.status()), `cross-site POST answered ${posted.status()}`);

    step = 'open with the token';
    const opened = await page.goto(process.env.CONSOLE_URL);
    assert.equal(opened.status(), 200);
    assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
    const cookies = await context.cookies(base);
    assert.ok(cookies.some((c) => c.value === token && c.httpOnly && c.sameSite === 'Strict'));
    await until(page, 'the live indicator', () => document.getElementById('live').textContent === 'live');
    // Same origin, cookie sent, but no header: a change is refused.
    const cookieOnly = await page.evaluate(async () =>
      (await fetch('/api/accounts', { method: 'POST', body: '{"account":"evil.near"}' })).status);
    assert.equal(cookieOnly, 403, 'a change with only the cookie');
    problems.length = 0; // the refusals above are logged as failed loads

    step = 'create an account';
    await page.fill('#account-new', 'web.near');
    await page.press('#account-new', 'Enter');
    await until(page, 'web.near listed', () => !!document.querySelector('[data-account="web.near"]'));
    await until(page, 'web.near open', () => location.hash === '#/state/web.near');

    step = 'put a binary key';
    await page.fill('#key-new-name', 'bin%00key');
    await page.click('#key-new button');
    await until(page, 'the new key open', () => document.getElementById('value-name').textContent === 'bin%00key');
    await page.selectOption('#value-format', 'hex');
    await page.fill('#value-input', 'ff01000000000000');
    await page.click('#value-save');
    await until(page, 'the decoded u64', () =>
      document.querySelector('[data-form="u64"]')?.textContent === '511');
    assert.equal(await text(page, '#value-key'), '62696e006b6579', 'the key bytes');
    assert.equal(await text(page, '[data-form="hex"]'), 'ff01000000000000');
    assert.equal(await text(page, '[data-form="base64"]'), '/wEAAAAAAAA=');
    assert.equal(await text(page, '[data-form="utf8"]'), 'does not decode', 'invalid UTF-8');
    assert.equal(await text(page, '[data-form="u128"]'), 'does not decode', 'not 16 bytes');
    const onDisk = fs.readFileSync(path.join(process.env.MOUNT, 'web.near', 'bin%00key'));
    assert.deepEqual([...onDisk], [0xff, 1, 0, 0, 0, 0, 0, 0], 'the same bytes on the mount');

    step = 'keys are text, never HTML';
    const hostile = '<img src=x onerror=window.pwned=1>';
    const put = await page.evaluate(async ([name, tok]) => (await fetch(
      `/api/accounts/web.near/keys/${encodeURIComponent(name)}`,
      { method: 'PUT', headers: { 'X-Outlayer-Token': tok }, body: '{"a":[1,2]}' })).status,
    [hostile, token]);
    assert.equal(put, 204);
    await until(page, 'the hostile name listed', (n) =>
      [...document.querySelectorAll('[data-key]')].some((a) => a.dataset.key === n), hostile);
    await page.click(`[data-key="${hostile}"]`);
    await until(page, 'its JSON form', () =>
      document.querySelector('[data-form="json"]')?.textContent.includes('"a": ['));
    assert.equal(await page.locator('main img').count(), 0, 'no element made from a key');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.equal(await text(page, '[data-form="utf8"]'), '{"a":[1,2]}');

    step = 'search by prefix';
    await page.fill('#key-prefix', 'bin%00');
    await until(page, 'one match', () => document.querySelectorAll('#key-list [data-key]').length === 1);
    await page.fill('#key-prefix', '');
    await until(page, 'both keys', () => document.querySelectorAll('#key-list [data-key]').length === 2);
    await page.click('[data-key="bin%00key"]');
    await until(page, 'the binary key again', () => document.querySelector('[data-form="u64"]')?.textContent === '511');
    await shot(page, 'state');

    step = 'deploy the counter';
    await page.click('[data-nav="contract"]');
    await page.fill('#deploy-account', 'counter.near');
    await page.setInputFiles('#deploy-file', process.env.COUNTER_WASM);
    await page.click('#deploy-form button');
    await until(page, 'deployed', () => document.getElementById('deploy-result').textContent.startsWith('Deployed'), undefined, 60000);
    assert.match(await text(page, '#deploy-result'), /NEAR contract/);

    step = 'call in direct mode';
    const call = async (method, mode, want) => {
      await page.fill('#call-account', 'counter.near');
      await page.fill('#call-method', method);
      await page.check(`#mode-${mode}`);
      await page.click('#call-run');
      await until(page, `${method} in ${mode} mode`, ([m, w]) => {
        const s = document.querySelector('#outcome [data-status]');
        return s && !document.getElementById('outcome').hidden
          && s.parentElement.textContent.includes(`${m} mode`)
          && document.querySelector('#outcome [data-field="result"]').textContent === w;
      }, [mode, want], 60000);
    };
    await call('new', 'direct', '(none)');
    await call('increment', 'direct', '1');
    assert.equal(await text(page, '#outcome [data-status]'), 'success');
    assert.match(await text(page, '#outcome [data-field="logs"]'), /count = 1/);
    assert.match(await text(page, '#outcome [data-field="gas"]'), /Tgas/);

    step = 'call in linux mode';
    await call('increment', 'linux', '2');
    assert.match(await text(page, '#outcome [data-field="logs"]'), /count = 2/);
    await shot(page, 'call');

    step = 'compare both modes';
    await page.click('#compare-run');
    await until(page, 'the comparison', () => !!document.querySelector('#comparison [data-agree]'), undefined, 60000);
    assert.equal(await page.getAttribute('#comparison [data-agree]', 'data-agree'), 'true');
    const fields = await page.locator('#comparison tr[data-field]').count();
    assert.ok(fields >= 7, `compared fields: ${fields}`);
    assert.equal(await page.locator('#comparison td.bad').count(), 0);
    assert.equal(await page.locator('#comparison svg.bars rect').count(), 2, 'one bar per mode');
    await shot(page, 'compare');

    step = 'a FUSE write appears live';
    await page.goto(`${base}/#/state/counter.near/STATE`);
    await until(page, 'STATE open', () => document.querySelector('[data-form="u64"]')?.textContent === '2');
    const before = Date.now();
    const state = Buffer.alloc(8);
    state.writeBigUInt64LE(77n);
    fs.writeFileSync(path.join(process.env.MOUNT, 'counter.near', 'STATE'), state);
    await until(page, 'the new count', () => document.querySelector('[data-form="u64"]')?.textContent === '77', undefined, 5000);
    const fuseMs = Date.now() - before;
    fs.writeFileSync(path.join(process.env.MOUNT, 'counter.near', 'notes.txt'), 'from the mount');
    await until(page, 'a new file listed', () => !!document.querySelector('[data-key="notes.txt"]'), undefined, 5000);

    step = '`outlayerd state put` appears live';
    const cliStart = Date.now();
    execFileSync(process.env.OUTLAYERD, ['--data-dir', process.env.DATA_DIR, 'state', 'put', 'counter.near', 'from-cli', 'hello']);
    await until(page, 'the CLI key listed', () => !!document.querySelector('[data-key="from-cli"]'), undefined, 5000);
    const cliMs = Date.now() - cliStart;

    step = 'a contract call appears live';
    const callStart = Date.now();
    await page.evaluate(async (tok) => fetch('/api/accounts/counter.near/call', {
      method: 'POST',
      headers: { 'X-Outlayer-Token': tok, 'Content-Type': 'application/json' },
      body: JSON.stringify({ method: 'increment' }),
    }), token);
    await until(page, 'the count after a call', () => document.querySelector('[data-form="u64"]')?.textContent === '78', undefined, 5000);
    const callMs = Date.now() - callStart;
    console.log(`live: FUSE write ${fuseMs} ms, state put ${cliMs} ms, contract call ${callMs} ms`);
    assert.ok(fuseMs < 1000, `a FUSE write took ${fuseMs} ms to show`);

    step = 'statistics';
    await page.click('[data-nav="stats"]');
    await until(page, 'the cards', () => !!document.querySelector('[data-stat="Kernel boot"]'));
    assert.match(await text(page, '[data-stat="Kernel boot"]'), /ms$/);
    await until(page, 'syscall bars', () => document.querySelectorAll('#chart-syscalls rect').length > 0);
    await until(page, '9P bars', () => document.querySelectorAll('#chart-ninep rect').length > 0);
    await until(page, 'FUSE bars', () => document.querySelectorAll('#chart-fuse rect').length > 0);
    const linuxCalls = Number((await text(page, '[data-stat="Calls, linux"]')).replace(/,/g, ''));
    assert.ok(linuxCalls >= 2, `linux calls: ${linuxCalls}`);
    await shot(page, 'stats');

    step = 'keyboard';
    await page.goto(`${base}/#/state/web.near`);
    await until(page, 'the key list', () => document.querySelectorAll('#key-list [data-key]').length === 2);
    await page.focus('#key-list .item');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.dataset.key);
    assert.equal(focused, 'bin%00key', 'arrow keys move along the list');
    await page.keyboard.press('Enter');
    await until(page, 'opened from the keyboard', () => document.getElementById('value-name').textContent === 'bin%00key');

    step = 'phone';
    await page.setViewportSize(PHONE);
    await page.goto(`${base}/#/state/web.near/bin%2500key`);
    await until(page, 'the value on a phone', () => document.querySelector('[data-form="u64"]')?.textContent === '511');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await shot(page, 'state-phone');
    await page.goto(`${base}/#/stats`);
    await until(page, 'stats on a phone', () => !!document.querySelector('[data-stat="Kernel boot"]'));
    await shot(page, 'stats-phone');

    assert.deepEqual(problems, [], 'the page logged errors');
    console.log('web console: every step passed');
  } catch (e) {
    if (current) await shot(current, 'failure').catch(() => {});
    throw e;
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(`web console test failed at step "${step}": ${e.stack || e}`);
  process.exit(1);
});
