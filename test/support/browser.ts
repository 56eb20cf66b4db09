// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core for the configuration page's browser tests:
// one browser per test, closed when the test finishes; screenshots at a phone's and a desktop's viewport.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { onTestFinished } from 'vitest';
import type { DoorProcess } from './doorProcess.ts';

/** Debian's chromium package; CHROMIUM_PATH overrides it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the screenshots go (CI keeps the folder as an artifact; README names it). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e/', import.meta.url));

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

/** Bounds for one browser step: a loopback page answers in milliseconds, a loaded CI machine in a few seconds. */
export const STEP_MS = 5000;

export interface BrowserSession {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** What the page logged to its console and its uncaught errors (printed when a test fails). */
  readonly console: readonly string[];
}

/**
 * Starts headless Chromium (no sandbox when run as root, the only way Chromium starts as root) with one page at the
 * phone's viewport; closed when the test finishes, whatever happened.
 */
export async function openBrowser(): Promise<BrowserSession> {
  const args = ['--no-first-run', '--disable-gpu', '--disable-dev-shm-usage', '--disable-extensions'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args, timeout: 15_000 });
  onTestFinished(async () => {
    await browser.close().catch(() => {});
  });
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  const page = await context.newPage();
  const console: string[] = [];
  page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => console.push(`pageerror: ${error.message}`));
  return { browser, context, page, console };
}

/** The page's URL from the door's `setupRequired url=… setupCode=…` line, and the code. */
export async function setupLine(door: DoorProcess, from = 0, timeoutMs = 10_000): Promise<{ url: string | undefined; setupCode: string }> {
  const line = await door.waitForLine(/ info setupRequired .*setupCode=\S+/, timeoutMs, from);
  const url = /\burl=(\S+)/.exec(line)?.[1];
  const setupCode = /\bsetupCode=(\S+)/.exec(line)![1]!;
  return { url, setupCode };
}

/** The page's URL from the door's `webListening url=…` line. */
export async function pageUrl(door: DoorProcess): Promise<string> {
  const line = await door.waitForLine(/\bwebListening .*url=\S+/, 10_000);
  return /\burl=(\S+)/.exec(line)![1]!;
}

/**
 * Screenshots of what the page shows now, at the phone's and the desktop's viewport (`<name>-phone.png`,
 * `<name>-desktop.png` under ARTIFACTS); the page is left at the viewport it had.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const before = page.viewportSize() ?? PHONE;
  for (const [label, size] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${label}.png`), fullPage: true, animations: 'disabled' });
  }
  await page.setViewportSize(before);
}
