// The dashboard in a real browser: Debian's Chromium, headless, driven by
// playwright-core, against a real wirebase server with the sample data on
// a loopback port the kernel picks. Walks the views a reader would,
// screenshots each one, and fails on any console error, page error or
// request that leaves the server's origin.
// Usage: node dashboard.test.mjs PATH/TO/wirebase SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [wirebase, shots] = process.argv.slice(2);
if (!wirebase || !shots) {
  console.error('usage: node dashboard.test.mjs PATH/TO/wirebase SCREENSHOT_DIR');
  process.exit(2);
}
// run.sh installs playwright-core into the build folder, outside this
// source tree, so it is loaded from there.
const modules = process.env.WIREBASE_NODE_MODULES || join(process.cwd(), 'node_modules');
const { chromium } = createRequire(join(modules, 'noop.js'))('playwright-core');
const browserPath = process.env.WIREBASE_CHROMIUM || '/usr/bin/chromium';

const ARTICLE = 'US, Russian defense chiefs promote deeper ties';
const ACCORD = 'us-russia-defense-cooperation-accord-1993';
const MEMORANDUM = 'us-russia-defense-cooperation-memorandum-2010';
const FIRST_VIEW_LIMIT = 100 * 1024;

const work = mkdtempSync(join(tmpdir(), 'wirebase-browser-'));
// Only this run's pictures: a failed-N.png from an earlier run would mislead.
rmSync(shots, { recursive: true, force: true });
mkdirSync(shots, { recursive: true });
let server = null;
let context = null;
let failures = 0;
let count = 0;

// Starts `wirebase serve` on 127.0.0.1:0 with a new database (which it
// fills with the sample data) and resolves with its base URL once the log
// names the port. Our WIREBASE_* variables are not passed on, so a
// setting in the caller's environment cannot change what is tested.
function startServer() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WIREBASE_')));
  const child = spawn(wirebase, ['serve', '--db', join(work, 'wirebase.db'), '--listen', '127.0.0.1:0'],
    { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${log}`)), 15000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m && !child.started) {
        child.started = true;
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${m[1]}`, log: () => log });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!child.started) reject(new Error(`the server exited with ${code}:\n${log}`));
    });
  });
}

// Console errors, uncaught page errors, failed requests and requests to
// any other origin, collected for the whole run. A step that provokes a
// failure on purpose (a 404, a refused connection) lists the URLs it
// expects to fail in `expected`; anything else is a finding.
const problems = [];
let expected = [];
const isExpected = (url) => expected.some((part) => url.includes(part));

function watch(page, base) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location().url || '';
    if (msg.text().startsWith('Failed to load resource') && isExpected(url)) return;
    problems.push(`console error: ${msg.text()} (${url})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (req) => {
    if (!req.url().startsWith(`${base}/`)) problems.push(`request leaves the origin: ${req.url()}`);
  });
  page.on('requestfailed', (req) => {
    const reason = req.failure() ? req.failure().errorText : '';
    // A search cancelled by the next keystroke is aborted on purpose.
    if (reason === 'net::ERR_ABORTED' && req.url().includes('/v1/search')) return;
    if (!isExpected(req.url())) problems.push(`request failed: ${req.url()} ${reason}`);
  });
}

async function step(page, name, fn) {
  count++;
  const before = problems.length;
  try {
    await fn();
    assert.deepEqual(problems.slice(before), [], 'no console errors, page errors or foreign requests');
    console.log(`ok ${count} - ${name}`);
  } catch (err) {
    failures++;
    console.log(`not ok ${count} - ${name}`);
    console.log(`  ${String(err.stack || err).split('\n').join('\n  ')}`);
    await page.screenshot({ path: join(shots, `failed-${count}.png`), fullPage: true }).catch(() => {});
  } finally {
    expected = [];
  }
}

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const heading = (page) => page.locator('main h1').first();
// Waits until the view for `hash` is the one on screen (not the one it
// replaces, which may match the same selectors).
const shown = (page, hash) => page.locator(`main[data-shown="${hash}"][aria-busy="false"]`).waitFor();

async function run() {
  server = await startServer();
  const { base } = server;
  const stats = await (await fetch(`${base}/v1/stats`)).json();

  // A fresh profile in our own folder: nothing cached from another run.
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: browserPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(15000);
  const page = context.pages()[0] || await context.newPage();
  watch(page, base);

  await step(page, 'the home page shows the counts and latest articles under 100 KB', async () => {
    let bytes = 0;
    const sizes = [];
    const onFinished = (req) => sizes.push(req.sizes().then((s) => { bytes += s.responseBodySize + s.responseHeadersSize; }));
    page.on('requestfinished', onFinished);
    await page.goto(`${base}/`, { waitUntil: 'networkidle' });
    page.off('requestfinished', onFinished);
    await Promise.all(sizes);
    await heading(page).filter({ hasText: 'Overview' }).waitFor();
    const articles = page.locator('.count').filter({ hasText: 'articles' }).locator('.count-value');
    assert.equal(await articles.textContent(), String(stats.articles));
    const agreements = page.locator('.count').filter({ hasText: 'agreements' });
    assert.equal(await agreements.locator('.count-value').textContent(), String(stats.agreements.total));
    assert.match(await agreements.textContent(), new RegExp(`${stats.agreements.by_status.superseded} superseded`));
    assert.equal(await page.locator('#s-latest + ul li').count(), stats.articles);
    assert.ok(bytes > 0 && bytes < FIRST_VIEW_LIMIT, `first view is ${bytes} bytes`);
    console.log(`# first view: ${bytes} bytes transferred`);
    assert.equal(await page.title(), 'Overview · wirebase');
    await shot(page, '01-home');
  });

  await step(page, 'searching as you type shows marked snippets, debounced', async () => {
    const searches = [];
    const onRequest = (req) => { if (req.url().includes('/v1/search')) searches.push(req.url()); };
    page.on('request', onRequest);
    await page.getByRole('searchbox', { name: 'Search articles, quotes and entities' }).pressSequentially('memorandum', { delay: 40 });
    const hit = page.locator('.hit').filter({ hasText: ARTICLE });
    await hit.waitFor();
    page.off('request', onRequest);
    assert.ok(searches.length >= 1 && searches.length <= 4, `one request per pause, not per key: ${searches.length}`);
    const marks = await hit.locator('.snippet mark').allTextContents();
    assert.ok(marks.length > 0 && marks.every((m) => m.toLowerCase() === 'memorandum'), `marks: ${marks}`);
    assert.equal(new URL(page.url()).hash, '#/?q=memorandum');
    await shot(page, '02-search');
  });

  await step(page, 'the hit opens the article with linked mentions, quotes and agreements', async () => {
    await page.locator('.hit').filter({ hasText: ARTICLE }).getByRole('link', { name: ARTICLE }).click();
    await heading(page).filter({ hasText: ARTICLE }).waitFor();
    assert.match(await page.locator('.meta').first().textContent(), /Expatica news · 15 Sep 2010/);
    const gates = page.locator('.body a.mention[href="#/entities/robert-gates"]');
    const names = await gates.allTextContents();
    assert.ok(names.includes('Robert Gates') && names.includes('Gates'), `Gates by name and alias: ${names}`);
    assert.ok(await page.locator('.body a.mention[href="#/entities/north-atlantic-treaty-organization"]').count() > 0,
      'NATO is found by its alias');
    const quote = page.locator('#s-quotes + ul li').filter({ hasText: 'I don’t see Russia as a threat' });
    assert.equal(await quote.getByRole('link').textContent(), 'Robert Gates');
    assert.ok(await page.locator('#s-agreements + ul').getByRole('link', { name: 'Memorandum on defense cooperation' }).count() === 1);
    await shot(page, '03-article');
  });

  await step(page, 'Robert Gates opens from the article with his quotes and agreements', async () => {
    await page.locator('.body a.mention[href="#/entities/robert-gates"]').first().click();
    await heading(page).filter({ hasText: 'Robert Gates' }).waitFor();
    assert.equal(new URL(page.url()).hash, '#/entities/robert-gates');
    const entity = await (await fetch(`${base}/v1/entities/robert-gates`)).json();
    assert.match(await page.locator('.aliases').textContent(), /Gates/);
    const quotes = await page.locator('#s-quotes + ul blockquote').allTextContents();
    assert.equal(quotes.length, entity.quotes.length);
    assert.ok(quotes.includes('“I don’t see Russia as a threat”'), `quotes: ${quotes}`);
    const memo = page.locator('#s-agreements + ul li').filter({ hasText: 'Memorandum on defense cooperation' });
    assert.match(await memo.textContent(), /as signatory/);
    assert.equal(await page.locator('#s-agreements + ul li').count(), entity.agreements.length);
    assert.ok(await page.locator('svg.network a.node').count() >= 5, 'the network has neighbours');
    assert.equal(await page.title(), 'Robert Gates · wirebase');
    await shot(page, '04-entity');
  });

  await step(page, 'a node in the network opens that entity', async () => {
    await page.locator('svg.network a.node[data-slug="anatoly-serdyukov"]').click();
    await heading(page).filter({ hasText: 'Anatoly Serdyukov' }).waitFor();
    assert.equal(new URL(page.url()).hash, '#/entities/anatoly-serdyukov');
    await page.locator('svg.network a.node[data-slug="robert-gates"]').waitFor();
    await shot(page, '05-network-navigation');
  });

  await step(page, 'the agreements timeline shows the 1993 accord superseded', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Agreements' }).click();
    await page.locator('svg.timeline').waitFor();
    const accord = page.locator(`svg.timeline g.lane[data-status="superseded"] a.mark[data-slug="${ACCORD}"]`);
    assert.equal(await accord.count(), 1, 'the accord sits in the superseded lane');
    assert.match(await accord.getAttribute('aria-label'), /1993 defense cooperation accord: accord, superseded/);
    const arrow = page.locator(`svg.timeline path.supersedes[data-from="${ACCORD}"][data-to="${MEMORANDUM}"]`);
    assert.equal(await arrow.count(), 1, 'an arrow from the accord to the memorandum');
    const row = page.locator(`tr[data-slug="${ACCORD}"]`);
    assert.match(await row.textContent(), /superseded.*Memorandum on defense cooperation/);
    assert.equal(await page.locator('svg.timeline a.mark').count(), stats.agreements.total);
    await shot(page, '06-agreements');
  });

  await step(page, 'filters narrow the timeline and live in the URL', async () => {
    await page.getByLabel('Status', { exact: true }).selectOption('superseded');
    await shown(page, '#/agreements?status=superseded');
    assert.equal(await page.locator('svg.timeline a.mark').count(), 1);
    await page.getByLabel('Party', { exact: true }).selectOption('russia');
    await shown(page, '#/agreements?party=russia&status=superseded');
    await page.getByLabel('Kind', { exact: true }).selectOption('accord');
    await shown(page, '#/agreements?party=russia&kind=accord&status=superseded');
    const slugs = await page.locator('svg.timeline a.mark').evaluateAll((els) => els.map((e) => e.dataset.slug));
    assert.deepEqual(slugs, [ACCORD]);
    assert.equal(await page.getByLabel('Kind', { exact: true }).inputValue(), 'accord');
    await shot(page, '07-agreements-filtered');
    await page.getByLabel('Kind', { exact: true }).selectOption('treaty');
    await shown(page, '#/agreements?party=russia&kind=treaty&status=superseded');
    assert.match(await page.locator('#s-timeline').locator('..').textContent(), /No agreement matches these filters/);
  });

  await step(page, 'a deep link loads its view directly', async () => {
    await page.goto(`${base}/#/agreements/${MEMORANDUM}`);
    await heading(page).filter({ hasText: 'Memorandum on defense cooperation' }).waitFor();
    const older = page.locator('#s-supersedes + ul');
    assert.match(await older.textContent(), /1993 defense cooperation accord/);
    await shot(page, '08-deep-link-agreement');
    await page.goto(`${base}/#/entities/robert-gates`);
    await heading(page).filter({ hasText: 'Robert Gates' }).waitFor();
    await page.reload();
    await heading(page).filter({ hasText: 'Robert Gates' }).waitFor();
    await shot(page, '09-deep-link-entity');
  });

  await step(page, 'an unknown entity shows the not-found view', async () => {
    expected = ['no-such-entity'];
    await page.goto(`${base}/#/entities/no-such-entity`);
    await heading(page).filter({ hasText: 'Not found' }).waitFor();
    const view = page.locator('.error-view');
    assert.equal(await view.locator('h1').textContent(), 'Not found');
    assert.match(await view.textContent(), /no entity has this id or slug/);
    assert.equal(await page.getByRole('alert').count(), 1);
    await shot(page, '10-error-unknown-entity');
  });

  await step(page, 'a server that cannot be reached shows a message and a retry', async () => {
    expected = ['/v1/stats'];
    await page.route('**/v1/stats', (route) => route.abort('connectionrefused'));
    try {
      await page.goto(`${base}/#/`);
      await heading(page).filter({ hasText: 'Cannot reach the server' }).waitFor();
      assert.match(await page.locator('.error-view').textContent(), /cannot be reached/);
      await shot(page, '11-error-network');
    } finally {
      await page.unroute('**/v1/stats');
    }
    await page.locator('.error-view').getByRole('button', { name: 'Try again' }).click();
    await heading(page).filter({ hasText: 'Overview' }).waitFor();
  });

  await step(page, 'phone width: one column, nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [['#/agreements', '12-phone-agreements'], ['#/', '13-phone-home'], ['#/entities/robert-gates', '14-phone-entity']]) {
      await page.goto(`${base}/${hash}`);
      await shown(page, hash);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${hash} overflows by ${overflow}px`);
      await shot(page, name);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step(page, 'the keyboard reaches the skip link, the search box and the network', async () => {
    // A new document, so focus starts at the top as after any page load.
    await page.goto('about:blank');
    await page.goto(`${base}/#/`);
    await heading(page).filter({ hasText: 'Overview' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'skip');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    await page.locator('#q').focus();
    await page.keyboard.type('serdyukov');
    await page.locator('.hit').first().waitFor();
    await page.goto(`${base}/#/entities/robert-gates`);
    await page.locator('svg.network a.node').first().waitFor();
    await page.locator('svg.network a.node[data-slug="pentagon"]').focus();
    await page.keyboard.press('Enter');
    await heading(page).filter({ hasText: 'Pentagon' }).waitFor();
  });
}

try {
  await run();
} catch (err) {
  failures++;
  console.log(`not ok - the run stopped: ${err.stack || err}`);
} finally {
  if (context) await context.close().catch(() => {});
  if (server) {
    // Waited for: the server writes beside its database as it stops.
    const stopped = new Promise((resolve) => {
      if (server.child.exitCode !== null || server.child.signalCode !== null) resolve();
      else server.child.once('exit', resolve);
    });
    server.child.kill('SIGTERM');
    await stopped;
    writeFileSync(join(shots, 'server.log'), server.log());
  }
  rmSync(work, { recursive: true, force: true });
}
console.log(`1..${count}`);
if (problems.length) console.log(`# findings:\n# ${problems.join('\n# ')}`);
console.log(`# screenshots in ${shots}`);
process.exit(failures ? 1 : 0);
