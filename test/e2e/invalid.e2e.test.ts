// Invalid input on the configuration page: the schema's field errors beside the fields, nothing saved (the form
// reloaded and the file on disk are as before).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { screenshots } from '../support/browser.ts';
import { completeSetup, eventually, openScreen, startWithBrowser } from './flows.ts';

describe('invalid input', () => {
  it('a ring time of 2 s and an unknown built-in user: errors beside both fields, nothing saved, the old values after a reload', async () => {
    const { door, page, url, setupCode } = await startWithBrowser();
    await completeSetup(page, url, setupCode);
    await openScreen(page, 'Buttons');
    const ringSec = page.locator('#buttons-0-plan-0-ringSec');
    const targets = page.locator('#buttons-0-plan-0-targets');
    await eventually(() => ringSec.inputValue()).toBe('30');
    expect(await targets.inputValue()).toBe('flat');
    const onDisk = readFileSync(door.configFile, 'utf8');
    const mark = door.lines().length;

    await ringSec.fill('2');
    await targets.fill('flat, nobody');
    await targets.blur(); // the list is taken when the field is left
    await page.getByRole('button', { name: 'Save' }).click();

    const ringError = page.locator('#buttons-0-plan-0-ringSec-error');
    const targetsError = page.locator('#buttons-0-plan-0-targets-error');
    await eventually(() => ringError.textContent()).toBeTruthy();
    expect(await ringError.getAttribute('role')).toBe('alert');
    expect(await ringSec.getAttribute('aria-invalid')).toBe('true');
    expect(await ringSec.getAttribute('aria-describedby')).toContain('buttons-0-plan-0-ringSec-error');
    // The error sits in the field's own frame, right after its input.
    expect(await page.locator('.field.invalid', { has: ringSec }).locator('.error[role=alert]').count()).toBe(1);
    expect(await targetsError.textContent()).toMatch(/nobody/);
    expect(await page.locator('.error-box[role=alert]').textContent()).toMatch(/Nothing was saved/);
    expect(await page.getByRole('status').filter({ hasText: /Not saved/ }).count()).toBe(1);
    // The draft stays as typed.
    expect(await ringSec.inputValue()).toBe('2');
    await screenshots(page, 'buttons-invalid');

    await door.waitForLine(/ configRefused\b/, 5000, mark);
    expect(door.lines().slice(mark).some((line) => / configSaved\b/.test(line))).toBe(false);
    expect(readFileSync(door.configFile, 'utf8'), 'the config file on disk is unchanged').toBe(onDisk);

    await page.reload();
    await eventually(() => page.locator('#buttons-0-plan-0-ringSec').inputValue()).toBe('30');
    expect(await page.locator('#buttons-0-plan-0-targets').inputValue()).toBe('flat');
    expect(await page.locator('.error[role=alert]').count()).toBe(0);
  }, 30_000);
});
