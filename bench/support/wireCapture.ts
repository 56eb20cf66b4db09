// Kernel timestamps of the RTP packets a door side sends, from tcpdump on the loopback interface: on lo the capture
// tap stamps a packet while the sender's sendmsg() is still in the kernel, so the gaps between stamps are the
// door's own send gaps, free of this process's wake-up jitter (and of tcpdump's: it stamps, the kernel does).
// Needs tcpdump and the right to capture (root or CAP_NET_RAW); startWireCapture rejects without them.

import { type ChildProcess, spawn } from 'node:child_process';

export interface WireCapture {
  /** Stops tcpdump and returns the stamps of every packet to the port, in the hrtime (ns) domain of this process. */
  stop(): Promise<bigint[]>;
}

/** Realtime (ns since the epoch, as tcpdump -tt prints) minus hrtime, sampled now. */
function realtimeOffset(): bigint {
  const hr = process.hrtime.bigint();
  const real = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return real - hr;
}

/** Starts tcpdump for UDP to 127.0.0.1:`port`; resolves once it is listening. */
export async function startWireCapture(port: number): Promise<WireCapture> {
  const child: ChildProcess = spawn('tcpdump', ['-i', 'lo', '-n', '-l', '-tt', '--time-stamp-precision=nano', '-B', '4096',
    `udp and dst host 127.0.0.1 and dst port ${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('latin1')));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start listening within 5 s: ${stderr.trim()}`)), 5000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('latin1');
      if (/listening on/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void closed.then(() => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited: ${stderr.trim()}`));
    });
  });
  const offset = realtimeOffset();
  return {
    stop: async () => {
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await closed;
      clearTimeout(killer);
      const dropped = /(\d+) packets? dropped by kernel/.exec(stderr);
      if (dropped !== null && dropped[1] !== '0') throw new Error(`tcpdump: ${dropped[1]} packets dropped by the kernel`);
      const stamps: bigint[] = [];
      for (const line of stdout.split('\n')) {
        const m = /^(\d+)\.(\d{9}) /.exec(line);
        if (m !== null) stamps.push(BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2]!) - offset);
      }
      return stamps;
    },
  };
}
