// writeFileAtomic and the file store, on a real temp directory: old or new content, never a mixture; .bak kept.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore, writeFileAtomic } from '../../firmware-app/platform/atomicFile.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'atomic-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const read = (name: string): string => readFileSync(path.join(dir, name), 'utf8');
const modeOf = (name: string): number => statSync(path.join(dir, name)).mode & 0o777;

describe('writeFileAtomic', () => {
  it('writes the text with mode 0600 by default and leaves no temp file behind', async () => {
    const file = path.join(dir, 'config.json');
    await writeFileAtomic(file, '{"a":1}\n');
    expect(read('config.json')).toBe('{"a":1}\n');
    expect(modeOf('config.json')).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('applies a given mode exactly, whatever the umask', async () => {
    const file = path.join(dir, 'public.txt');
    await writeFileAtomic(file, 'x', { mode: 0o644 });
    expect(modeOf('public.txt')).toBe(0o644);
    await writeFileAtomic(file, 'y', { mode: 0o640 });
    expect(modeOf('public.txt')).toBe(0o640);
  });

  it('replaces an existing file and keeps no .bak unless asked', async () => {
    const file = path.join(dir, 'config.json');
    await writeFileAtomic(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(read('config.json')).toBe('new');
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('with keepBackup, .bak holds the content just replaced, each time', async () => {
    const file = path.join(dir, 'config.json');
    await writeFileAtomic(file, 'first', { keepBackup: true });
    expect(readdirSync(dir)).toEqual(['config.json']); // nothing to keep yet
    await writeFileAtomic(file, 'second', { keepBackup: true });
    expect(read('config.json')).toBe('second');
    expect(read('config.json.bak')).toBe('first');
    await writeFileAtomic(file, 'third', { keepBackup: true });
    expect(read('config.json')).toBe('third');
    expect(read('config.json.bak')).toBe('second');
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'config.json.bak']);
  });

  it('a crash between write and rename (a leftover temp file) leaves the target whole, and the next write works', async () => {
    const file = path.join(dir, 'config.json');
    await writeFileAtomic(file, '{"version":1,"complete":true}');
    // What a power cut after the write and before the rename leaves: a half-written temp file beside the target.
    const leftover = path.join(dir, `.config.json.tmp-${process.pid}-000000000000`);
    writeFileSync(leftover, '{"version":1,"compl');
    expect(read('config.json')).toBe('{"version":1,"complete":true}');
    expect(createFileStore(file).load()).toBe('{"version":1,"complete":true}');
    await writeFileAtomic(file, '{"version":1,"next":true}');
    expect(read('config.json')).toBe('{"version":1,"next":true}');
    expect(readFileSync(leftover, 'utf8')).toBe('{"version":1,"compl');
  });

  it('a failing rename leaves the target untouched and removes its temp file', async () => {
    const target = path.join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(path.join(target, 'inside'), 'kept');
    await expect(writeFileAtomic(target, 'text')).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    expect(readdirSync(dir)).toEqual(['occupied']);
    expect(readFileSync(path.join(target, 'inside'), 'utf8')).toBe('kept');
  });

  it('rejects when the directory does not exist, creating nothing', async () => {
    await expect(writeFileAtomic(path.join(dir, 'missing', 'x.json'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('lets concurrent writes of one file each land whole (one of them wins)', async () => {
    const file = path.join(dir, 'events.json');
    const texts = Array.from({ length: 8 }, (_, i) => `${String(i).repeat(10_000)}`);
    await Promise.all(texts.map((text) => writeFileAtomic(file, text)));
    expect(texts).toContain(read('events.json'));
    expect(readdirSync(dir)).toEqual(['events.json']);
  });
});

describe('createFileStore', () => {
  it('loads undefined when the file is missing, and what was saved after', async () => {
    const store = createFileStore(path.join(dir, 'state', 'events.json'));
    expect(store.load()).toBeUndefined();
    await store.save('{"version":1,"events":[]}');
    expect(store.load()).toBe('{"version":1,"events":[]}');
    expect(statSync(path.join(dir, 'state')).mode & 0o777).toBe(0o700);
    expect(modeOf('state/events.json')).toBe(0o600);
  });

  it('throws from load for errors other than a missing file', () => {
    mkdirSync(path.join(dir, 'adir'));
    expect(() => createFileStore(path.join(dir, 'adir')).load()).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });
});
