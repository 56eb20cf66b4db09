// Crash-safe file replacement (temp file, fsync, rename, fsync of the directory) and a file-backed text store.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface WriteFileAtomicOptions {
  /** Permission bits of the new file (default 0o600: configuration and logs may name people). */
  readonly mode?: number;
  /** Keep the file being replaced as `<file>.bak` (the configuration store's way back). */
  readonly keepBackup?: boolean;
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** fsync of a directory makes a rename in it durable; some file systems cannot, which costs only durability. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!['EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM', 'EBADF'].includes(errorCode(error) as string)) throw error;
  } finally {
    await handle?.close();
  }
}

/** Points `<file>.bak` at the current file's content; nothing to keep when there is no file yet. */
async function keepBackupOf(file: string): Promise<void> {
  const backup = `${file}.bak`;
  // Made under a temporary name and renamed over the old backup: a crash at any moment leaves the old or the new one.
  const temp = `${backup}.tmp-${process.pid}`;
  await unlink(temp).catch(() => {});
  try {
    // A hard link keeps the old inode when the rename replaces the name: no copy, and never half written.
    await link(file, temp);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') throw error;
    await copyFile(file, temp); // FAT (the Pi's boot partition) has no hard links
    const handle = await open(temp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  await rename(temp, backup);
}

/**
 * Replaces `file` with `text` so that a crash or power cut at any moment leaves either the old or the new content,
 * never a mixture: the text goes to a temp file in the same directory, is fsynced, renamed over the file, and the
 * directory is fsynced. A leftover temp file from a crash is never read as the file.
 */
export async function writeFileAtomic(file: string, text: string, options: WriteFileAtomicOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(temp, 'wx', mode);
  let renamed = false;
  try {
    try {
      await handle.chmod(mode); // the umask narrowed the mode given to open
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.keepBackup === true) await keepBackupOf(file);
    await rename(temp, file);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (!renamed) await unlink(temp).catch(() => {}); // the error that brought us here is the one to report
  }
}

/**
 * Where an unusable file is kept for its owner: `<name>.broken-<UTC time>`, with `-2`, `-3` … when a file of that
 * name is there already (never replaced).
 */
export function brokenName(name: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let candidate = `${name}.broken-${stamp}`;
  for (let n = 2; existsSync(candidate); n++) candidate = `${name}.broken-${stamp}-${n}`;
  return candidate;
}

/** A text file loaded synchronously at start and saved atomically (the event log's EventStore). */
export interface FileStore {
  /** The file's text, or undefined when there is none yet; other read errors throw. */
  load(): string | undefined;
  save(text: string): Promise<void>;
}

/** A FileStore for `file`; its directory is made (0700) on the first save when missing. */
export function createFileStore(file: string): FileStore {
  return {
    load() {
      try {
        return readFileSync(file, 'utf8');
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw error;
      }
    },
    async save(text) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, text);
    },
  };
}

