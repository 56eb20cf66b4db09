# A stand-in for the service manager's end of NOTIFY_SOCKET (sd_notify(3)): binds an AF_UNIX datagram socket at the
# path given, prints each message received as one line (its fields joined by a space, the sender's pid first), and
# closes every file descriptor that came with it: systemd-notify's barrier (BARRIER=1) passes the write end of a pipe
# and waits until the receiver has closed it. Prints "listening" once bound; ends on SIGTERM, or when stdin closes.
import array
import os
import select
import signal
import socket
import struct
import sys

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("listening", flush=True)
int_size = array.array("i").itemsize
while True:
    ready, _, _ = select.select([sock, sys.stdin], [], [])
    if sys.stdin in ready and not sys.stdin.buffer.read1(4096):
        break
    if sock not in ready:
        continue
    data, ancillary, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(16 * int_size) + socket.CMSG_SPACE(12))
    pid = 0
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - (len(payload) % int_size)])
            for fd in fds:
                os.close(fd)
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
    fields = data.decode("utf-8", "replace").split("\n")
    print(" ".join([f"pid={pid}"] + [f for f in fields if f]), flush=True)
