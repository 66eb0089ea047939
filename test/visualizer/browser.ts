import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium: the only browser the tests use (never a downloaded one). */
export const CHROMIUM = '/usr/bin/chromium';

/** Where screenshots go (gitignored); CI keeps the folder as the run's artefacts. */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'visualizer');

/** Raised when Debian's Chromium is missing: the browser tests fail loudly instead of skipping. */
export class ChromiumMissingError extends Error {
  override readonly name = 'ChromiumMissingError';
  constructor() {
    super(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does) — browser tests never skip`);
  }
}

/** Launches headless Debian Chromium with the flags this machine needs (no sandbox as root, no background network). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new ChromiumMissingError();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Opens a page at `url`, failing the test on any uncaught page error. */
export async function openPage(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(url);
  return page;
}

/** Saves a full-page screenshot as `test-artifacts/visualizer/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
