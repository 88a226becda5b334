// Browser tests' harness: Debian's Chromium driven by playwright-core, a context signed in with an API
// key, waits on what the page shows (never on time), and screenshots saved as test artifacts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type LocalServer, ROOT } from './harness.ts';

/** Installed by `.ci/run` (`apt-get install chromium`); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-results/screenshots');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM });
}

/**
 * A browser context signed in with `key` the way a person signs in: the sign-in form, then the session
 * cookie on every page, poll and API call the pages make (docs/dashboard.md, "Sign-in and sessions").
 */
export async function signedIn(
  browser: Browser,
  server: LocalServer,
  key: string,
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: { width: 1280, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  await page.goto('/signin');
  await page.getByLabel('API key').fill(key);
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await page.close();
  return context;
}

/**
 * Marks the page's document; `stillSameDocument` is true only if no navigation or reload has replaced
 * it since, which is how a test proves a change arrived live.
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { dashboardTestMark: boolean }).dashboardTestMark = true;
  });
}

export function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(
    () => (window as unknown as { dashboardTestMark?: boolean }).dashboardTestMark === true,
  );
}

/** Waits until the element matching `selector` has text matching `pattern`. */
export async function waitForText(page: Page, selector: string, pattern: RegExp, timeoutMs = 30_000) {
  await page.waitForFunction(
    ({ selector, source, flags }) => {
      const element = document.querySelector(selector);
      return element !== null && new RegExp(source, flags).test(element.textContent ?? '');
    },
    { selector, source: pattern.source, flags: pattern.flags },
    { timeout: timeoutMs, polling: 100 },
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
