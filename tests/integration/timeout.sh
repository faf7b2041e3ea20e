#!/bin/sh
# A stopped rtmd (SIGSTOP) never hangs a client: rtctl --timeout SEC exits
# 3 saying the change may still be applied, for single commands, queries
# and batches (also after lines refused under -f); the timeout bounds each
# wait for a reply, not the whole batch; a bad --timeout is a usage error
# (exit 2).  Every rtctl here runs
# under timeout(1), so that the test fails instead of hanging if rtctl does.
. "$(dirname "$0")/lib.sh"

start_rtmd
expect 2 "--timeout takes seconds" -- rtctl --timeout soon status
contains "... and says so" "$ERR" "--timeout"
expect 2 "... not negative ones" -- rtctl --timeout -1 status
expect 0 "--timeout with decimals" -- rtctl --timeout 2.5 status

kill -STOP "$RTMD_PID"
expect 3 "a change to a stopped rtmd times out" -- timeout 60 "$RTCTL" -s "$SOCK" --timeout 0.5 \
	add 10.1.0.0/16 dev eth0
contains "... saying it did not answer in time" "$ERR" "did not answer within 0.5 s"
contains "... and that the change may still be applied" "$ERR" "may still be applied"
expect 3 "a query to a stopped rtmd times out" -- timeout 60 "$RTCTL" -s "$SOCK" --timeout 0.5 list
contains "... saying so" "$ERR" "did not answer within 0.5 s"
printf 'add 10.2.0.0/16 dev eth0\nadd 10.3.0.0/16 dev eth0\n' > "$T/batch"
expect 3 "a batch to a stopped rtmd times out" -- timeout 60 "$RTCTL" -s "$SOCK" --timeout 0.5 \
	-b "$T/batch"
contains "... naming the first unanswered line" "$ERR" "$T/batch:1:"
contains "... and what may still apply" "$ERR" "may still be applied"
kill -CONT "$RTMD_PID"
expect 0 "after SIGCONT rtmd answers" -- rtctl list
contains "... having applied what was sent meanwhile" "$OUT" "10.1.0.0/16"

# Each wait is bounded, not the batch: a batch that runs longer than the
# timeout in total, with rtmd stopped for less than the timeout at a time,
# succeeds.
# (Fewer lines when rtmd runs under valgrind, twenty times slower, and a
# longer timeout: a valgrind-run rtmd on a loaded machine can take more than
# a second to answer once it is continued.)
lines=300000 wait_s=3
[ -n "$RTMD_WRAPPER" ] && lines=30000 wait_s=6
seq 1 "$lines" | awk '{ printf "add 10.%d.%d.%d/32 dev eth0\n", 100 + int($1 / 65536), int($1 / 256) % 256, $1 % 256 }' > "$T/big"
start=$(date +%s%N)
timeout 120 "$RTCTL" -s "$SOCK" --timeout "$wait_s" -b "$T/big" 2>"$T/big.err" &
B=$!
stops=0
while kill -0 "$B" 2>/dev/null && [ "$stops" -lt 10 ]; do
	sleep 0.05
	kill -STOP "$RTMD_PID"; sleep 0.8; kill -CONT "$RTMD_PID"
	stops=$((stops + 1))
done
wait "$B"; rc=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
same "a batch with rtmd stopped $stops times for 0.8 s (${elapsed} ms in all) succeeds" "$rc" 0
[ "$elapsed" -gt $((wait_s * 1000)) ] || echo "# the batch took ${elapsed} ms, not over --timeout: the bound per wait was not exercised"

# With -f a batch whose lines were refused exits 1, which says the other
# lines were applied; if rtmd then stops answering, they are not known to
# be, and the exit is 3 whatever failed before.
{ echo "delete 10.250.0.0/16"; sed 's/dev eth0/dev eth1/' "$T/big"; } > "$T/mixed"
timeout 120 "$RTCTL" -s "$SOCK" --timeout 1 -f -b "$T/mixed" 2>"$T/mixed.err" &
B=$!
for _ in $(seq 1 1000); do grep -q "not found" "$T/mixed.err" && break; sleep 0.01; done
kill -STOP "$RTMD_PID"
wait "$B"; rc=$?
kill -CONT "$RTMD_PID"
same "a refused line, then rtmd stops answering: exit 3, not 1" "$rc" 3
contains "... the refusal said" "$(cat "$T/mixed.err")" "mixed:1: route delete 10.250.0.0/16: not found"
contains "... and the timeout" "$(cat "$T/mixed.err")" "may still be applied"
stop_rtmd
finish
