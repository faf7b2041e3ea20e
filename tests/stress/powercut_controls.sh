#!/bin/sh
# Negative controls of the power-cut test: rtmd-faults skips, in turn, the
# msync of a store sync, the directory fsync after a rename, and the sync
# that makes what recovery read durable; the power-cut test must report a
# loss for each (it stops at the first one), or it could not see the fault
# it exists to catch.  Exit: 0 every control saw a loss, 1 one did not,
# 77 skipped (as the power-cut test: root, XFS with reflink, loop devices).
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
export top_builddir
test=$top_builddir/tests/stress/powercut_test
rounds=${POWERCUT_CONTROL_ROUNDS:-96}
status=0
# Each control in the workload where its loss can show: any for the msync;
# churn for the rename (msyncs that commit no journal); both policies for
# recovery (a restart after kill -9 serves what interval had not synced),
# every cut idle after such a restart: with cuts anywhere, a run of 96 was
# seen to report no loss, as the next msync after a restart writes back
# what recovery read whether or not recovery synced it.
for control in "skip-msync mixed always" "skip-dirsync churn always" \
               "skip-recovery-sync mixed both --after-kills"; do
	set -- $control
	"$test" --rounds "$rounds" --fault "$1" --epochs "$2" --policy "$3" $4
	rc=$?
	case $rc in
	0) ;;
	77) exit 77 ;;
	*) status=1 ;;
	esac
done
exit $status
