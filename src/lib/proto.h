/* proto.h - the rtmd wire protocol (doc/PROTOCOL.md is its prose form).
 *
 * One SOCK_SEQPACKET message = one 24-byte header + `count` fixed-size
 * records of the type the header names.  Both ends run on the same host, so
 * integers are in host byte order; records are copied with memcpy, never
 * cast, so no alignment is assumed.  Every decoder checks magic, version,
 * declared length against received length, and count * record size against
 * the body, and validates each record's fields before returning it.
 */
#ifndef RTMD_PROTO_H
#define RTMD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errors.h"

#define RT_PROTO_MAGIC 0x444d5452u   /* "RTMD" little-endian */
#define RT_PROTO_VERSION 1
#define RT_HDR_SIZE 24
#define RT_MSG_MAX_DEFAULT (64 * 1024)
#define RT_MSG_MIN_MAX 1024          /* smallest max-message-size allowed */

enum rt_msg_type {
	/* requests: client -> rtmd */
	RT_MSG_ROUTE_ADD = 1,        /* body: routes */
	RT_MSG_ROUTE_REPLACE = 2,    /* body: routes */
	RT_MSG_ROUTE_DEL = 3,        /* body: routes (dst + metric used) */
	RT_MSG_ROUTE_LIST = 4,       /* body: 0 or 1 route (dst = filter) */
	RT_MSG_ROUTE_GET = 5,        /* body: 1 route (dst = host address) */
	RT_MSG_ARP_ADD = 6,          /* body: neighs */
	RT_MSG_ARP_REPLACE = 7,      /* body: neighs */
	RT_MSG_ARP_DEL = 8,          /* body: neighs (ip + dev used) */
	RT_MSG_ARP_LIST = 9,         /* body: none */
	RT_MSG_ARP_GET = 10,         /* body: 1 neigh, flags RT_F_BY_MAC or by ip */
	RT_MSG_FLUSH = 11,           /* body: none; flags: RT_F_TABLE_* */
	RT_MSG_STATUS = 12,          /* body: none */
	RT_MSG_SUBSCRIBE = 13,       /* body: none; flags: RT_F_TABLE_* | RT_F_NO_DUMP */

	/* replies and pushes: rtmd -> client */
	RT_MSG_ACK = 64,             /* body: 1 ack record */
	RT_MSG_ERROR = 65,           /* body: 1 error record */
	RT_MSG_ROUTES = 66,          /* body: routes; RT_F_MORE if more follow */
	RT_MSG_NEIGHS = 67,          /* body: neighs; RT_F_MORE if more follow */
	RT_MSG_STATUS_REPLY = 68,    /* body: 1 status record */
	RT_MSG_EVENTS = 69,          /* body: events */
	RT_MSG_SYNC = 70,            /* body: 1 sync record: dump complete */
	RT_MSG_HELLO = 71,           /* body: 1 hello record: first push to a subscriber */
};

/* Header flags */
#define RT_F_MORE        0x0001u  /* reply continues in further messages */
#define RT_F_BATCH       0x0002u  /* part of a batch: skipped after a failure */
#define RT_F_BATCH_START 0x0004u  /* first message of a batch: clears failure */
#define RT_F_FORCE       0x0008u  /* batch --force: keep going past failures */
#define RT_F_TABLE_ROUTE 0x0010u
#define RT_F_TABLE_ARP   0x0020u
#define RT_F_TABLE_ALL   (RT_F_TABLE_ROUTE | RT_F_TABLE_ARP)
#define RT_F_NO_DUMP     0x0040u
#define RT_F_BY_MAC      0x0080u  /* ARP_GET: look up by lladdr, not ip */
#define RT_F_LIST_ROOT   0x0100u  /* ROUTE_LIST: routes inside the prefix */
#define RT_F_LIST_MATCH  0x0200u  /* ROUTE_LIST: routes containing the prefix */
#define RT_F_FLAGS_KNOWN 0x03ffu


struct rt_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len;     /* whole message, header included */
	uint32_t seq;     /* chosen by the client, echoed in replies */
	uint32_t count;   /* number of records in the body */
	uint32_t flags;
};

/* Record sizes on the wire */
#define RT_WIRE_ROUTE 56
#define RT_WIRE_NEIGH 48
#define RT_WIRE_ACK 8
#define RT_WIRE_ERROR 144     /* code, index, applied, 132-byte text */
#define RT_WIRE_EVENT 72      /* 16-byte event head + route or neigh */
#define RT_WIRE_STATUS 632
#define RT_WIRE_HELLO 280
#define RT_WIRE_SYNC 8

struct rt_ack {
	uint32_t applied;        /* records applied by this message */
	uint32_t changed;        /* of which changed a table (replace no-op = 0) */
};

#define RT_ERR_TEXT 132
struct rt_error {
	uint32_t code;           /* enum rt_err */
	uint32_t index;          /* failing record within the message */
	uint32_t applied;        /* records applied before it */
	char text[RT_ERR_TEXT];  /* NUL-terminated detail, may be empty */
};

enum rt_event_kind { RT_EV_ADD = 1, RT_EV_CHANGE = 2, RT_EV_DEL = 3 };
enum rt_table { RT_TABLE_ROUTE = 1, RT_TABLE_ARP = 2 };

struct rt_event {
	uint64_t seq;            /* per-daemon change counter, +1 per event */
	uint8_t kind;            /* enum rt_event_kind */
	uint8_t table;           /* enum rt_table */
	uint32_t slot;           /* ARP: slot in the shared mapping; else 0 */
	union {
		struct rt_route route;
		struct rt_neigh neigh;
	} u;
};

#define RT_PATHLEN 256
struct rt_status {
	char version[32];
	uint64_t uptime_ms;
	uint64_t routes, routes4, routes6;
	uint64_t neighs;
	uint32_t clients, subscribers;
	uint64_t event_seq;        /* last event sequence number */
	uint8_t sync_always;       /* 1: sync=always, 0: interval */
	uint32_t sync_interval_ms;
	uint64_t route_capacity, arp_capacity;
	char route_store[RT_PATHLEN];
	char arp_store[RT_PATHLEN];
};

struct rt_hello {
	uint64_t event_seq;        /* sequence of the last event before the dump */
	uint32_t tables;           /* RT_F_TABLE_* actually subscribed */
	char arp_store[RT_PATHLEN];/* path of the mapping ARP slots refer to */
};

struct rt_sync {
	uint64_t event_seq;        /* the next event will carry event_seq + 1 */
};

/* ---- Building messages ------------------------------------------------ */

/* A growable output buffer holding one message under construction. */
struct rt_msgbuf {
	uint8_t *data;
	size_t len, cap;
	size_t max;              /* refuse to grow a message beyond this */
};

int rt_msgbuf_init(struct rt_msgbuf *mb, size_t max);
void rt_msgbuf_free(struct rt_msgbuf *mb);
/* Start a message (discarding what the buffer held). */
void rt_msg_begin(struct rt_msgbuf *mb, uint16_t type, uint32_t seq, uint32_t flags);
/* Append one record; -1 if it would exceed mb->max (message is full) or on
 * ENOMEM.  The record count and length are kept up to date in the header. */
int rt_msg_put_route(struct rt_msgbuf *mb, const struct rt_route *r);
int rt_msg_put_neigh(struct rt_msgbuf *mb, const struct rt_neigh *n);
int rt_msg_put_event(struct rt_msgbuf *mb, const struct rt_event *e);
int rt_msg_put_ack(struct rt_msgbuf *mb, const struct rt_ack *a);
int rt_msg_put_error(struct rt_msgbuf *mb, const struct rt_error *e);
int rt_msg_put_status(struct rt_msgbuf *mb, const struct rt_status *s);
int rt_msg_put_hello(struct rt_msgbuf *mb, const struct rt_hello *h);
int rt_msg_put_sync(struct rt_msgbuf *mb, const struct rt_sync *s);
/* Header flag update on a message under construction. */
void rt_msg_set_flags(struct rt_msgbuf *mb, uint32_t flags);
uint32_t rt_msg_count(const struct rt_msgbuf *mb);
/* Records of this type that fit in a message of max bytes. */
size_t rt_msg_capacity(uint16_t type, size_t max);

/* ---- Decoding --------------------------------------------------------- */

/* Validate the header of a received message of n bytes: magic, version,
 * len == n, known type, known flags, count * record size == body size for
 * the type.  0 or an enum rt_err (RT_E_PROTO) with a reason in err. */
int rt_msg_decode(const void *buf, size_t n, struct rt_hdr *hdr, char *err);
/* Record size for a message type (0 for types with no body). */
size_t rt_msg_record_size(uint16_t type);

/* Get record i of a decoded message (buf is the whole message, header
 * included, exactly as passed to rt_msg_decode); validates its fields.  0 or RT_E_INVALID
 * / RT_E_PROTO with the reason in err.  The route variant checks a full route
 * for ADD/REPLACE; for DEL/LIST/GET it only requires a valid prefix. */
int rt_msg_get_route(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_route *out, char *err);
int rt_msg_get_neigh(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_neigh *out, char *err);
int rt_msg_get_event(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_event *out, char *err);
int rt_msg_get_ack(const struct rt_hdr *h, const void *buf, struct rt_ack *out, char *err);
int rt_msg_get_error(const struct rt_hdr *h, const void *buf, struct rt_error *out, char *err);
int rt_msg_get_status(const struct rt_hdr *h, const void *buf, struct rt_status *out, char *err);
int rt_msg_get_hello(const struct rt_hdr *h, const void *buf, struct rt_hello *out, char *err);
int rt_msg_get_sync(const struct rt_hdr *h, const void *buf, struct rt_sync *out, char *err);

/* Wire forms of a single route/neigh, for stores and events. */
void rt_route_encode(const struct rt_route *r, uint8_t out[RT_WIRE_ROUTE]);
int rt_route_decode(const uint8_t in[RT_WIRE_ROUTE], struct rt_route *r, char *err);
void rt_neigh_encode(const struct rt_neigh *n, uint32_t slot, uint8_t out[RT_WIRE_NEIGH]);
int rt_neigh_decode(const uint8_t in[RT_WIRE_NEIGH], struct rt_neigh *n, uint32_t *slot, char *err);

#endif
