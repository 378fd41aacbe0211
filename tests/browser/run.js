// run.js - the pages of `whatworks serve` in Debian's chromium.
//
// WHATWORKS_URL: the daemon (serving the shipped evidence); SCREENSHOTS: where
// the screenshots go; CHROMIUM: the browser (default /usr/bin/chromium).
// Each page must load without console errors or failed requests, and axe-core
// must find no WCAG 2.x A/AA violation on it; the filters, the search box,
// the projection form and the keyboard are driven as a person would. Exits 1
// with every failure listed.
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const base = process.env.WHATWORKS_URL;
const shots = process.env.SCREENSHOTS || path.resolve(__dirname, '../../build/screenshots');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const failures = [];
const fail = (what, detail) => {
  failures.push(`${what}: ${detail}`);
  console.log(`not ok - ${what}: ${detail}`);
};
const ok = (what) => console.log(`ok - ${what}`);

if (!base) {
  console.error('run.js: set WHATWORKS_URL');
  process.exit(2);
}
fs.mkdirSync(shots, { recursive: true });

async function json(p) {
  const r = await fetch(base + p);
  if (!r.ok) throw new Error(`${p}: ${r.status}`);
  return r.json();
}

// A page with listeners that record what a person would not want to see.
async function open(browser, name) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r) => {
    // the main document may be an error page on purpose; its assets may not
    if (r.status() >= 400 && r.request().resourceType() !== 'document')
      problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.problems = problems;
  page.label = name;
  await page.setViewport({ width: 1280, height: 900 });
  return page;
}

async function goto(page, p, status = 200) {
  const res = await page.goto(base + p, { waitUntil: 'load' });
  if (res.status() !== status) fail(page.label, `${p} answered ${res.status()}, not ${status}`);
  return res;
}

async function axe(page) {
  // DevTools evaluation is not page script, so the page's CSP still holds
  await page.evaluate(axeSource);
  const r = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    }),
  );
  for (const v of r.violations)
    fail(page.label, `axe ${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} node(s), e.g. ${v.nodes[0].html.slice(0, 160)}`);
  if (r.violations.length === 0) ok(`${page.label}: axe-core finds no WCAG A/AA violation`);
}

async function screenshots(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}-desktop.png`), fullPage: true });
  await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
  await page.screenshot({ path: path.join(shots, `${name}-phone.png`), fullPage: true });
  // nothing may be wider than a phone: no sideways scrolling of the page
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (wide > 1) fail(name, `the page is ${wide}px wider than a phone screen`);
  await axe(page); // again at phone width (reflow, target sizes)
  await page.setViewport({ width: 1280, height: 900 });
}

function done(page, expected404) {
  // the browser reports an error page's own status as a console error
  if (expected404) page.problems = page.problems.filter((p) => !p.includes('status of 404'));
  if (page.problems.length) for (const p of page.problems) fail(page.label, p);
  else ok(`${page.label}: no console errors or failed requests`);
  return page.close();
}

async function rows(page) {
  return page.$$eval('table.list tbody tr', (trs) => trs.length);
}

async function main() {
  const list = (await json('/v1/interventions?limit=500')).data;
  const harmful = list.find((i) => i.harmful) || list[0];
  const area = (await json('/v1/areas')).data.find((a) => a.id === 'merseyside') || (await json('/v1/areas')).data[0];
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  try {
    // home: the three themes and the search box, reached by keyboard
    let page = await open(browser, 'home');
    await goto(page, '/');
    // the stylesheet applies (the policy allows it by its hash)
    const bg = await page.$eval('header.site', (h) => getComputedStyle(h).backgroundColor);
    if (bg !== 'rgb(11, 12, 12)') fail('home', `the stylesheet did not apply (header ${bg})`);
    const themes = await page.$$eval('.cards li', (l) => l.length);
    if (themes !== 3) fail('home', `${themes} themes shown, not 3`);
    await axe(page);
    await screenshots(page, 'home');
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement.textContent);
    if (first !== 'Skip to content') fail('home', `the first Tab stop is "${first}", not the skip link`);
    else ok('home: the first Tab stop is the skip link');
    await page.type('#q', 'knife');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const found = await rows(page);
    if (!page.url().includes('q=knife') || found === 0) fail('home', `searching "knife" found ${found} at ${page.url()}`);
    else ok(`home: searching "knife" lists ${found} interventions`);
    await done(page);

    // the journey of the issue: knife crime ranked by value for money, one
    // intervention, its projection for a force, printed
    page = await open(browser, 'journey');
    await goto(page, '/');
    await Promise.all([page.waitForNavigation(), page.click('.cards a[href*="theme=knife-crime"]')]);
    const knife = list.filter((i) => i.themes.includes('knife-crime')).length;
    const ranked = await rows(page);
    if (!page.url().includes('sort=-band,-bcr') || ranked !== knife)
      fail('journey', `the knife crime theme lists ${ranked} of ${knife} at ${page.url()}`);
    else ok(`journey: knife crime lists its ${knife} interventions ranked by value for money`);
    const name = await page.$eval('table.list tbody th a', (a) => a.textContent);
    await Promise.all([page.waitForNavigation(), page.click('table.list tbody th a')]);
    const h1text = await page.$eval('h1', (h) => h.textContent);
    if (h1text !== name) fail('journey', `opened "${h1text}", not "${name}"`);
    await Promise.all([page.waitForNavigation(), page.click('nav.actions a[href$="/projection"]')]);
    await page.select('#p-area', area.id);
    await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
    const answered = await page.evaluate(() => !!(document.querySelector('#proj-h') || document.querySelector('[role=alert]')));
    if (!answered) fail('journey', 'the projection page gave neither a projection nor a reason');
    else ok(`journey: the projection page answers for "${name}" in ${area.name}`);
    await done(page);

    // the list: filters change it, sorting, the links to JSON and CSV
    page = await open(browser, 'interventions');
    await goto(page, '/interventions');
    const all = await rows(page);
    await axe(page);
    await screenshots(page, 'interventions');
    await page.select('#f-theme', 'substance-misuse');
    await page.select('#f-sort', '-evidence_rating');
    await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
    const some = await rows(page);
    const url = page.url();
    if (!url.includes('theme=substance-misuse') || !url.includes('sort=-evidence_rating') || some === 0 || some >= all)
      fail('interventions', `filtering by theme gave ${some} of ${all} rows at ${url}`);
    else ok(`interventions: the theme filter narrows ${all} rows to ${some}`);
    const expected = list.filter((i) => i.themes.includes('substance-misuse')).length;
    if (some !== expected) fail('interventions', `${some} rows shown, the API lists ${expected}`);
    const csv = await page.$eval('p.formats a:nth-of-type(2)', (a) => a.href);
    const r = await fetch(csv);
    if (!r.ok || !(r.headers.get('content-type') || '').startsWith('text/csv')) fail('interventions', `the CSV link ${csv} gave ${r.status}`);
    await page.select('#f-harmful', 'true');
    await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
    await axe(page);
    await done(page);

    // one intervention, and its print form
    page = await open(browser, 'intervention');
    await goto(page, `/interventions/${harmful.id}`);
    const h2 = await page.$$eval('main h2', (hs) => hs.map((h) => h.textContent));
    const emmie = ['At a glance', 'Effect', 'Mechanism', 'Moderators', 'Implementation', 'Economics', 'Evaluations', 'Provenance'];
    let at = -1;
    for (const want of emmie) {
      const i = h2.findIndex((t, k) => k > at && t.startsWith(want));
      if (i < 0) fail('intervention', `no "${want}" section after "${h2[at] || 'the top'}"`);
      else at = i;
    }
    if (harmful.harmful && !(await page.$('.summary .warning'))) fail('intervention', 'a harmful intervention shows no warning');
    await axe(page);
    await screenshots(page, 'intervention');
    await page.emulateMediaType('print');
    await page.screenshot({ path: path.join(shots, 'intervention-print.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: false });
    fs.writeFileSync(path.join(shots, 'intervention.pdf'), pdf);
    const count = /\/Count (\d+)/.exec(Buffer.from(pdf).toString('latin1'));
    const pages = count ? Number(count[1]) : 0;
    console.log(`# the intervention page prints on ${pages} A4 page(s)`);
    if (pages < 1 || pages > 2) fail('intervention', `the briefing prints on ${pages} pages, not one or two`);
    await page.emulateMediaType('screen');
    await done(page);

    // the local projection form
    page = await open(browser, 'projection');
    await goto(page, `/interventions/${harmful.id}/projection`);
    await axe(page);
    await page.select('#p-area', area.id);
    await page.$eval('#p-units', (i) => (i.value = ''));
    await page.type('#p-units', '250');
    await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
    const purl = page.url();
    const result = await page.evaluate(() => ({
      projected: !!document.querySelector('#proj-h'),
      explained: (document.querySelector('[role=alert]') || {}).textContent || '',
      trend: !!document.querySelector('svg[aria-labelledby="trend-t trend-d"]'),
      units: document.querySelector('#p-units').value,
    }));
    if (!purl.includes(`area=${area.id}`) || !purl.includes('units=250')) fail('projection', `the form went to ${purl}`);
    else if (!result.projected && !result.explained) fail('projection', 'neither a projection nor a reason');
    else ok(`projection: ${result.projected ? 'projected' : 'explained: ' + result.explained.trim().slice(0, 120)}`);
    if (result.units !== '250') fail('projection', `the form forgot the scale (${result.units})`);
    if (process.env.EXPECT_TREND && !result.trend) fail('projection', "the area's recorded-crime trend is not drawn");
    else if (result.trend) ok("projection: the area's recorded-crime trend is drawn");
    await axe(page);
    await screenshots(page, 'projection');
    await done(page);

    // compare
    page = await open(browser, 'compare');
    await goto(page, '/compare');
    await axe(page);
    await page.select('#c-a', list[0].id);
    await page.select('#c-b', list[1].id);
    await page.select('#c-c', list[2].id);
    await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
    const cols = await page.$$eval('table.compare thead th', (t) => t.length);
    if (cols !== 3) fail('compare', `${cols} columns, not 3`);
    else ok('compare: three interventions side by side');
    await axe(page);
    await screenshots(page, 'compare');
    await done(page);

    // a missing page is a page
    page = await open(browser, 'not-found');
    await goto(page, '/interventions/no-such-intervention', 404);
    const h1 = await page.$eval('h1', (h) => h.textContent);
    if (h1 !== 'Page not found') fail('not-found', `the 404 page says "${h1}"`);
    await axe(page);
    await done(page, true);
  } finally {
    await browser.close();
  }
  console.log(`# screenshots in ${shots}`);
  if (failures.length) {
    console.log(`${failures.length} failure(s)`);
    process.exit(1);
  }
  console.log('all browser checks passed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
