#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Relay the testbed guest's requests to its QEMU's monitor (QMP).

    qmp-relay.py <qmp socket> <request file>

The guest writes one request per line to its ttyS2, which QEMU appends
to <request file>.  The only request accepted is "device_del <id>" (the
hot-unplug test removes a device the guest holds).  Everything sent and
received, QEMU's events included (DEVICE_DELETED), is logged on standard
output.  Exits when QEMU closes the monitor, or when the socket never
appears (QEMU did not start).
"""

import json
import re
import select
import socket
import sys
import time

REQUEST = re.compile(r"^device_del ([A-Za-z0-9_.-]+)$")


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


def connect(path):
    """Connect to the monitor, waiting up to 60 s for QEMU to create it."""
    deadline = time.monotonic() + 60
    while True:
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                return None
            time.sleep(0.2)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    sock = connect(sys.argv[1])
    if sock is None:
        log("no monitor socket: QEMU did not start")
        return 1
    sock.sendall(b'{"execute": "qmp_capabilities"}\n')
    requests = open(sys.argv[2], "rb")
    pending = b""
    received = b""
    while True:
        ready, _, _ = select.select([sock], [], [], 0.2)
        if ready:
            data = sock.recv(65536)
            if not data:
                log("monitor closed")
                return 0
            received += data
            while b"\n" in received:
                line, received = received.split(b"\n", 1)
                log("qmp: " + line.decode(errors="replace").strip())
        pending += requests.read()
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            text = line.decode(errors="replace").strip("\r\n\0 ")
            if not text:
                continue
            match = REQUEST.match(text)
            if not match:
                log(f"refused request {text!r}")
                continue
            cmd = {"execute": "device_del",
                   "arguments": {"id": match.group(1)}}
            log("request: " + json.dumps(cmd))
            sock.sendall(json.dumps(cmd).encode() + b"\n")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BrokenPipeError, ConnectionResetError):
        sys.exit(0)
