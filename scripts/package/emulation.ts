// Running arm64 and armhf programs on this machine: qemu-user-static registered with the kernel's binfmt_misc, with
// the F flag (the kernel opens the emulator once, so a chroot needs no copy of it inside).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { haveProgram, run, type Log } from './run.ts';

/** The Debian architectures we package for. */
export const ARCHES = ['arm64', 'armhf', 'amd64'] as const;
export type DebArch = (typeof ARCHES)[number];

const BINFMT = '/proc/sys/fs/binfmt_misc';

/** The ELF header each architecture's programs start with, and which bytes of it matter (the ELF specification). */
const ELF_MATCH: Record<'aarch64' | 'arm', { magic: string; mask: string }> = {
  aarch64: {
    magic: '7f454c460201010000000000000000000200b700',
    mask: 'ffffffffffffff00fffffffffffffffffeffffff',
  },
  arm: {
    magic: '7f454c4601010100000000000000000002002800',
    mask: 'ffffffffffffff00fffffffffffffffffeffffff',
  },
};

/** The Debian architecture of this machine. */
export function hostArch(): DebArch | undefined {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'armhf' } as const)[process.arch as 'x64' | 'arm64' | 'arm'];
}

/** qemu's name for a Debian architecture that this machine has to emulate (undefined: runs natively). */
export function qemuName(arch: DebArch): 'aarch64' | 'arm' | undefined {
  if (arch === hostArch()) return undefined;
  if (arch === 'arm64') return 'aarch64';
  if (arch === 'armhf') return hostArch() === 'arm64' ? undefined : 'arm'; // an arm64 CPU runs armhf itself
  throw new Error(`cannot run ${arch} programs on ${process.arch}`);
}

/** An entry is usable when enabled and registered with F (fix binary): a chroot needs no emulator inside. */
function usable(name: string): boolean {
  const file = `${BINFMT}/${name}`;
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  return /^enabled$/m.test(text) && /^flags:.*F/m.test(text);
}

const hexEscaped = (hex: string): string => hex.replace(/../g, (byte) => `\\x${byte}`);

/** One check per architecture and process: roots of one architecture are made side by side. */
const checked = new Map<DebArch, Promise<void>>();

/**
 * Makes sure the kernel runs `arch` programs through qemu-user-static: mounts binfmt_misc if it is not (a system
 * facility that stays mounted, as binfmt-support would leave it), enables Debian's registration, and else registers
 * the emulator under a name of our own.
 */
export function ensureEmulation(arch: DebArch, log: Log): Promise<void> {
  let check = checked.get(arch);
  if (check === undefined) {
    check = enableEmulation(arch, log);
    checked.set(arch, check);
    check.catch(() => checked.delete(arch)); // a failed check is tried again by the next caller
  }
  return check;
}

async function enableEmulation(arch: DebArch, log: Log): Promise<void> {
  const qemu = qemuName(arch);
  if (qemu === undefined) return;
  if (!existsSync(`${BINFMT}/register`)) {
    log(`mounting binfmt_misc on ${BINFMT}`);
    await run(['mount', '-t', 'binfmt_misc', 'binfmt_misc', BINFMT]);
  }
  if (!readFileSync(`${BINFMT}/status`, 'utf8').startsWith('enabled')) writeFileSync(`${BINFMT}/status`, '1');
  if (usable(`qemu-${qemu}`) || usable(`sip-doorbell-${qemu}`)) return;
  if (await haveProgram('update-binfmts')) {
    await run(['update-binfmts', '--enable', `qemu-${qemu}`]).catch(() => undefined);
    if (usable(`qemu-${qemu}`)) return;
  }
  // Registered later than Debian's entry, ours is the one the kernel matches first.
  const emulator = [`/usr/bin/qemu-${qemu}-static`, `/usr/bin/qemu-${qemu}`].find((file) => existsSync(file));
  if (emulator === undefined) throw new Error(`no qemu-${qemu}-static: apt-get install qemu-user-static binfmt-support`);
  log(`registering ${emulator} with binfmt_misc`);
  const { magic, mask } = ELF_MATCH[qemu];
  writeFileSync(`${BINFMT}/register`, `:sip-doorbell-${qemu}:M:0:${hexEscaped(magic)}:${hexEscaped(mask)}:${emulator}:F`);
  if (!usable(`sip-doorbell-${qemu}`)) throw new Error(`could not register ${emulator} with binfmt_misc`);
}
