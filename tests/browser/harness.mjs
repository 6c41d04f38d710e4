// The harness every browser script imports: Debian's Chromium through
// playwright-core (no browser download), pages that collect console errors,
// logging in through the form, screenshots, waiting helpers, and a run()
// that on failure screenshots every open page (FAILED-*.png) before it
// closes the browser and sets the exit code.
//
// Env: CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR (else the
// script's own default).

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/// The value of an environment variable the script needs.
export const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
};

/// One check: prints `ok - message`, or throws and so fails the run.
export function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
  console.log(`ok - ${message}`);
}

/// Screen sizes the scripts use.
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };
export const WALL = { width: 1920, height: 1080 };

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/// Launches Chromium and returns the harness: `base` (BASE_URL without a
/// trailing slash), `shots` (the screenshot directory), `newPage`, `shot`,
/// `loginAs`, `problems` and `run`. `screenshots` is the default
/// directory, relative to tests/browser; `args` are extra Chromium flags.
export async function start({ screenshots = 'screenshots', args = [] } = {}) {
  const here = dirname(fileURLToPath(import.meta.url));
  const shots = process.env.SCREENSHOT_DIR || resolve(here, screenshots);
  mkdirSync(shots, { recursive: true });
  const base = env('BASE_URL').replace(/\/$/, '');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...args],
  });
  const problems = [];
  const pages = [];

  /// A page in a context of its own (its own cookies), Chinese, with a
  /// 15 s default wait; CSP violations, script errors and failed loads go
  /// to `problems` (the 401, 403 and 422 answers the scripts provoke on
  /// purpose — a refused URL, a form sent back with its error — do not).
  async function newPage(viewport = DESKTOP, { locale = 'zh-CN' } = {}) {
    const context = await browser.newContext({ viewport, locale });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('console', (m) => {
      if (m.type() !== 'error' || /status of (40[13]|422) /.test(m.text())) return;
      problems.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
    pages.push(page);
    return page;
  }

  async function shot(page, name, fullPage = true) {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage });
  }

  /// Logs `user` in through the form on `/login?next=…` and waits to land
  /// on `next`.
  async function loginAs(page, user, next, password = env('SHEQU_PASSWORD')) {
    await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
    await fillLogin(page, user, password);
    await page.waitForURL(`${base}${next}`);
  }

  /// Runs the script's checks; on a failure, screenshots every open page
  /// and sets a failing exit code. Either way, ends with no console errors
  /// checked and the browser closed.
  async function run(body) {
    try {
      await body();
      check(problems.length === 0, `no console errors${problems.length ? ':\n  ' + problems.join('\n  ') : ''}`);
      console.log(`screenshots in ${shots}`);
    } catch (e) {
      console.error(e);
      process.exitCode = 1;
      for (const [i, page] of pages.entries()) {
        if (page.isClosed()) continue;
        const path = join(shots, `FAILED-${i + 1}.png`);
        await page.screenshot({ path, fullPage: true }).then(
          () => console.error(`screenshot of ${page.url()} at failure: ${path}`),
          () => {},
        );
      }
    } finally {
      await browser.close();
    }
  }

  return { base, shots, browser, problems, newPage, shot, loginAs, run };
}

/// Fills the login form already open on `page` and submits it.
export async function fillLogin(page, user, password) {
  await page.getByLabel('用户名').fill(user);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

/// Waits up to `timeout` ms for `predicate(arg)` to hold in the page, and
/// returns quietly when it does not: the check after it says what failed.
export async function settle(page, predicate, arg, timeout = 10000) {
  await page.waitForFunction(predicate, arg, { timeout }).catch(() => {});
}

/// The trimmed text of the live counter `key` on the command centre.
export async function counter(page, key) {
  return (await page.locator(`[data-counter="${key}"]`).innerText()).trim();
}

/// Waits for the counter `key` to read `want`, then checks that it does.
export async function waitCounter(page, key, want, what) {
  await settle(
    page,
    ([k, v]) => document.querySelector(`[data-counter="${k}"]`)?.textContent.trim() === v,
    [key, want],
  );
  check(await counter(page, key) === want, `${what} (${key} = ${want})`);
}
