// scripts/build.mjs: the bundle's size is printed against its budget, and a bundle over the budget fails the build.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

interface BuildScript {
  BUNDLE_BUDGET_BYTES: number;
  build(outfile?: string, budgetBytes?: number): Promise<{ outfile: string; bytes: number }>;
}

const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundle budget', () => {
  it('prints "bundle X MiB of 2.00 MiB budget" and fails a build over its budget', async () => {
    const script = (await import(new URL('../../scripts/build.mjs', import.meta.url).href)) as BuildScript;
    expect(script.BUNDLE_BUDGET_BYTES).toBe(2 * 1024 * 1024);
    const printed = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const { bytes } = await script.build(path.join(dir, 'ok.js'));
      expect(bytes).toBeLessThanOrEqual(script.BUNDLE_BUDGET_BYTES);
      expect(printed.mock.calls.flat().join('\n')).toMatch(/: bundle \d+\.\d\d MiB of 2\.00 MiB budget$/m);
      const tight = bytes - 1;
      await expect(script.build(path.join(dir, 'over.js'), tight)).rejects.toThrow(/^bundle \d+\.\d\d MiB is over its \d+\.\d\d MiB budget/);
    } finally {
      printed.mockRestore();
    }
  }, 60_000);
});
