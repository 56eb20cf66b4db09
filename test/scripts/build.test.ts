// scripts/build.mjs: the bundle users run names its errors in the log, as the sources do.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** scripts/build.mjs is plain JavaScript: its one export, typed here. */
interface BuildScript {
  build(outfile?: string): Promise<{ outfile: string; bytes: number }>;
}

const dir = mkdtempSync(path.join(tmpdir(), 'doorbell-build-'));
const bundle = path.join(dir, 'sip-doorbell.js');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  const script = new URL('../../scripts/build.mjs', import.meta.url).href;
  await ((await import(script)) as BuildScript).build(bundle);
}, 60_000);

describe('the bundle', () => {
  it('runs --version', () => {
    const result = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('carries zod with its English messages only, not its 40-odd translations', () => {
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain('Invalid input'); // zod's English default
    expect(text).not.toContain('Kreditkartennummer'); // from its German translation
  });

  it('logs an error with its class name and code, not a minified name', async () => {
    // Hold a UDP port so that the door station cannot bind it: it must log why (and stay up, trying again).
    const busy = createSocket('udp4');
    await new Promise<void>((resolve) => busy.bind(0, '127.0.0.1', resolve));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      sip: { listen: { host: '127.0.0.1', port: busy.address().port, transports: ['udp'] }, users: [{ username: 'flat', password: 'flat-secret-1' }] },
      web: { listen: 'http://127.0.0.1:0/' },
    }));
    const child = spawn(process.execPath, [bundle, '--config', config, '--state', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        const bound = setTimeout(() => reject(new Error(`no notRunning line in 10 s:\n${stderr}`)), 10_000);
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          if (/ notRunning /.test(stderr)) {
            clearTimeout(bound);
            resolve();
          }
        });
      });
      expect(stderr).toMatch(/error startFailed error="TransportError BIND_FAILED: cannot bind UDP 127\.0\.0\.1:\d+: /);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
      busy.close();
    }
  });
});
