// Checks the import rules of ARCHITECTURE.md ("Layers and who may import whom") over a set of source files.
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/** One source file, by its repo-relative POSIX path (`firmware-app/sip/message/parser.ts`). */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** An import that breaks a layer rule. */
export interface LayerViolation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly rule: string;
  readonly message: string;
}

/** What an import specifier points at. */
type Target =
  | { readonly kind: 'node'; readonly name: string; readonly prefixed: boolean }
  | { readonly kind: 'package'; readonly name: string }
  | { readonly kind: 'repo'; readonly path: string };

/** The packages that touch hardware: like node:* modules, only the I/O layers may import them. */
const HARDWARE_PACKAGES: readonly string[] = ['onoff', 'epoll', 'node-record-lpcm16'];

/**
 * node:* modules that pure code may use anyway. Empty for now: ARCHITECTURE.md says everything outside the
 * I/O layers is pure. (If typed events end up on node:events, this is the one line to change.)
 */
const PURE_NODE_MODULES: readonly string[] = [];

const ERRORS_LEAF = 'firmware-app/errors';

/** Bottom → top order of the SIP layers; the four at rank 3 sit side by side. */
const SIP_RANK: Readonly<Record<string, number>> = {
  message: 0,
  transport: 1,
  transaction: 2,
  dialog: 3,
  registration: 3,
  auth: 3,
  registrar: 3,
  ua: 4,
};

const NODE_BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

function withoutExtension(file: string): string {
  return file.replace(/\.(?:d\.)?[cm]?[jt]s$/, '');
}

/** Is `file` (repo path, extension optional) `dir` itself, a file inside it, or `dir.ts`? */
function isUnder(file: string, dir: string): boolean {
  const bare = withoutExtension(file);
  return bare === dir || bare.startsWith(`${dir}/`);
}

/** The SIP sub-layer of a repo path (`message`, `transport` …), or undefined outside firmware-app/sip. */
function sipLayer(file: string): string | undefined {
  const match = /^firmware-app\/sip\/([^/.]+)/.exec(file);
  return match?.[1];
}

function resolveTarget(fromFile: string, specifier: string): Target {
  if (specifier.startsWith('node:')) return { kind: 'node', name: specifier.slice(5), prefixed: true };
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
    return { kind: 'repo', path: resolved };
  }
  const packageName = specifier.startsWith('@')
    ? specifier.split('/').slice(0, 2).join('/')
    : specifier.split('/')[0]!;
  if (NODE_BUILTINS.has(packageName)) return { kind: 'node', name: packageName, prefixed: false };
  return { kind: 'package', name: packageName };
}

/** May this file use node:* modules and hardware packages? (ARCHITECTURE.md: the I/O layers only.) */
function mayDoIo(file: string): boolean {
  if (!file.startsWith('firmware-app/')) return true; // hal/ and provisioning/
  return (
    file === 'firmware-app/main.ts' ||
    isUnder(file, 'firmware-app/sip/transport') ||
    isUnder(file, 'firmware-app/platform')
  );
}

/** HAL drivers and the factory that picks them: only the composition root may reach past the interfaces. */
function isHalDriver(repoPath: string): boolean {
  const bare = withoutExtension(repoPath);
  return bare.startsWith('hal/') && (bare.slice(4).includes('/') || bare === 'hal/createHal');
}

type Rule = (file: string, target: Target) => { rule: string; message: string } | undefined;

// Most specific first: an import is reported once, under the first rule it breaks.
const RULES: readonly Rule[] = [
  (file, target) => {
    if (!isUnder(file, 'firmware-app/sip/message')) return undefined;
    if (target.kind === 'node') return { rule: 'message-leaf', message: 'sip/message imports no node:* module' };
    if (target.kind !== 'repo') return undefined;
    if (withoutExtension(target.path) === ERRORS_LEAF || isUnder(target.path, 'firmware-app/sip/message')) return undefined;
    return { rule: 'message-leaf', message: 'sip/message imports nothing of ours except firmware-app/errors.ts' };
  },
  (_file, target) => {
    if (target.kind !== 'repo' || withoutExtension(target.path) !== 'firmware-app/main') return undefined;
    return { rule: 'main-is-root', message: 'nothing imports the composition root main.ts' };
  },
  (_file, target) => {
    if (target.kind !== 'repo' || !/^(test|bench|scripts)\//.test(target.path)) return undefined;
    return { rule: 'no-test-code', message: 'product code never imports test/, bench/ or scripts/' };
  },
  (file, target) => {
    const from = sipLayer(file);
    if (from === undefined || from === 'ua' || target.kind !== 'repo') return undefined;
    const forbidden = ['firmware-app/media', 'firmware-app/doorbell', 'provisioning', 'hal', 'firmware-app/sip/ua'];
    const hit = forbidden.find((dir) => isUnder(target.path, dir));
    if (hit === undefined) return undefined;
    return { rule: 'sip-below-ua', message: `sip/${from} never imports ${hit.replace(/^firmware-app\//, '')}/` };
  },
  (file, target) => {
    const from = sipLayer(file);
    const to = target.kind === 'repo' ? sipLayer(target.path) : undefined;
    if (from === undefined || to === undefined || from === to) return undefined;
    const fromRank = SIP_RANK[from];
    const toRank = SIP_RANK[to];
    if (fromRank === undefined || toRank === undefined) return undefined;
    if (toRank < fromRank) return undefined;
    // Side by side at rank 3, only auth is shared: registration, registrar and dialog may use it.
    if (toRank === fromRank && to === 'auth') return undefined;
    return { rule: 'sip-order', message: `sip/${from} may not import sip/${to} (imports point down only)` };
  },
  (file, target) => {
    if (target.kind !== 'repo') return undefined;
    const from = isUnder(file, 'firmware-app/media/sdp') ? 'sdp' : isUnder(file, 'firmware-app/media/rtp') ? 'rtp' : undefined;
    if (from === undefined) return undefined;
    if (isUnder(target.path, 'firmware-app/sip')) {
      return { rule: 'media-apart', message: `media/${from} never imports SIP code` };
    }
    if (from === 'rtp' && isUnder(target.path, 'firmware-app/media/sdp')) {
      return { rule: 'media-apart', message: 'media/rtp never imports media/sdp (only media joins them)' };
    }
    return undefined;
  },
  (file, target) => {
    if (!file.startsWith('hal/') || target.kind !== 'repo') return undefined;
    if (withoutExtension(target.path) === ERRORS_LEAF) return undefined;
    if (isUnder(target.path, 'firmware-app') || isUnder(target.path, 'provisioning')) {
      return { rule: 'hal-apart', message: 'hal never imports firmware-app/ or provisioning/' };
    }
    return undefined;
  },
  (file, target) => {
    if (!file.startsWith('firmware-app/') || file === 'firmware-app/main.ts') return undefined;
    if (target.kind !== 'repo' || !isHalDriver(target.path)) return undefined;
    return { rule: 'hal-interfaces-only', message: 'only main.ts reaches HAL drivers; others use the hal/*.ts interfaces' };
  },
  (file, target) => {
    if (!isUnder(file, 'firmware-app/doorbell') || target.kind !== 'node') return undefined;
    if (!['dgram', 'net', 'tls', 'fs', 'fs/promises', 'child_process'].includes(target.name)) return undefined;
    return { rule: 'doorbell-pure', message: `doorbell never touches node:${target.name}` };
  },
  (file, target) => {
    if (mayDoIo(file)) return undefined;
    if (target.kind === 'node' && !PURE_NODE_MODULES.includes(`node:${target.name}`)) {
      return { rule: 'pure-core', message: 'only main.ts, sip/transport, platform, hal and provisioning import node:*' };
    }
    if (target.kind === 'package' && HARDWARE_PACKAGES.includes(target.name)) {
      return { rule: 'pure-core', message: `only hal drivers import the hardware package '${target.name}'` };
    }
    return undefined;
  },
  (_file, target) => {
    if (target.kind !== 'node' || target.prefixed) return undefined;
    return { rule: 'node-prefix', message: `built-in '${target.name}' must be imported as 'node:${target.name}'` };
  },
];

/** The import specifiers of a TypeScript source with their 1-based line numbers (comments and strings ignored). */
export function importsOf(text: string): { specifier: string; line: number }[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((ref) => ({ specifier: ref.fileName, line: lineAt(text, ref.pos) }));
}

function lineAt(text: string, position: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Checks every import of every file; returns the violations, first broken rule per import. */
export function checkLayerRules(files: readonly SourceFile[]): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const file of files) {
    for (const { specifier, line } of importsOf(file.text)) {
      const target = resolveTarget(file.path, specifier);
      for (const rule of RULES) {
        const broken = rule(file.path, target);
        if (broken === undefined) continue;
        violations.push({ file: file.path, line, specifier, ...broken });
        break;
      }
    }
  }
  return violations;
}

/** `file:line rule: message (import 'x')`, one violation per line. */
export function formatViolation(v: LayerViolation): string {
  return `${v.file}:${v.line} ${v.rule}: ${v.message} (import '${v.specifier}')`;
}
