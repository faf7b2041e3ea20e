/* fault.c - the allocation-failure hook (fault.h): NULL in production. */
#include "fault.h"

bool (*rt_fault_hook)(const char *site);
