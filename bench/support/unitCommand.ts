// How systemd starts our door (systemd.service(5) ExecStart=, WatchdogSec=, Environment=), read from the unit file,
// so a benchmark starts the program the same way: the node flags the unit passes are part of what is measured.

import { readFileSync } from 'node:fs';

/** The unit's start command, taken apart. */
export interface UnitCommand {
  /** The ExecStart= line as written. */
  readonly execStart: string;
  /** What the unit passes to node before the program's path. */
  readonly nodeFlags: readonly string[];
  /** The program's path in the unit (/usr/lib/sip-doorbell/sip-doorbell.js). */
  readonly program: string;
  /** What the unit passes to the program. */
  readonly programArgs: readonly string[];
  /** Environment the service manager gives: Environment= pairs and WATCHDOG_USEC from WatchdogSec=. */
  readonly env: Readonly<Record<string, string>>;
}

/** One directive's values (`Name=value` lines of the file, in order). */
function values(unit: string, name: string): string[] {
  return unit.split('\n').flatMap((line) => (line.startsWith(`${name}=`) ? [line.slice(name.length + 1).trim()] : []));
}

/** A systemd time span in microseconds: `30s`, `500ms`, `2min`, or bare seconds. */
function timeSpanUsec(span: string): number {
  const m = /^(\d+)\s*(ms|s|min)?$/.exec(span);
  if (m === null) throw new Error(`WatchdogSec=${span}: the bench reads only <n>, <n>ms, <n>s, <n>min`);
  return Number(m[1]) * { ms: 1e3, s: 1e6, min: 60e6 }[m[2] ?? 's']!;
}

/** Reads ExecStart= (node, its flags, the program `programPattern` names, its arguments) and the environment. */
export function readUnitCommand(unitFile: string, programPattern: RegExp): UnitCommand {
  const unit = readFileSync(unitFile, 'utf8');
  const execs = values(unit, 'ExecStart');
  if (execs.length !== 1) throw new Error(`${unitFile}: expected one ExecStart=, found ${execs.length}`);
  const execStart = execs[0]!;
  if (/["'\\$%]/.test(execStart)) throw new Error(`${unitFile}: ExecStart= uses quoting or specifiers the bench does not read: ${execStart}`);
  // Prefixes such as `-` (ignore failure) or `!` change how systemd runs it, not the command.
  const [node = '', ...rest] = execStart.replace(/^[-@:+!]+/, '').split(/\s+/);
  if (!/(^|\/)node(js)?$/.test(node)) throw new Error(`${unitFile}: ExecStart= does not start node: ${execStart}`);
  const at = rest.findIndex((token) => programPattern.test(token));
  if (at < 0) throw new Error(`${unitFile}: ExecStart= names no program matching ${programPattern}: ${execStart}`);
  const env: Record<string, string> = {};
  for (const line of values(unit, 'Environment')) {
    for (const pair of line.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || /["']/.test(pair)) throw new Error(`${unitFile}: Environment=${line}: the bench reads only unquoted KEY=value pairs`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  const watchdog = values(unit, 'WatchdogSec').at(-1);
  if (watchdog !== undefined && watchdog !== '0') env.WATCHDOG_USEC = String(timeSpanUsec(watchdog));
  return { execStart, nodeFlags: rest.slice(0, at), program: rest[at]!, programArgs: rest.slice(at + 1), env };
}

/**
 * The unit's program arguments with the values of `flags`' keys (`--config`, `--state`) replaced by theirs, written
 * `--flag value` or `--flag=value`; throws when the unit does not pass one of them (the program would fall back to a
 * path of the machine's own).
 */
export function replaceFlagValues(args: readonly string[], flags: Readonly<Record<string, string>>): string[] {
  const out = [...args];
  for (const [flag, value] of Object.entries(flags)) {
    const at = out.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
    if (at < 0 || (out[at] === flag && at + 1 >= out.length)) throw new Error(`the unit's ExecStart= passes no ${flag} <value>: ${args.join(' ')}`);
    if (out[at] === flag) out[at + 1] = value;
    else out[at] = `${flag}=${value}`;
  }
  return out;
}
