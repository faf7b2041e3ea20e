/* fault.h - allocation-failure injection, for tests.
 *
 * Code that allocates on a change path asks rt_fault(site) first and fails
 * as if out of memory when it says so.  rt_fault_hook is NULL unless a test
 * sets it, so production never fails on purpose; tests (check_tables) set it
 * to fail the n-th allocation and prove that a failed change leaves every
 * table, store and event stream as it was.  (Skipped syncs and stops for
 * the power-cut test are src/daemon/faults.h's, in a separate rtmd binary.)
 */
#ifndef RTMD_FAULT_H
#define RTMD_FAULT_H

#include <stdbool.h>

extern bool (*rt_fault_hook)(const char *site);

static inline bool rt_fault(const char *site)
{
	return rt_fault_hook && rt_fault_hook(site);
}

#endif
