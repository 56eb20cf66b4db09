// The Hardware screen in a real headless Chromium: a relay's pin changed and an LED added are saved to the file and
// applied by the running door; a pin of 99 and a relay id used twice show field errors and leave the file as it was.
// On the way in, a wrong setup code is named beside its field.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshots } from '../support/browser.ts';
import { ADMIN_PASSWORD, completeSetup, eventually, openScreen, standaloneConfig, startWithBrowser } from './flows.ts';

/** The configuration file as the door wrote it (JSON, comments only in hand-written files). */
function onDisk(file: string): { relays: { id: string; pin?: number }[]; leds: { id: string; pin?: number }[] } {
  return JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof onDisk>;
}

/** The form of one section on the screen, by its title. */
function sectionForm(page: Page, title: string): ReturnType<Page['locator']> {
  return page.locator('form.card', { has: page.getByRole('heading', { level: 2, name: title, exact: true }) });
}

describe('hardware wiring', () => {
  it('a relay pin changed and an LED added are saved and applied live; pin 99 and a duplicate id are refused beside the fields', async () => {
    const config = { ...standaloneConfig(), relays: [{ id: 'door', pin: 22, maxPulseMs: 10000 }], leds: [{ id: 'status', pin: 24 }] };
    const { door, page, url, setupCode } = await startWithBrowser(config);
    // On the way in: a wrong setup code is named beside its field.
    await page.goto(url);
    await page.locator('#setup-code').fill('not-the-code');
    await page.locator('#setup-password').fill(ADMIN_PASSWORD);
    await page.locator('#setup-repeat').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await eventually(() => page.locator('#setup-code-error[role=alert]').textContent()).toMatch(/Not the code/);
    expect(await page.locator('#setup-code').getAttribute('aria-invalid')).toBe('true');
    await completeSetup(page, url, setupCode);
    await openScreen(page, 'Hardware');
    const relays = sectionForm(page, 'Door opener and other relays');
    const leds = sectionForm(page, 'Status LEDs');
    const relayPin = page.locator('#relays-0-pin');
    await eventually(() => relayPin.inputValue()).toBe('22');
    expect(await page.locator('#leds-0-pin').inputValue()).toBe('24');
    expect(await page.locator('#gpio-driver').inputValue()).toBe('auto');
    // The buttons' pins are edited with their plans: the screen links there.
    expect(await page.getByRole('link', { name: /Buttons screen/ }).getAttribute('href')).toBe('#/buttons');

    // The relay moves from GPIO 22 to 23: saved, written to the file, applied by the running door.
    let mark = door.lines().length;
    await relayPin.fill('23');
    await relays.getByRole('button', { name: 'Save' }).click();
    await eventually(() => relays.getByRole('status').filter({ hasText: 'Saved and applied.' }).count()).toBe(1);
    await door.waitForLine(/ configSaved section=relays\b/, 5000, mark);
    await door.waitForLine(/ info configApplied\b/, 10_000, mark);
    expect(onDisk(door.configFile).relays).toEqual([{ id: 'door', pin: 23, activeLow: false, maxPulseMs: 10000 }]);

    // An LED `porch` on GPIO 25: the running door has it (the self-test lists it from the live status).
    mark = door.lines().length;
    await leds.getByRole('button', { name: 'Add LED' }).click();
    await page.locator('#leds-1-id').fill('porch');
    await page.locator('#leds-1-pin').fill('25');
    await leds.getByRole('button', { name: 'Save' }).click();
    await eventually(() => leds.getByRole('status').filter({ hasText: 'Saved and applied.' }).count()).toBe(1);
    await door.waitForLine(/ info configApplied\b/, 10_000, mark);
    expect(onDisk(door.configFile).leds).toEqual([{ id: 'status', pin: 24, activeLow: false }, { id: 'porch', pin: 25, activeLow: false }]);
    await openScreen(page, 'Self-test');
    await eventually(() => page.locator('li[data-led=porch]').count()).toBe(1);
    await openScreen(page, 'Hardware');
    await eventually(() => page.locator('#leds-1-pin').inputValue()).toBe('25');
    await screenshots(page, 'hardware');

    // GPIO 99 does not exist: the error beside the pin, nothing saved.
    const saved = readFileSync(door.configFile, 'utf8');
    mark = door.lines().length;
    await relayPin.fill('99');
    await relays.getByRole('button', { name: 'Save' }).click();
    const pinError = page.locator('#relays-0-pin-error');
    await eventually(() => pinError.textContent()).toMatch(/53/);
    expect(await pinError.getAttribute('role')).toBe('alert');
    expect(await relayPin.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field.invalid', { has: relayPin }).locator('.error[role=alert]').count()).toBe(1);
    expect(await relays.locator('.error-box[role=alert]').textContent()).toMatch(/Nothing was saved/);
    await door.waitForLine(/ configRefused\b/, 5000, mark);
    expect(readFileSync(door.configFile, 'utf8'), 'the config file is unchanged byte for byte').toBe(saved);

    // A second relay with the id `door`: the error on the relay list; the pin back in range is taken, still nothing saved.
    mark = door.lines().length;
    await relayPin.fill('23');
    await relays.getByRole('button', { name: 'Add relay' }).click();
    await page.locator('#relays-1-id').fill('door');
    await page.locator('#relays-1-pin').fill('24');
    // The page names the clash with the LED before the device does.
    await eventually(() => page.locator('#relays-1-pin-hint').textContent()).toMatch(/GPIO 24 is also LED status/);
    await page.locator('#relays-1-pin').fill('26');
    await relays.getByRole('button', { name: 'Save' }).click();
    const listError = relays.locator('fieldset.list > .error[role=alert]');
    await eventually(() => listError.textContent()).toMatch(/door is used twice/);
    expect(await pinError.count(), 'the pin error of the last save is gone').toBe(0);
    await door.waitForLine(/ configRefused\b/, 5000, mark);
    expect(door.lines().slice(mark).some((line) => / configSaved\b/.test(line))).toBe(false);
    expect(readFileSync(door.configFile, 'utf8'), 'the config file is unchanged byte for byte').toBe(saved);
    await screenshots(page, 'hardware-invalid');

    await page.reload();
    await eventually(() => page.locator('#relays-0-pin').inputValue()).toBe('23');
    expect(await page.locator('#relays-1-id').count()).toBe(0);
    expect(await page.locator('.error[role=alert]').count()).toBe(0);
  }, 45_000);
});
