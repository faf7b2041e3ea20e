/* json.c - streaming JSON output for rtctl. */
#include <stdio.h>

#include "json.h"

void json_array_begin(struct json_array_out *a, FILE *f)
{
	a->f = f;
	a->n = 0;
	fputc('[', f);
}

void json_array_add(struct json_array_out *a, struct json_object *o)
{
	fputs(a->n++ ? ",\n" : "\n", a->f);
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), a->f);
	json_object_put(o);
}

void json_array_end(struct json_array_out *a)
{
	fputs(a->n ? "\n]\n" : "]\n", a->f);
}

void json_print_line(FILE *f, struct json_object *o)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), f);
	fputc('\n', f);
	json_object_put(o);
}
