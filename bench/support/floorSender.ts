// The media benchmark's floor: a node process that does nothing but send 20 ms PCMU packets on an absolute schedule
// (a timer to each boundary, as a door written in node would) and receive the peer's stream, measured by the same
// capture as the door sides. Its gaps and CPU are what node's timers, sockets and this machine's scheduling allow a
// node door at best, in the same conditions.
// (A sender that spins to each boundary does better on an idle machine and far worse with a core busy: the
// scheduler penalises its spinning, so a spinning floor is no floor there.)

import { spawn } from 'node:child_process';

/**
 * The floor, as a `node -e` script (argv host, port, seconds): it binds a socket for the peer's stream (its port is
 * the first line it prints), sends its own stream on the schedule, and prints `cpu <µs>` (process.cpuUsage) at the
 * end: what sending and receiving one call's RTP costs node with nothing else to do.
 */
const SCRIPT = `
const dgram = require('node:dgram');
const socket = dgram.createSocket('udp4');
const inbound = dgram.createSocket('udp4');
const [host, port, seconds] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const payload = Buffer.alloc(160, 0xff);
let received = 0;
inbound.on('message', () => received++);
inbound.bind(0, '127.0.0.1', () => {
  console.log(inbound.address().port);
  const start = process.hrtime.bigint() + 20000000n;
  const count = Math.round(seconds * 50);
  const cpuStart = process.cpuUsage();
  let n = 0;
  function tick() {
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header.writeUInt16BE(n & 0xffff, 2);
    header.writeUInt32BE((n * 160) >>> 0, 4);
    header.writeUInt32BE(0x466c6f6f, 8);
    socket.send([header, payload], port, host);
    if (++n >= count) {
      const used = process.cpuUsage(cpuStart);
      console.log('cpu ' + (used.user + used.system) + ' ' + received);
      return setTimeout(() => { socket.close(); inbound.close(); }, 100);
    }
    const wait = Number(start + BigInt(n) * 20000000n - process.hrtime.bigint()) / 1e6;
    setTimeout(tick, Math.max(0, wait));
  }
  setTimeout(tick, 20);
});
`;

/** What the floor reports: CPU µs over its stream and how many of the peer's packets it received. */
export interface FloorRun {
  readonly cpuMicros: number;
  readonly received: number;
}

/**
 * Runs the floor toward `host:port` for `seconds`; `started(port)` learns where it listens, so the peer can stream
 * to it. Resolves with its CPU when it has sent everything (rejects when it fails).
 */
export function runFloorSender(host: string, port: number, seconds: number, started: (port: number) => void = () => {}): Promise<FloorRun> {
  return new Promise<FloorRun>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SCRIPT, host, String(port), String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let announced = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const first = /^(\d+)\n/.exec(stdout);
      if (!announced && first !== null) {
        announced = true;
        started(Number(first[1]));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const bound = setTimeout(() => child.kill('SIGKILL'), (seconds + 10) * 1000);
    child.once('error', (error) => {
      clearTimeout(bound);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(bound);
      const cpu = /^cpu (\d+) (\d+)$/m.exec(stdout);
      if (code === 0 && cpu !== null) resolve({ cpuMicros: Number(cpu[1]), received: Number(cpu[2]) });
      else reject(new Error(`the floor sender exited (code ${code}, signal ${signal}): ${stderr.trim()}`));
    });
  });
}
