/* json.h - rtctl's JSON output: arrays streamed without holding every
 * element, and objects as one compact line.  The entries' JSON forms are
 * src/lib/json_entry.h's, shared with librtmd. */
#ifndef RTMD_JSON_H
#define RTMD_JSON_H

#include <stdio.h>

#include <json-c/json.h>

#include "json_entry.h"

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
