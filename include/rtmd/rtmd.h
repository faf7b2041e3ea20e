/* rtmd/rtmd.h - librtmd, the C library of rtmd, the routing-table manager.
 *
 *   base.h          errors, version, addresses          librtmd(3)
 *   entry.h         routes, neighbours, filters         rtmd_entry(3)
 *   client.h        requests, status, batches           rtmd_client(3)
 *   subscribe.h     the tables and every change         rtmd_subscribe(3)
 *   neigh_reader.h  look-ups in the shared mapping      rtmd_neigh_reader(3)
 *   replica.h       local route table with LPM          rtmd_replica(3)
 *
 * Build with: cc prog.c $(pkg-config --cflags --libs rtmd)
 */
#ifndef LIBRTMD_RTMD_H
#define LIBRTMD_RTMD_H

#include <rtmd/base.h>
#include <rtmd/entry.h>
#include <rtmd/client.h>
#include <rtmd/subscribe.h>
#include <rtmd/neigh_reader.h>
#include <rtmd/replica.h>

#endif
