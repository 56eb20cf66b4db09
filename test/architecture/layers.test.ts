// The import rules of ARCHITECTURE.md, checked over the real tree and, to prove the checker bites, over bad examples.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLayerRules, formatViolation, importsOf, type SourceFile } from '../support/layerRules.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PRODUCT_FOLDERS = ['firmware-app', 'hal', 'provisioning'];

function productSources(): SourceFile[] {
  const files: SourceFile[] = [];
  for (const folder of PRODUCT_FOLDERS) {
    const entries = readdirSync(path.join(root, folder), { recursive: true, withFileTypes: false }) as string[];
    for (const entry of entries) {
      if (!entry.endsWith('.ts')) continue;
      const repoPath = `${folder}/${entry.split(path.sep).join('/')}`;
      files.push({ path: repoPath, text: readFileSync(path.join(root, repoPath), 'utf8') });
    }
  }
  return files;
}

/** Runs the checker on one in-memory file and returns `rule` names, or [] when the import is allowed. */
function rulesBrokenBy(file: string, importLine: string): string[] {
  return checkLayerRules([{ path: file, text: `${importLine}\n` }]).map((v) => v.rule);
}

describe('layer rules of ARCHITECTURE.md', () => {
  it('hold for every .ts file under firmware-app/, hal/ and provisioning/', () => {
    const files = productSources();
    expect(files.map((f) => f.path)).toContain('firmware-app/main.ts');
    const violations = checkLayerRules(files).map(formatViolation);
    expect(violations, `layer violations:\n${violations.join('\n')}`).toEqual([]);
  });
});

describe('the layer checker', () => {
  it('reports file, line, rule and specifier of a bad import in a synthetic tree', () => {
    const files: SourceFile[] = [
      { path: 'firmware-app/errors.ts', text: 'export class DoorbellError extends Error {}\n' },
      {
        path: 'firmware-app/sip/message/parser.ts',
        text: [
          '// a parser that reaches up: not allowed',
          "import { DoorbellError } from '../../errors.ts';",
          "import type { Transport } from '../transport/Transport.ts';",
          'export const x = 1;',
        ].join('\n'),
      },
    ];
    expect(checkLayerRules(files)).toEqual([
      {
        file: 'firmware-app/sip/message/parser.ts',
        line: 3,
        specifier: '../transport/Transport.ts',
        rule: 'message-leaf',
        message: 'sip/message imports nothing of ours except firmware-app/errors.ts',
      },
    ]);
  });

  it('finds static, type-only, re-export, side-effect and dynamic imports but not ones in comments', () => {
    const text = [
      "import a from './a.ts';",
      "import type { B } from './b.ts';",
      "export * from './c.ts';",
      "import './d.ts';",
      "const e = await import('./e.ts');",
      "// import f from './f.ts';",
      "const s = \"import g from './g.ts'\";",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      { specifier: './a.ts', line: 1 },
      { specifier: './b.ts', line: 2 },
      { specifier: './c.ts', line: 3 },
      { specifier: './d.ts', line: 4 },
      { specifier: './e.ts', line: 5 },
    ]);
  });

  it.each([
    ['firmware-app/sip/message/text.ts', "import { Buffer } from 'node:buffer';", 'message-leaf'],
    ['firmware-app/sip/message/text.ts', "import { x } from '../../platform/Logger.ts';", 'message-leaf'],
    ['firmware-app/sip/transport/udp.ts', "import { ua } from '../ua/UserAgent.ts';", 'sip-below-ua'],
    ['firmware-app/sip/dialog/Dialog.ts', "import { MediaSession } from '../../media/MediaSession.ts';", 'sip-below-ua'],
    ['firmware-app/sip/registration/client.ts', "import { Relay } from '../../../hal/Relay.ts';", 'sip-below-ua'],
    ['firmware-app/sip/transaction/layer.ts', "import { Dialog } from '../dialog/Dialog.ts';", 'sip-order'],
    ['firmware-app/sip/transport/udp.ts', "import { t } from '../transaction/layer.ts';", 'sip-order'],
    ['firmware-app/sip/dialog/Dialog.ts', "import { r } from '../registration/client.ts';", 'sip-order'],
    ['firmware-app/sip/auth/digest.ts', "import { r } from '../registrar/Registrar.ts';", 'sip-order'],
    ['firmware-app/media/sdp/parse.ts', "import { p } from '../../sip/message/parser.ts';", 'media-apart'],
    ['firmware-app/media/rtp/packet.ts', "import { s } from '../sdp/parse.ts';", 'media-apart'],
    ['hal/gpio/OnoffButton.ts', "import { Logger } from '../../firmware-app/platform/Logger.ts';", 'hal-apart'],
    ['hal/createHal.ts', "import { schema } from '../provisioning/api.ts';", 'hal-apart'],
    ['firmware-app/doorbell/controller.ts', "import { OnoffRelay } from '../../hal/gpio/OnoffRelay.ts';", 'hal-interfaces-only'],
    ['firmware-app/doorbell/controller.ts', "import { createHal } from '../../hal/createHal.ts';", 'hal-interfaces-only'],
    ['firmware-app/doorbell/controller.ts', "import { readFile } from 'node:fs/promises';", 'doorbell-pure'],
    ['firmware-app/doorbell/controller.ts', "import dgram from 'node:dgram';", 'doorbell-pure'],
    ['firmware-app/sip/transaction/timers.ts', "import { setTimeout } from 'node:timers';", 'pure-core'],
    ['firmware-app/media/MediaSession.ts', "import { Gpio } from 'onoff';", 'pure-core'],
    ['firmware-app/doorbell/controller.ts', "import { main } from '../main.ts';", 'main-is-root'],
    ['firmware-app/doorbell/controller.ts', "import { fakeClock } from '../../test/support/clock.ts';", 'no-test-code'],
    ['firmware-app/platform/sdNotify.ts', "import dgram from 'dgram';", 'node-prefix'],
  ])('catches %s: %s', (file, importLine, rule) => {
    expect(rulesBrokenBy(file, importLine)).toEqual([rule]);
  });

  it.each([
    ['firmware-app/sip/message/parser.ts', "import { PeerInputError } from '../../errors.ts';"],
    ['firmware-app/sip/message/parser.ts', "import { CHAR } from './chars.ts';"],
    ['firmware-app/sip/transport/udp.ts', "import dgram from 'node:dgram';"],
    ['firmware-app/sip/transaction/layer.ts', "import type { Transport } from '../transport/Transport.ts';"],
    ['firmware-app/sip/registration/client.ts', "import { digest } from '../auth/digest.ts';"],
    ['firmware-app/sip/registrar/Registrar.ts', "import { digest } from '../auth/digest.ts';"],
    ['firmware-app/sip/dialog/Dialog.ts', "import { digest } from '../auth/digest.ts';"],
    ['firmware-app/sip/ua/UserAgent.ts', "import { MediaSession } from '../../media/MediaSession.ts';"],
    ['firmware-app/media/MediaSession.ts', "import { parseSdp } from './sdp/parse.ts';"],
    ['firmware-app/doorbell/controller.ts', "import type { Button } from '../../hal/Button.ts';"],
    ['firmware-app/main.ts', "import { createHal } from '../hal/createHal.ts';"],
    ['firmware-app/platform/Logger.ts', "import { stdout } from 'node:process';"],
    ['hal/gpio/OnoffButton.ts', "import { Gpio } from 'onoff';"],
    ['hal/gpio/OnoffButton.ts', "import { HardwareError } from '../../firmware-app/errors.ts';"],
    ['provisioning/server.ts', "import http from 'node:http';"],
  ])('allows %s: %s', (file, importLine) => {
    expect(rulesBrokenBy(file, importLine)).toEqual([]);
  });
});
