/* rtnames.h - the names ip(8) shows for protocol numbers, route types,
 * scopes, tos values and neighbour states, both ways.
 *
 * Protocol, scope and tos names come from iproute2's files, read once on
 * first use over ip(8)'s built-in tables, in iproute2's order: ETC/rt_protos
 * (or, missing, USR/rt_protos), then the *.conf files of USR/rt_protos.d and
 * ETC/rt_protos.d (a file in ETC shadows its namesake in USR), by name; a
 * later definition of a number wins.  ETC is /etc/iproute2, USR
 * /usr/share/iproute2; the environment variable RTMD_IPROUTE2_DIRS
 * ("ETC:USR", either may be empty) points elsewhere.  Look-ups are
 * thread-safe; rt_names_load() (tests) is not.
 */
#ifndef RTMD_RTNAMES_H
#define RTMD_RTNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_NAMELEN 32           /* longest name kept + NUL; longer file names are ignored */
#define RT_NUDSTRLEN 96         /* every state bit's name, space-separated */

/* Re-read the tables from these directories (NULL: the defaults above);
 * for tests that bring their own files.  Not thread-safe. */
void rt_names_load(const char *etc_dir, const char *usr_dir);

/* Number to text: the name, else the number in decimal ("%u"); tos: the
 * name, else "0x%02x".  Return buf. */
const char *rt_proto_name(uint8_t proto, char buf[RT_NAMELEN]);
const char *rt_type_name(uint8_t type, char buf[RT_NAMELEN]);
const char *rt_scope_name(uint8_t scope, char buf[RT_NAMELEN]);
const char *rt_tos_name(uint8_t tos, char buf[RT_NAMELEN]);
/* Who owns an entry, as rtmd prints it: "rtctl" and "config" for owned
 * entries, else the protocol's name (protocol 0: "kernel" for an imported
 * entry, which is what the kernel made it). */
const char *rt_owner_name(uint8_t origin, uint8_t protocol, char buf[RT_NAMELEN]);

/* Text to number: a name (case-sensitive, as ip(8)) or a number (decimal,
 * or 0x hex).  0, or -1 if it is neither. */
int rt_proto_parse(const char *s, uint8_t *out);
int rt_type_parse(const char *s, uint8_t *out);
int rt_scope_parse(const char *s, uint8_t *out);
int rt_tos_parse(const char *s, uint8_t *out);
/* Every protocol number that has this name (several files may give one
 * name to several numbers, as FRR's static is 196 and iproute2's 4), or
 * the one number it spells: bit p of set[p / 8].  Returns how many. */
int rt_proto_match(const char *s, uint8_t set[32]);

/* Neighbour states (NUD_* bits) as ip(8) prints them: each set bit's name
 * in upper case, in bit order, space-separated; "NONE" for 0.  Returns the
 * length (snprintf-like). */
int rt_nud_format(uint16_t state, char *buf, size_t cap);
/* Call fn for each state name of state (JSON arrays); "NONE" for 0. */
void rt_nud_each(uint16_t state, void (*fn)(const char *name, void *ctx), void *ctx);
/* One state name, any case ("permanent", "REACHABLE", "none", "all" is not
 * a state).  0, or -1. */
int rt_nud_parse(const char *s, uint16_t *out);

#endif
