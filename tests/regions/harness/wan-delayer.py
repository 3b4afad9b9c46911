"""
The WAN between the harness's region namespaces, in user space: this
kernel has no sch_netem (and no tc actions), so traffic from one region's
namespace to another is routed (policy rule `iif rK lookup 100`) into a TUN
device in the router namespace, and this program writes every packet back
after the pair's one-way delay, or drops it while the pair is cut. A cut is
silent, as in a real partition: open TCP connections hang and retransmit.

argv: TUN device name (created persistent by the harness).
stdin, one command a line: `delay I J MS`, `cut I J 0|1` (I, J: the third
octet of the regions' subnets), `stats` (prints one JSON line: per pair
"I>J", IP bytes and TCP payload bytes carried, packets dropped).
Prints `ready` once attached.
"""

import fcntl
import heapq
import json
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000

fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", sys.argv[1].encode(), IFF_TUN | IFF_NO_PI))
os.set_blocking(fd, False)

delay = {}
cut = set()
ip_bytes = {}
payload_bytes = {}
dropped = {}
queue = []
seq = 0
stdin = sys.stdin.fileno()
pending = b""
print("ready", flush=True)


def command(line):
    parts = line.split()
    if not parts:
        return
    if parts[0] == "delay":
        delay[(int(parts[1]), int(parts[2]))] = int(parts[3]) / 1000.0
    elif parts[0] == "cut":
        pair = (int(parts[1]), int(parts[2]))
        if parts[3] == "1":
            cut.add(pair)
        else:
            cut.discard(pair)
    elif parts[0] == "stats":
        out = {}
        for pair in set(ip_bytes) | set(dropped):
            out["%d>%d" % pair] = {
                "ipBytes": ip_bytes.get(pair, 0),
                "payloadBytes": payload_bytes.get(pair, 0),
                "dropped": dropped.get(pair, 0),
            }
        print(json.dumps(out), flush=True)


while True:
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        _, _, packet = heapq.heappop(queue)
        try:
            os.write(fd, packet)
        except OSError:
            pass
    timeout = max(0.0, queue[0][0] - now) if queue else None
    ready, _, _ = select.select([fd, stdin], [], [], timeout)
    now = time.monotonic()
    if fd in ready:
        while True:
            try:
                packet = os.read(fd, 65536)
            except BlockingIOError:
                break
            if len(packet) < 20 or packet[0] >> 4 != 4:
                continue
            pair = (packet[14], packet[18])
            if pair in cut:
                dropped[pair] = dropped.get(pair, 0) + 1
                continue
            ip_bytes[pair] = ip_bytes.get(pair, 0) + len(packet)
            if packet[9] == 6:
                ihl = (packet[0] & 0x0F) * 4
                total = struct.unpack("!H", packet[2:4])[0]
                tcp_header = (packet[ihl + 12] >> 4) * 4
                payload_bytes[pair] = payload_bytes.get(pair, 0) + max(0, total - ihl - tcp_header)
            heapq.heappush(queue, (now + delay.get(pair, 0.0), seq, packet))
            seq += 1
    if stdin in ready:
        chunk = os.read(stdin, 65536)
        if not chunk:
            sys.exit(0)
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            command(line.decode())
