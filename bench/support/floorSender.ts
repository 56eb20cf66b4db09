// The media benchmark's floor: a node process that does nothing but send 20 ms PCMU packets on an absolute schedule
// (a timer to each boundary, as a door written in node would), measured by the same capture as the door sides. Its
// gaps are what node's timers and this machine's scheduling allow a node sender at best, in the same conditions.
// (A sender that spins to each boundary does better on an idle machine and far worse with a core busy: the
// scheduler penalises its spinning, so a spinning floor is no floor there.)

import { spawn } from 'node:child_process';

/** The sender, as a `node -e` script: argv host, port, seconds. */
const SCRIPT = `
const socket = require('node:dgram').createSocket('udp4');
const [host, port, seconds] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const payload = Buffer.alloc(160, 0xff);
const start = process.hrtime.bigint() + 20000000n;
const count = Math.round(seconds * 50);
let n = 0;
function tick() {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header.writeUInt16BE(n & 0xffff, 2);
  header.writeUInt32BE((n * 160) >>> 0, 4);
  header.writeUInt32BE(0x466c6f6f, 8);
  socket.send([header, payload], port, host);
  if (++n >= count) return setTimeout(() => socket.close(), 100);
  const wait = Number(start + BigInt(n) * 20000000n - process.hrtime.bigint()) / 1e6;
  setTimeout(tick, Math.max(0, wait));
}
setTimeout(tick, 20);
`;

/** Runs the floor sender toward `host:port` for `seconds`; resolves when it has sent everything (rejects when it fails). */
export function runFloorSender(host: string, port: number, seconds: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SCRIPT, host, String(port), String(seconds)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const bound = setTimeout(() => child.kill('SIGKILL'), (seconds + 10) * 1000);
    child.once('error', (error) => {
      clearTimeout(bound);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(bound);
      if (code === 0) resolve();
      else reject(new Error(`the floor sender exited (code ${code}, signal ${signal}): ${stderr.trim()}`));
    });
  });
}
