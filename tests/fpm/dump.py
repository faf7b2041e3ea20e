#!/usr/bin/env python3
"""dump.py - print the FPM frames of capture files as text (for reading
fixtures; not part of the test suite):  python3 tests/fpm/dump.py FILE..."""
import socket
import struct
import sys

MSG = {24: "NEWROUTE", 25: "DELROUTE", 104: "NEWNEXTHOP", 105: "DELNEXTHOP",
       28: "NEWNEIGH", 29: "DELNEIGH"}
RTA = {1: "DST", 2: "SRC", 3: "IIF", 4: "OIF", 5: "GATEWAY", 6: "PRIORITY",
       7: "PREFSRC", 8: "METRICS", 9: "MULTIPATH", 12: "CACHEINFO", 15: "TABLE",
       16: "MARK", 20: "PREF", 21: "ENCAP_TYPE", 22: "ENCAP", 30: "NH_ID"}
NHA = {1: "ID", 2: "GROUP", 3: "GROUP_TYPE", 4: "BLACKHOLE", 5: "OIF",
       6: "GATEWAY", 7: "ENCAP_TYPE", 8: "ENCAP", 9: "GROUPS", 10: "MASTER", 11: "FDB"}


def attrs(b, names, fam):
    out = []
    while len(b) >= 4:
        ln, typ = struct.unpack("=HH", b[:4])
        if ln < 4:
            out.append("BADLEN")
            break
        v = b[4:ln]
        t = typ & 0x3fff
        n = names.get(t, str(t))
        if n in ("DST", "SRC", "GATEWAY", "PREFSRC") and len(v) in (4, 16):
            s = socket.inet_ntop(socket.AF_INET if len(v) == 4 else socket.AF_INET6, v)
        elif n == "GROUP":
            s = ",".join("%d/w%d" % struct.unpack("=IBxH", v[i:i + 8])[:2] for i in range(0, len(v), 8))
        elif n == "MULTIPATH":
            s, i = [], 0
            while i + 8 <= len(v):
                rl, fl, hops, ifi = struct.unpack("=HBBi", v[i:i + 8])
                s.append("[len %d flags %d hops %d if %d %s]" % (rl, fl, hops, ifi, attrs(v[i + 8:i + rl], RTA, fam)))
                i += (rl + 3) & ~3
            s = " ".join(s)
        elif len(v) == 4:
            s = str(struct.unpack("=I", v)[0])
        elif len(v) == 2:
            s = str(struct.unpack("=H", v)[0])
        elif len(v) == 1:
            s = str(v[0])
        else:
            s = v.hex()
        out.append("%s=%s" % (n, s))
        b = b[(ln + 3) & ~3:]
    return " ".join(out)


def nlmsgs(b):
    while len(b) >= 16:
        ln, typ, flags, seq, pid = struct.unpack("=IHHII", b[:16])
        body = b[16:ln]
        name = MSG.get(typ, str(typ))
        if typ in (24, 25):
            fam, dl, sl, tos, table, proto, scope, rtype, rflags = struct.unpack("=BBBBBBBBI", body[:12])
            print("   %s flags=0x%x seq=%d pid=%d fam=%d dst_len=%d tos=%d table=%d proto=%d scope=%d type=%d rflags=0x%x %s" %
                  (name, flags, seq, pid, fam, dl, tos, table, proto, scope, rtype, rflags, attrs(body[12:], RTA, fam)))
        elif typ in (104, 105):
            fam, scope, proto, _, nflags = struct.unpack("=BBBBI", body[:8])
            print("   %s flags=0x%x seq=%d fam=%d scope=%d proto=%d nhflags=0x%x %s" %
                  (name, flags, seq, fam, scope, proto, nflags, attrs(body[8:], NHA, fam)))
        else:
            print("   %s len=%d %s" % (name, ln, body.hex()))
        b = b[(ln + 3) & ~3:]


for path in sys.argv[1:]:
    data = open(path, "rb").read()
    print("== %s (%d bytes)" % (path, len(data)))
    while len(data) >= 4:
        ver, typ, ln = struct.unpack("!BBH", data[:4])
        print(" frame v%d t%d len %d" % (ver, typ, ln))
        nlmsgs(data[4:ln])
        data = data[ln:]
