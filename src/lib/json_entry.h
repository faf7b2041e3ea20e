/* json_entry.h - the JSON forms of table entries (json-c), for rtctl and
 * for librtmd's rtmd_route_format(RTMD_FORMAT_JSON).
 *
 * Keys, their order and their types are ip -j's for the same entry (a key
 * appears exactly when ip -j prints it: no type for unicast, no metric 0,
 * flags always an array, a neighbour's state an array), with protocol
 * "rtctl" or "config" for the entries rtmd owns and, for a pending route,
 * the flag "pending" and its pending_reason.
 */
#ifndef RTMD_JSON_ENTRY_H
#define RTMD_JSON_ENTRY_H

#include <json-c/json.h>

#include "addr.h"

/* New json-c objects; the caller owns the reference. */
struct json_object *rt_route_to_json(const struct rt_route *r);
struct json_object *rt_neigh_to_json(const struct rt_neigh *n);

#endif
