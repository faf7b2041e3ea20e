/* json.h - JSON forms of table entries (json-c), shared by rtctl and rtwatch.
 *
 * Keys, their order and their types are ip -j's for the same entry (a key
 * appears exactly when ip -j prints it: no type for unicast, no metric 0,
 * flags always an array, a neighbour's state an array), with protocol
 * "rtctl" or "config" for the entries rtmd owns and, for a pending route,
 * the flag "pending" and its pending_reason.
 */
#ifndef RTMD_JSON_H
#define RTMD_JSON_H

#include <stdio.h>

#include <json-c/json.h>

#include "addr.h"

/* New json-c objects; the caller owns the reference. */
struct json_object *rt_route_to_json(const struct rt_route *r);
struct json_object *rt_neigh_to_json(const struct rt_neigh *n);

/* Streams one JSON array without holding every element in memory. */
struct json_array_out {
	FILE *f;
	size_t n;
};
void json_array_begin(struct json_array_out *a, FILE *f);
/* Prints and releases o. */
void json_array_add(struct json_array_out *a, struct json_object *o);
void json_array_end(struct json_array_out *a);

/* Print o as one compact line and release it. */
void json_print_line(FILE *f, struct json_object *o);

#endif
