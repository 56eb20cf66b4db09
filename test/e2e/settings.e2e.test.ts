// The settings a door owner sets on a phone without the JSON file, in a real headless Chromium: the Network screen
// (SIP address, port and transports; the page's own address) and the General screen (time zone, debounce, call
// length, event log size) with the door codes' pause. Changes are saved (the device answers them on GET, the file
// holds them, the running door applies them); a bad value is shown beside its field and nothing is saved.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshots } from '../support/browser.ts';
import { apiGet, completeSetup, eventually, openScreen, sectionForm, startWithBrowser } from './flows.ts';

interface OnDisk {
  sip: { listen: { host: string; port: number; transports: string[] } };
  web: { listen?: string };
  doorbell: { timeZone?: string; debounceMs: number; maxCallSec: number; warnBeforeSec: number; eventLog: { maxEntries: number }; codeEntry: { submitAfterMs: number } };
}

function onDisk(file: string): OnDisk {
  return JSON.parse(readFileSync(file, 'utf8')) as OnDisk;
}

/** A loopback port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function save(page: Page, title: string): Promise<void> {
  await sectionForm(page, title).getByRole('button', { name: 'Save' }).click();
}

async function savedIn(page: Page, title: string): Promise<void> {
  await eventually(() => sectionForm(page, title).getByRole('status').filter({ hasText: /^Saved/ }).count()).toBe(1);
}

describe('network settings', () => {
  it('TCP added to SIP is saved and applied; no transport and a page address with a host name are refused beside their fields', async () => {
    const { door, page, url, setupCode } = await startWithBrowser();
    await completeSetup(page, url, setupCode);
    await openScreen(page, 'Network');
    const sipTitle = 'SIP address and port';
    const udp = page.locator('#sip-listen-transports-udp');
    const tcp = page.locator('#sip-listen-transports-tcp');
    await eventually(() => page.locator('#sip-listen-host').inputValue()).toBe('127.0.0.1');
    expect(await page.locator('#sip-listen-port').inputValue()).toBe('0');
    expect([await udp.isChecked(), await tcp.isChecked()]).toEqual([true, false]);
    expect(await page.locator('#web-listen').inputValue()).toBe('http://127.0.0.1:0');
    expect(await page.locator('#web-listen-hint').textContent()).toMatch(/after a change the page moves to the new address/);

    // TCP as well: saved, and the running door listens on TCP too.
    let mark = door.lines().length;
    await tcp.check();
    await save(page, sipTitle);
    await savedIn(page, sipTitle);
    await door.waitForLine(/ listening protocol=tcp\b/, 10_000, mark);
    expect(await apiGet(page, '/api/config/sip')).toMatchObject({ listen: { host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'] } });
    expect(onDisk(door.configFile).sip.listen.transports).toEqual(['udp', 'tcp']);

    // Neither: the schema's error beside the transports, nothing saved.
    const saved = readFileSync(door.configFile, 'utf8');
    mark = door.lines().length;
    await udp.uncheck();
    await tcp.uncheck();
    await save(page, sipTitle);
    const transportsError = page.locator('#sip-listen-transports-error');
    await eventually(() => transportsError.textContent()).toBeTruthy();
    expect(await transportsError.getAttribute('role')).toBe('alert');
    expect(await sectionForm(page, sipTitle).locator('.error-box[role=alert]').textContent()).toMatch(/Nothing was saved/);
    await door.waitForLine(/ configRefused section=sip\b/, 5000, mark);
    expect(readFileSync(door.configFile, 'utf8'), 'the config file is unchanged byte for byte').toBe(saved);
    expect(await apiGet(page, '/api/config/sip')).toMatchObject({ listen: { transports: ['udp', 'tcp'] } });

    // The page's address: a host name is not an address to listen on.
    mark = door.lines().length;
    const webListen = page.locator('#web-listen');
    await webListen.fill('http://door.example.org:8080');
    await save(page, 'Address of this page');
    const webError = page.locator('#web-listen-error');
    await eventually(() => webError.textContent()).toMatch(/http:\/\/address:port/);
    expect(await webListen.getAttribute('aria-invalid')).toBe('true');
    await door.waitForLine(/ configRefused section=web\b/, 5000, mark);
    expect(readFileSync(door.configFile, 'utf8'), 'the config file is unchanged byte for byte').toBe(saved);
    await screenshots(page, 'network-invalid');

    // A good address is saved, and the screen names where to open the page next.
    const port = await freePort();
    await webListen.fill(`http://127.0.0.1:${port}`);
    await eventually(() => page.locator('#web-listen-next').textContent()).toContain(`http://127.0.0.1:${port}/`);
    await save(page, 'Address of this page');
    await eventually(() => page.locator('#web-listen-moved a').getAttribute('href')).toBe(`http://127.0.0.1:${port}/`);
    expect(onDisk(door.configFile).web.listen).toBe(`http://127.0.0.1:${port}`);

    // The page moves at once, without a restart: the new address answers, the old one no longer does, and the owner's
    // session goes with it (a cookie is the host's, whatever the port).
    await door.waitForLine(new RegExp(` webListening url=http://127\\.0\\.0\\.1:${port}/$`), 5000, mark);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    await expect(fetch(url)).rejects.toThrow();
    await page.goto(`http://127.0.0.1:${port}/#/network`);
    expect(await apiGet(page, '/api/config/web')).toEqual({ listen: `http://127.0.0.1:${port}` });
    expect(door.lines().slice(mark).some((l) => / started /.test(l)), 'no restart of the process').toBe(false);
  }, 30_000);
});

describe('general settings', () => {
  it('time zone, debounce, call length, log size and the code pause are saved; a warning longer than the call and an unknown zone are refused', async () => {
    const { door, page, url, setupCode } = await startWithBrowser();
    await completeSetup(page, url, setupCode);
    await openScreen(page, 'General');
    const title = 'Time, presses, calls and the log';
    const field = (path: string): ReturnType<Page['locator']> => page.locator(`#doorbell-${path}`);
    await eventually(() => field('debounceMs').inputValue()).toBe('40');
    expect(await field('maxCallSec').inputValue()).toBe('300');
    expect(await field('warnBeforeSec').inputValue()).toBe('15');
    expect(await field('eventLog-maxEntries').inputValue()).toBe('500');
    expect(await field('timeZone').inputValue()).toBe('');

    // One tap takes the phone's own time zone.
    const phoneZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    await page.locator('#doorbell-timeZone-here').click();
    expect(await field('timeZone').inputValue()).toBe(phoneZone);

    let mark = door.lines().length;
    await field('timeZone').fill('Europe/Berlin');
    await field('debounceMs').fill('80');
    await field('maxCallSec').fill('120');
    await field('warnBeforeSec').fill('20');
    await field('eventLog-maxEntries').fill('1000');
    await save(page, title);
    await savedIn(page, title);
    await door.waitForLine(/ info configApplied\b/, 10_000, mark);
    const expected = { timeZone: 'Europe/Berlin', debounceMs: 80, maxCallSec: 120, warnBeforeSec: 20, eventLog: { maxEntries: 1000 } };
    expect(await apiGet(page, '/api/config/doorbell')).toMatchObject(expected);
    expect(onDisk(door.configFile).doorbell).toMatchObject(expected);

    // A call of 10 s cannot warn 20 s before its end, and Mars has no IANA zone: both beside their fields, nothing saved.
    const saved = readFileSync(door.configFile, 'utf8');
    mark = door.lines().length;
    await field('maxCallSec').fill('10');
    await field('timeZone').fill('Mars/Olympus');
    await save(page, title);
    await eventually(() => page.locator('#doorbell-warnBeforeSec-error').textContent()).toMatch(/shorter than maxCallSec \(10\)/);
    expect(await page.locator('#doorbell-timeZone-error').textContent()).toMatch(/IANA time zone/);
    expect(await field('warnBeforeSec').getAttribute('aria-invalid')).toBe('true');
    await door.waitForLine(/ configRefused section=doorbell\b/, 5000, mark);
    expect(readFileSync(door.configFile, 'utf8'), 'the config file is unchanged byte for byte').toBe(saved);
    expect(await apiGet(page, '/api/config/doorbell')).toMatchObject(expected);
    await screenshots(page, 'general-invalid');
    await sectionForm(page, title).getByRole('button', { name: 'Undo changes' }).click();
    expect(await field('maxCallSec').inputValue()).toBe('120');
    expect(await page.locator('.error[role=alert]').count()).toBe(0);

    // The door codes' pause before a typed code is taken.
    await openScreen(page, 'Door codes');
    const pause = field('codeEntry-submitAfterMs');
    await eventually(() => pause.inputValue()).toBe('4000');
    await pause.fill('500');
    await save(page, 'Door codes');
    await eventually(() => page.locator('#doorbell-codeEntry-submitAfterMs-error').textContent()).toMatch(/1000/);
    expect(readFileSync(door.configFile, 'utf8'), 'the config file is unchanged byte for byte').toBe(saved);
    await pause.fill('6000');
    await save(page, 'Door codes');
    await savedIn(page, 'Door codes');
    expect(onDisk(door.configFile).doorbell.codeEntry.submitAfterMs).toBe(6000);
    expect(onDisk(door.configFile).doorbell.maxCallSec, 'the General screen\'s save is kept').toBe(120);
  }, 30_000);
});
