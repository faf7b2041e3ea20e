#!/usr/bin/env python3
"""compare.py [--metric N] FRR_JSON... -- RTCTL_JSON: is rtmd's FPM table FRR's?

FRR_JSON are `vtysh -c 'show ip route json'` (and ipv6) outputs; RTCTL_JSON
is `rtctl -j list`.  What FRR selected in table 254 and installed (the
next hops marked fib) must be exactly rtmd's routes of FRR's protocols:
same prefixes, types and next hops (gateway, device).  Link-local
fe80::/64 is left out: FRR lists it once per interface, zebra sends one.
With --metric N only rtmd's routes of metric N count (zebra sends 20):
with kernel sync on, the kernel's own connected routes are there too.
Prints each difference; exit 0 if none, 1 otherwise.
"""
import json
import sys

OWN = {"rtctl", "config"}


def frr_routes(files):
    out = {}
    for f in files:
        with open(f) as fh:
            data = json.load(fh)
        for prefix, routes in data.items():
            for r in routes:
                if not r.get("selected") or r.get("table", 254) != 254 or prefix == "fe80::/64":
                    continue
                hops = [n for n in r.get("nexthops", []) if n.get("fib")]
                kind = "unicast"
                if any(n.get("blackhole") for n in hops):
                    kind = "blackhole"
                elif any(n.get("reject") for n in hops):
                    kind = "unreachable"
                nh = [] if kind != "unicast" else sorted(
                    (n.get("ip", ""), n.get("interfaceName", "")) for n in hops)
                out[prefix] = (kind, nh)
    return out


def rtmd_routes(f, metric):
    with open(f) as fh:
        data = json.load(fh)
    out = {}
    for r in data:
        if r.get("protocol") in OWN or r["dst"] == "fe80::/64":
            continue
        if metric is not None and r.get("metric", 0) != metric:
            continue
        kind = r.get("type", "unicast")
        if "nexthops" in r:
            nh = sorted((n.get("gateway", ""), n.get("dev", "")) for n in r["nexthops"])
        elif kind == "unicast":
            nh = [(r.get("gateway", ""), r.get("dev", ""))]
        else:
            nh = []
        dst = r["dst"]
        if dst == "default":
            dst = "::/0" if ":" in r.get("gateway", "") else "0.0.0.0/0"
        out[dst] = (kind, nh)
    return out


def main(argv):
    metric = None
    if len(argv) > 2 and argv[1] == "--metric":
        metric = int(argv[2])
        argv = argv[:1] + argv[3:]
    if "--" not in argv:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    i = argv.index("--")
    want, got = frr_routes(argv[1:i]), rtmd_routes(argv[i + 1], metric)
    bad = 0
    for p in sorted(set(want) | set(got)):
        if want.get(p) != got.get(p):
            print(f"{p}: FRR {want.get(p, 'none')}, rtmd {got.get(p, 'none')}")
            bad += 1
    print(f"{len(want)} routes selected in FRR, {len(got)} FPM routes in rtmd, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
