/* proto.h - the rtmd wire protocol (doc/PROTOCOL.md is its prose form).
 *
 * One SOCK_SEQPACKET message = one 24-byte header + `count` records of the
 * kind the message type implies.  Routes and events are variable-length
 * (a route carries its next hops), so a message's records are walked in
 * order: the decoder checks that they fill the body exactly.  Both ends run
 * on the same host, so integers are in host byte order; records are copied
 * with memcpy, never cast, so no alignment is assumed.  Every decoder checks
 * magic, version, declared length against received length, and the records
 * against the body, and validates each record's fields before returning it.
 * What each message type holds is one table, rt_msg_desc(), which the
 * encoder, the decoder and rtmd's dispatcher all read.
 */
#ifndef RTMD_PROTO_H
#define RTMD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errors.h"

#define RT_PROTO_MAGIC 0x444d5452u   /* "RTMD" little-endian */
#define RT_PROTO_VERSION 2
#define RT_HDR_SIZE 24
#define RT_MSG_MAX_DEFAULT (64 * 1024)

enum rt_msg_type {
	/* requests: client -> rtmd */
	RT_MSG_ROUTE_ADD = 1,        /* body: routes */
	RT_MSG_ROUTE_REPLACE = 2,    /* body: routes */
	RT_MSG_ROUTE_DEL = 3,        /* body: routes (the key is used) */
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
	RT_MSG_REQUEST_MAX = RT_MSG_SUBSCRIBE,

	/* replies and pushes: rtmd -> client */
	RT_MSG_ACK = 64,             /* body: 1 ack record */
	RT_MSG_ERROR = 65,           /* body: 1 error record */
	RT_MSG_ROUTES = 66,          /* body: routes; RT_F_MORE if more follow */
	RT_MSG_NEIGHS = 67,          /* body: neighs; RT_F_MORE if more follow */
	RT_MSG_STATUS_REPLY = 68,    /* body: 1 status record */
	RT_MSG_EVENTS = 69,          /* body: events */
	RT_MSG_SYNC = 70,            /* body: 1 sync record: dump complete */
	RT_MSG_HELLO = 71,           /* body: 1 hello record: first push to a subscriber */
	RT_MSG_NOTICE = 72,          /* body: 1 notice record; RT_F_MORE: the reply goes on */
	RT_MSG_TYPE_MAX = RT_MSG_NOTICE
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
#define RT_F_TAKE_CONFIG 0x0400u  /* changes, flush: config entries may be changed
                                     or removed (rtctl --force); a replace makes
                                     them rtctl entries */
#define RT_F_FLAGS_KNOWN 0x07ffu

struct rt_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len;     /* whole message, header included */
	uint32_t seq;     /* chosen by the client, echoed in replies */
	uint32_t count;   /* number of records in the body */
	uint32_t flags;
};

/* ---- What each message type holds ------------------------------------ */

enum rt_rec_kind {
	RT_REC_NONE, RT_REC_ROUTE, RT_REC_NEIGH, RT_REC_EVENT, RT_REC_ACK, RT_REC_ERROR,
	RT_REC_STATUS, RT_REC_HELLO, RT_REC_SYNC, RT_REC_NOTICE,
};
enum rt_count_rule {
	RT_COUNT_NONE,    /* no records */
	RT_COUNT_ONE,     /* exactly one */
	RT_COUNT_OPT,     /* 0 or 1 */
	RT_COUNT_SOME,    /* at least one */
	RT_COUNT_ANY,
};
/* What a route or neighbour record must hold. */
enum rt_rec_use {
	RT_USE_ENTRY,     /* a whole entry: rt_route_check / rt_neigh_check */
	RT_USE_KEY,       /* deletion: the key (route), ip and dev (neighbour) */
	RT_USE_FILTER,    /* route list: a valid prefix */
	RT_USE_LOOKUP,    /* route get: a host address; neigh get: ip, or lladdr by MAC */
};
/* What a request asks rtmd to do. */
enum rt_op {
	RT_OP_NONE,       /* not a request: a reply or a push */
	RT_OP_ADD, RT_OP_REPLACE, RT_OP_DEL, RT_OP_FLUSH,       /* changes */
	RT_OP_LIST, RT_OP_GET, RT_OP_STATUS, RT_OP_SUBSCRIBE,
	RT_OP_MAX
};

struct rt_msg_desc {
	const char *name;         /* "ROUTE_ADD", for messages */
	uint8_t kind;             /* enum rt_rec_kind */
	uint8_t count;            /* enum rt_count_rule */
	uint8_t use;              /* enum rt_rec_use (route and neigh records) */
	uint8_t op;               /* enum rt_op */
	uint8_t table;            /* enum rt_table the op works on, 0: none or both */
};
/* The descriptor of a message type, or NULL for a type nobody defined. */
const struct rt_msg_desc *rt_msg_desc(uint16_t type);

static inline bool rt_op_is_change(uint8_t op)
{
	return op == RT_OP_ADD || op == RT_OP_REPLACE || op == RT_OP_DEL || op == RT_OP_FLUSH;
}

/* ---- Records ------------------------------------------------------------- */

/* Record sizes on the wire.  A route is a 64-byte head, nh_count 40-byte
 * next hops and its pending reason (NUL included) padded to 8 bytes. */
#define RT_WIRE_ROUTE_HEAD 64
#define RT_WIRE_NH 40
#define RT_WIRE_ROUTE_MAX (RT_WIRE_ROUTE_HEAD + RT_NH_MAX * RT_WIRE_NH + RT_REASONLEN)
#define RT_WIRE_NEIGH 48
#define RT_WIRE_EVENT_HEAD 16  /* then a route or a neigh */
#define RT_WIRE_ACK 8
#define RT_WIRE_ERROR 144     /* code, index, applied, 132-byte text */
#define RT_WIRE_NOTICE 144    /* code, index, zero, 132-byte text */
#define RT_WIRE_STATUS 1152
#define RT_WIRE_HELLO 280
#define RT_WIRE_SYNC 8
/* Smallest max-message-size: a message holds any one event. */
#define RT_MSG_MIN_MAX 16384

/* Bytes of r's wire record. */
size_t rt_route_wire_size(const struct rt_route *r);

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

/* Something a client should be told about a change that succeeded. */
enum rt_notice_code {
	RT_NOTE_TAKEN_OVER = 1,  /* a config entry became an rtctl entry (replace --force) */
	RT_NOTE_PENDING = 2,     /* the kernel refused the entry: it is pending */
	RT_NOTE_MAX
};
struct rt_notice {
	uint32_t code;           /* enum rt_notice_code */
	uint32_t index;          /* the record within the request */
	char text[RT_ERR_TEXT];  /* NUL-terminated */
};

enum rt_event_kind { RT_EV_ADD = 1, RT_EV_CHANGE = 2, RT_EV_DEL = 3 };
enum rt_table { RT_TABLE_ROUTE = 1, RT_TABLE_ARP = 2 };

/* An event.  A route event points at its route (a route is too large to
 * copy into every event); the decoder fills caller storage for it. */
struct rt_event {
	uint64_t seq;            /* per-daemon change counter, +1 per event */
	uint8_t kind;            /* enum rt_event_kind */
	uint8_t table;           /* enum rt_table */
	uint32_t slot;           /* ARP: slot in the shared mapping; else 0 */
	const struct rt_route *route;   /* RT_TABLE_ROUTE */
	struct rt_neigh neigh;          /* RT_TABLE_ARP */
};

#define RT_PATHLEN 256
#define RT_ADDRPORTLEN 64          /* "[2001:db8::1]:2620" */
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
	/* Kernel sync (zero while off). */
	uint8_t kernel_sync;       /* 1: on */
	uint8_t kernel_protocol;   /* protocol number rtmd installs with */
	uint32_t kernel_table;
	uint64_t kernel_installed_routes, kernel_installed_neighs;
	uint64_t kernel_pending_routes, kernel_pending_neighs;
	uint64_t kernel_imported_routes, kernel_imported_neighs;
	uint64_t kernel_resyncs;            /* dumps after a lost notification */
	uint64_t kernel_unmapped_neighs;    /* imported but not in the mapping (full disk) */
	char kernel_last_error[RT_ERR_TEXT];
	/* FPM server (zero while off). */
	char fpm_listen[RT_ADDRPORTLEN];    /* "" off */
	char fpm_peer[RT_ADDRPORTLEN];      /* "" none */
	uint8_t fpm_connected;     /* 1: a peer is connected */
	uint64_t fpm_routes;       /* routes held from FPM */
	uint64_t fpm_replays;      /* reconnects that replayed the table */
	uint64_t fpm_ignored;      /* routes of other tables, ignored */
	char fpm_last_error[RT_ERR_TEXT];
	uint64_t fpm_skipped;      /* routes skipped: unknown interface or group, invalid */
	uint64_t fpm_hidden;       /* the kernel's copies of FPM routes, not shown */
	uint64_t fpm_groups;       /* next-hop groups held from the peer */
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
/* Append one record; -1 if it would exceed mb->max (message is full: errno
 * EMSGSIZE), on ENOMEM, or (EINVAL) for a record the message type does not
 * carry.  The record count and length are kept up to date in the header. */
int rt_msg_put_route(struct rt_msgbuf *mb, const struct rt_route *r);
int rt_msg_put_neigh(struct rt_msgbuf *mb, const struct rt_neigh *n);
int rt_msg_put_event(struct rt_msgbuf *mb, const struct rt_event *e);
int rt_msg_put_ack(struct rt_msgbuf *mb, const struct rt_ack *a);
int rt_msg_put_error(struct rt_msgbuf *mb, const struct rt_error *e);
int rt_msg_put_notice(struct rt_msgbuf *mb, const struct rt_notice *n);
int rt_msg_put_status(struct rt_msgbuf *mb, const struct rt_status *s);
int rt_msg_put_hello(struct rt_msgbuf *mb, const struct rt_hello *h);
int rt_msg_put_sync(struct rt_msgbuf *mb, const struct rt_sync *s);
/* Header flag update on a message under construction. */
void rt_msg_set_flags(struct rt_msgbuf *mb, uint32_t flags);
uint32_t rt_msg_count(const struct rt_msgbuf *mb);
/* Records of this type that fit in a message of max bytes: for routes and
 * events, routes of one next hop. */
size_t rt_msg_capacity(uint16_t type, size_t max);

/* ---- Decoding --------------------------------------------------------- */

/* Validate a received message of n bytes: magic, version, len == n, known
 * type, known flags, records of the type's kind that walk the body
 * exactly, count by the type's rule.  0 or RT_E_PROTO with a reason in err. */
int rt_msg_decode(const void *buf, size_t n, struct rt_hdr *hdr, char *err);

/* Records of a decoded message in order: a reader over buf (the whole
 * message, header included, exactly as passed to rt_msg_decode).  Each read
 * validates the record's fields for the message's use and advances; 0 or
 * RT_E_INVALID / RT_E_PROTO with the reason in err (the reader still
 * advances past a record whose fields are invalid, so a batch can go on). */
struct rt_reader {
	const uint8_t *msg;
	struct rt_hdr h;
	uint32_t index;          /* of the next record */
	size_t off;              /* its offset in msg */
};
void rt_msg_reader(struct rt_reader *rd, const struct rt_hdr *h, const void *buf);
int rt_msg_read_route(struct rt_reader *rd, struct rt_route *out, char *err);
int rt_msg_read_neigh(struct rt_reader *rd, struct rt_neigh *out, char *err);
/* route: storage for a route event's route (ev->route then points at it). */
int rt_msg_read_event(struct rt_reader *rd, struct rt_event *ev, struct rt_route *route, char *err);

/* Record i, for messages of one record and for tests (walks from the
 * start: use a reader for many). */
int rt_msg_get_route(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_route *out, char *err);
int rt_msg_get_neigh(const struct rt_hdr *h, const void *buf, uint32_t i,
                     struct rt_neigh *out, char *err);
int rt_msg_get_ack(const struct rt_hdr *h, const void *buf, struct rt_ack *out, char *err);
int rt_msg_get_error(const struct rt_hdr *h, const void *buf, struct rt_error *out, char *err);
int rt_msg_get_notice(const struct rt_hdr *h, const void *buf, struct rt_notice *out, char *err);
int rt_msg_get_status(const struct rt_hdr *h, const void *buf, struct rt_status *out, char *err);
int rt_msg_get_hello(const struct rt_hdr *h, const void *buf, struct rt_hello *out, char *err);
int rt_msg_get_sync(const struct rt_hdr *h, const void *buf, struct rt_sync *out, char *err);

/* Wire forms of a single route/neigh (tests, fuzzing).  rt_route_encode
 * writes rt_route_wire_size(r) bytes and returns that; rt_route_decode
 * reads one record from n bytes (*used: its length) as a whole entry. */
size_t rt_route_encode(const struct rt_route *r, uint8_t *out);
int rt_route_decode(const uint8_t *in, size_t n, struct rt_route *r, size_t *used, char *err);
void rt_neigh_encode(const struct rt_neigh *n, uint32_t slot, uint8_t out[RT_WIRE_NEIGH]);
int rt_neigh_decode(const uint8_t in[RT_WIRE_NEIGH], struct rt_neigh *n, uint32_t *slot, char *err);

#endif
