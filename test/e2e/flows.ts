// What the browser tests share: a standalone simulator door with the page on a free loopback port, and the steps a
// person takes on the page (first-start setup, login, going to a screen).

import { expect, onTestFailed } from 'vitest';
import type { Page } from 'playwright-core';
import { type BrowserSession, STEP_MS, openBrowser, setupLine } from '../support/browser.ts';
import { type DoorProcess, startDoor } from '../support/doorProcess.ts';

/** The page's password the tests choose at setup. */
export const ADMIN_PASSWORD = 'correct horse battery';
export const FLAT_PASSWORD = 'flat-Pa55word';

/** A standalone simulator door on loopback: the indoor user `flat`, button 1 ringing it, the default relay `door`. */
export function standaloneConfig(sipPort = 0): Record<string, unknown> {
  return {
    sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: sipPort, transports: ['udp'] }, domain: 'doorbell.test', users: [{ username: 'flat', password: FLAT_PASSWORD }] },
    buttons: [{ id: '1', plan: [{ targets: ['flat'], ringSec: 30 }] }],
    web: { listen: 'http://127.0.0.1:0' },
  };
}

export interface Started {
  readonly door: DoorProcess;
  readonly session: BrowserSession;
  readonly page: Page;
  /** The page's URL and the one-time code from the door's first setupRequired line. */
  readonly url: string;
  readonly setupCode: string;
}

/** The door (stopped when the test ends), a browser on its page; on failure the door's log and the page's console are printed. */
export async function startWithBrowser(config: Record<string, unknown> = standaloneConfig()): Promise<Started> {
  const door = startDoor({ simulate: true, config });
  const [{ url, setupCode }, session] = await Promise.all([setupLine(door), openBrowser()]);
  if (url === undefined) throw new Error('the first setupRequired line names no url');
  onTestFailed(() => {
    console.log(`door log:\n${door.lines().slice(-60).join('\n')}\n\npage console:\n${session.console.join('\n')}`);
  });
  return { door, session, page: session.page, url, setupCode };
}

/**
 * Polls what the page shows until the assertion holds, up to `timeoutMs` (default a browser step's bound, not
 * vitest's 1 s: the page follows the device by server-sent events, and CI machines are loaded).
 */
export function eventually<T>(read: () => Promise<T> | T, timeoutMs: number = STEP_MS, message?: string): ReturnType<typeof expect.poll<T>> {
  return expect.poll(read, { timeout: timeoutMs, interval: 50, ...(message !== undefined ? { message } : {}) });
}

/** First start: the setup screen, the code from the log and a new password twice; ends on the status screen. */
export async function completeSetup(page: Page, url: string, setupCode: string): Promise<void> {
  await page.goto(url);
  await page.locator('#setup-code').fill(setupCode);
  await page.locator('#setup-password').fill(ADMIN_PASSWORD);
  await page.locator('#setup-repeat').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await eventually(() => page.locator('#registration-state').isVisible()).toBe(true);
}

/** Goes to a screen by its navigation link (`SIP`, `Self-test`, …). */
export async function openScreen(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

/** `GET <path>` from inside the page (its session cookie), as JSON: what the device holds now. */
export async function apiGet(page: Page, path: string): Promise<unknown> {
  return page.evaluate(async (url) => {
    const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    return response.json() as Promise<unknown>;
  }, path);
}

/** The form of one section on the screen, by its title. */
export function sectionForm(page: Page, title: string): ReturnType<Page['locator']> {
  return page.locator('form.card', { has: page.getByRole('heading', { level: 2, name: title, exact: true }) });
}
