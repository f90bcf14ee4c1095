#!/usr/bin/env python3
"""mmdb_write.py - write a small MaxMind DB (MMDB 2.0) file for the tests.

Usage: mmdb_write.py OUT.mmdb DATABASE_TYPE JSON
  JSON: {"192.0.2.0/25": {"autonomous_system_number": 64501, ...}, ...}

Debian has no MMDB writer in C, so the tests write their own databases
with this, following the public format specification
(maxmind.github.io/MaxMind-DB): an IPv6 binary search tree with 24-bit
records, IPv4 networks under ::/96, a data section of the spec's typed
values, and the metadata map after "\\xab\\xcd\\xefMaxMind.com".  Values:
str -> utf8_string, int -> uint32 (uint64 when larger), bool -> boolean,
float -> double, dict -> map, list -> array.  Nested networks are allowed
(the more specific one wins).  libmaxminddb's mmdblookup reads the result.
"""
import ipaddress
import json
import struct
import sys
import time


def ctrl(type_, size):
    """Control byte(s) of a value of type_ with payload size size."""
    if size < 29:
        lo, extra = size, b""
    elif size < 29 + 256:
        lo, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        lo, extra = 30, struct.pack(">H", size - 285)
    else:
        lo, extra = 31, struct.pack(">I", size - 65821)[1:]
    if type_ <= 7:
        return bytes([(type_ << 5) | lo]) + extra
    return bytes([lo, type_ - 7]) + extra


def uint(v, nbytes):
    return v.to_bytes(nbytes, "big").lstrip(b"\0")


def encode(v):
    if isinstance(v, bool):
        return ctrl(14, 1 if v else 0)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return ctrl(2, len(b)) + b
    if isinstance(v, int):
        if v < 0:
            raise ValueError("negative integers are not written here")
        if v < 1 << 32:
            b = uint(v, 4)
            return ctrl(6, len(b)) + b
        b = uint(v, 8)
        return ctrl(9, len(b)) + b
    if isinstance(v, float):
        return ctrl(3, 8) + struct.pack(">d", v)
    if isinstance(v, dict):
        out = ctrl(7, len(v))
        for k, x in v.items():
            out += encode(str(k)) + encode(x)
        return out
    if isinstance(v, list):
        out = ctrl(11, len(v))
        for x in v:
            out += encode(x)
        return out
    raise ValueError("cannot encode %r" % (v,))


class Node:
    __slots__ = ("kids",)

    def __init__(self, fill=None):
        self.kids = [fill, fill]


def bits_of(net):
    """The network as (address int over 128 bits, prefix over 128)."""
    if net.version == 4:
        return int(net.network_address), net.prefixlen + 96
    return int(net.network_address), net.prefixlen


def insert(root, net, data):
    addr, plen = bits_of(net)
    node = root
    for depth in range(plen):
        bit = (addr >> (127 - depth)) & 1
        if depth == plen - 1:
            node.kids[bit] = data
            return
        kid = node.kids[bit]
        if not isinstance(kid, Node):
            kid = node.kids[bit] = Node(kid)   # split a wider network
        node = kid


def main():
    out, dbtype, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    data = b""
    offsets = {}
    root = Node()
    # Wider networks first, so nested ones split them.
    nets = sorted(((ipaddress.ip_network(k, strict=True), v)
                   for k, v in spec.items()),
                  key=lambda nv: bits_of(nv[0])[1])
    for net, value in nets:
        blob = encode(value)
        if blob not in offsets:
            offsets[blob] = len(data)
            data += blob
        insert(root, net, ("data", offsets[blob]))
    nodes = []
    order = {}
    queue = [root]
    while queue:
        n = queue.pop(0)
        order[id(n)] = len(nodes)
        nodes.append(n)
        queue += [k for k in n.kids if isinstance(k, Node)]
    count = len(nodes)

    def record(k):
        if isinstance(k, Node):
            return order[id(k)]
        if k is None:
            return count
        return count + 16 + k[1]

    tree = b""
    for n in nodes:
        left, right = record(n.kids[0]), record(n.kids[1])
        if max(left, right) >= 1 << 24:
            raise ValueError("too big for 24-bit records")
        tree += left.to_bytes(3, "big") + right.to_bytes(3, "big")
    meta = {
        "node_count": count,
        "record_size": 24,
        "ip_version": 6,
        "database_type": dbtype,
        "languages": ["en"],
        "binary_format_major_version": 2,
        "binary_format_minor_version": 0,
        "build_epoch": int(time.time()),
        "description": {"en": "mailsift test database"},
    }
    m = b""
    for k, v in meta.items():
        m += encode(k)
        if k in ("record_size", "ip_version", "binary_format_major_version",
                 "binary_format_minor_version"):
            b = uint(v, 2)
            m += ctrl(5, len(b)) + b
        elif k == "build_epoch":
            b = uint(v, 8)
            m += ctrl(9, len(b)) + b
        else:
            m += encode(v)
    m = ctrl(7, len(meta)) + m
    with open(out, "wb") as f:
        f.write(tree + b"\0" * 16 + data + b"\xab\xcd\xefMaxMind.com" + m)


if __name__ == "__main__":
    main()
