#!/bin/sh
# Reconciliation at start: rtmd is killed (-9), the kernel changes while it
# is down (one of its routes and one of its neighbours deleted, one route
# changed, a stray route and a stray neighbour of its protocol added,
# others' routes added and removed), and the restarted rtmd reinstalls
# its own, removes the strays, imports the others' and leaves them as they
# are.  Then the settings change between starts (kernel-protocol, then
# kernel-table): rtmd removes what it left under the earlier ones.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/kernel/lib.sh"

veth a0 a1 192.0.2.1/24
nsip -6 addr add 2001:db8::1/64 dev a0 nodad
nsip route add 10.1.0.0/16 via 192.0.2.9 proto static
start_rtmd_ns
for i in 1 2 3 4; do
	rtctl add "10.10.$i.0/24" via 192.0.2.2 dev a0 || bad "add 10.10.$i.0/24"
done
rtctl add 2001:db8:10::/48 via 2001:db8::2 dev a0
rtctl neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev a0
rtctl neigh add 192.0.2.8 lladdr 02:00:00:00:00:08 dev a0
judge "before the crash"

crash_rtmd
nsip route del 10.10.1.0/24 proto "$KPROTO"
nsip route replace 10.10.2.0/24 via 192.0.2.3 dev a0 proto "$KPROTO"
nsip -6 route del 2001:db8:10::/48 proto "$KPROTO"
nsip route add 10.99.0.0/16 via 192.0.2.2 dev a0 proto "$KPROTO"
nsip neigh del 192.0.2.7 dev a0
nsip neigh add 192.0.2.99 lladdr 02:00:00:00:00:99 dev a0 nud permanent proto "$KPROTO"
nsip route add 10.2.0.0/16 via 192.0.2.9 proto bgp
nsip route del 10.1.0.0/16 proto static
nsip neigh add 192.0.2.60 lladdr 02:00:00:00:00:60 dev a0 nud permanent

start_rtmd_ns
kernel_has "its deleted route is back" "^10\.10\.1\.0/24 via 192\.0\.2\.2 dev a0 proto $KPROTO_NAME" route show
kernel_has "its changed route is as rtmd holds it" "^10\.10\.2\.0/24 via 192\.0\.2\.2 dev a0 proto $KPROTO_NAME" route show
kernel_has "its deleted IPv6 route is back" "^2001:db8:10::/48 via 2001:db8::2 dev a0 proto $KPROTO_NAME" -6 route show
kernel_lacks "the stray route of its protocol is gone" "^10\.99\.0\.0/16" route show
kernel_has "its deleted neighbour is back" "^192\.0\.2\.7 dev a0 lladdr 02:00:00:00:00:07 PERMANENT proto $KPROTO_NAME" neigh show
kernel_lacks "the stray neighbour of its protocol is gone" "^192\.0\.2\.99 " neigh show
kernel_has "another's route added while it was down is left" "^10\.2\.0\.0/16 via 192\.0\.2\.9 dev a0 proto bgp" route show
kernel_has "another's neighbour added while it was down is left" "^192\.0\.2\.60 dev a0 lladdr 02:00:00:00:00:60 PERMANENT *$" neigh show
contains "... and imported" "$(rtctl list 10.2.0.0/16)" "10.2.0.0/16 via 192.0.2.9 dev a0 proto bgp"
same "a route removed while it was down is not imported" "$(rtctl list 10.1.0.0/16)" ""
judge "reconciled after kill -9"
contains "the reconcile is logged" "$(cat "$T/rtmd.log")" "reconciled"

# ---- while running: deleted and changed behind its back -------------------------------------
nsip route del 10.10.3.0/24 proto "$KPROTO"
kernel_has "a route deleted behind its back comes back" "^10\.10\.3\.0/24 via 192\.0\.2\.2 dev a0 proto $KPROTO_NAME" route show
contains "... logged" "$(cat "$T/rtmd.log")" "10.10.3.0/24"
nsip neigh del 192.0.2.8 dev a0
kernel_has "a neighbour deleted behind its back comes back" "^192\.0\.2\.8 dev a0 lladdr 02:00:00:00:00:08 PERMANENT" neigh show
nsip route add 10.98.0.0/16 via 192.0.2.2 dev a0 proto "$KPROTO"
kernel_lacks "a stray route of its protocol is removed" "^10\.98\.0\.0/16" route show
judge "changes behind its back"

# ---- the protocol changes between starts --------------------------------------------------------
stop_rtmd
KPROTO=201
KPROTO_NAME=$(kproto_name)
write_kconf
start_rtmd_ns
kernel_lacks "nothing of protocol 200 is left" "." route show proto 200
kernel_lacks "no neighbour of protocol 200 is left" "proto 200" neigh show
kernel_has "its routes are there with protocol 201" "^10\.10\.4\.0/24 via 192\.0\.2\.2 dev a0 proto $KPROTO_NAME" route show
kernel_has "its neighbours too" "^192\.0\.2\.7 dev a0 lladdr 02:00:00:00:00:07 PERMANENT proto $KPROTO_NAME" neigh show
judge "new protocol"

# ---- the table changes between starts -------------------------------------------------------------
stop_rtmd
KTABLE=100
write_kconf
start_rtmd_ns
kernel_lacks "nothing of rtmd's is left in main" "." route show table main proto "$KPROTO"
kernel_has "its routes are in table 100" "^10\.10\.4\.0/24 via 192\.0\.2\.2 dev a0 proto $KPROTO_NAME" route show table 100
kernel_has "its neighbours stay (they have no table)" "^192\.0\.2\.7 dev a0 lladdr 02:00:00:00:00:07 PERMANENT proto $KPROTO_NAME" neigh show
same "another's route in main is no longer imported" "$(rtctl list 10.2.0.0/16)" ""
judge "new table"
stop_rtmd
finish
