/* reader_test.c - a process reads rtmd's ARP mapping continuously, through
 * the library reader (single and batched look-ups, slot reads), while a
 * writer makes tens of thousands of changes (adds that grow the table
 * several times, replaces, deletes).  Every entry a writer stores
 * satisfies an invariant linking its MAC to its IP and interface; a torn
 * read would break it.  The test fails on any torn read and reports the
 * counts.
 *
 * Usage: reader_test [CHANGES]   (top_builddir in the environment)
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arp_reader.h"
#include "client.h"
#include "proto.h"
#include "testlib.h"

#define KEYS 20000          /* distinct IPs: grows a 4096-slot store 3 times */
#define PER_MSG 100
#define BATCH 64            /* keys per batched look-up */

static void make_neigh(uint32_t key, uint8_t gen, struct rt_neigh *n)
{
	uint8_t a = (uint8_t)(key >> 8), b = (uint8_t)key;

	memset(n, 0, sizeof(*n));
	n->ip.family = AF_INET;
	n->ip.bytes[0] = 10;
	n->ip.bytes[1] = 200;
	n->ip.bytes[2] = a;
	n->ip.bytes[3] = b;
	n->lladdr[0] = 0x02;
	n->lladdr[1] = gen;
	n->lladdr[2] = a ^ gen;
	n->lladdr[3] = b ^ gen;
	n->lladdr[4] = (uint8_t)(a + b + gen);
	n->lladdr[5] = 0x5a;
	snprintf(n->dev, sizeof(n->dev), "eth%u", b % 4);
}

static bool consistent(const struct rt_neigh *n)
{
	uint8_t a = n->ip.bytes[2], b = n->ip.bytes[3], g = n->lladdr[1];
	char dev[RT_IFNAMSIZ];

	snprintf(dev, sizeof(dev), "eth%u", b % 4);
	return n->ip.family == AF_INET && n->ip.bytes[0] == 10 && n->ip.bytes[1] == 200 &&
	       n->lladdr[0] == 0x02 && n->lladdr[2] == (a ^ g) && n->lladdr[3] == (b ^ g) &&
	       n->lladdr[4] == (uint8_t)(a + b + g) && n->lladdr[5] == 0x5a && strcmp(n->dev, dev) == 0;
}

/* Adds all keys, then alternates replaces and deletes/re-adds. */
static void writer(const struct testenv *e, uint32_t changes)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	char err[512];
	uint32_t done = 0;

	if (rt_client_connect(&c, e->sock, err, sizeof(err)) < 0 || rt_msgbuf_init(&mb, 65536) < 0)
		_exit(3);
	for (uint32_t round = 0; done < changes; round++) {
		uint16_t type = round == 0 ? RT_MSG_ARP_ADD : round % 3 == 2 ? RT_MSG_ARP_DEL : RT_MSG_ARP_REPLACE;

		/* After a delete round, re-add so the table stays full. */
		if (round > 0 && round % 3 == 0)
			type = RT_MSG_ARP_REPLACE;
		for (uint32_t k = 0; k < KEYS && done < changes; k += PER_MSG) {
			rt_msg_begin(&mb, type, round * KEYS + k, 0);
			for (uint32_t j = k; j < k + PER_MSG && j < KEYS; j++) {
				struct rt_neigh n;

				/* delete rounds take every other key only */
				if (type == RT_MSG_ARP_DEL && j % 2)
					continue;
				make_neigh(j, (uint8_t)round, &n);
				rt_msg_put_neigh(&mb, &n);
				done++;
			}
			if (rt_msg_count(&mb) && test_request(&c, &mb) != 0) {
				fprintf(stderr, "writer: request refused in round %u\n", round);
				_exit(2);
			}
		}
	}
	rt_msgbuf_free(&mb);
	rt_client_close(&c);
	_exit(0);
}

int main(int argc, char **argv)
{
	uint32_t changes = argc > 1 ? (uint32_t)atoi(argv[1]) : 100000;
	struct testenv e;
	struct arp_reader *r = NULL;
	char path[300], err[512];
	uint64_t reads = 0, entries = 0, batched = 0, torn = 0;
	pid_t rtmd, w;
	int status = 0;

	testenv_init(&e, "reader");
	rtmd = testenv_start_rtmd(&e);
	snprintf(path, sizeof(path), "%s/arp.store", e.state);
	if (arp_reader_open(path, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "reader: %s\n", err);
		kill(rtmd, SIGKILL);
		return 1;
	}
	w = fork();
	if (w == 0)
		writer(&e, changes);
	for (uint32_t i = 0;; i++) {
		struct rt_neigh out[8], probe;
		int n;

		if (i % 1024 == 0 && waitpid(w, &status, WNOHANG) == w)
			break;
		make_neigh((i * 7919u) % KEYS, 0, &probe);
		if (i % 4 >= 2) {
			/* The batched calls, over BATCH keys (whose MACs are those
			 * of generation 0: found until the first replace round). */
			struct rt_addr ips[BATCH];
			uint8_t macs[BATCH][6];
			struct rt_neigh got[BATCH];
			int found[BATCH];
			ssize_t hits;
			for (uint32_t k = 0; k < BATCH; k++) {
				struct rt_neigh kn;
				make_neigh((i * 7919u + k * 104729u) % KEYS, 0, &kn);
				ips[k] = kn.ip;
				memcpy(macs[k], kn.lladdr, 6);
			}
			hits = i % 4 == 2 ? arp_reader_get_ip_many(r, ips, BATCH, NULL, got, found)
			                  : arp_reader_get_mac_many(r, (const uint8_t (*)[6])macs, BATCH,
			                                            got, found);
			reads += BATCH;
			if (hits < 0) {
				perror("reader batched lookup");
				torn++;
				continue;
			}
			for (uint32_t k = 0; k < BATCH; k++) {
				if (found[k] < 0 || (found[k] > 0) != (got[k].ip.family != 0)) {
					fprintf(stderr, "batched lookup: found %d, family %u\n", found[k],
					        got[k].ip.family);
					torn++;
				}
				if (found[k] > 0) {
					entries++;
					batched++;
					if (!consistent(&got[k]))
						torn++;
				}
			}
			continue;
		}
		n = i % 2 ? arp_reader_get_ip(r, &probe.ip, NULL, out, 8)
		          : arp_reader_get_mac(r, probe.lladdr, out, 8);
		reads++;
		if (n < 0) {
			perror("reader lookup");
			torn++;
			continue;
		}
		for (int k = 0; k < n && k < 8; k++) {
			entries++;
			if (!consistent(&out[k]))
				torn++;
		}
		/* Slot reads too: whatever a slot holds must be whole. */
		if (arp_reader_slot(r, i % (KEYS + 1024), &probe, NULL) == 1) {
			entries++;
			if (!consistent(&probe))
				torn++;
		}
	}
	printf("reader test: %u changes written, %llu reads, %llu entries read (%llu by batched "
	       "calls), %llu torn reads, %llu seqlock retries\n",
	       changes, (unsigned long long)reads, (unsigned long long)entries,
	       (unsigned long long)batched, (unsigned long long)torn,
	       (unsigned long long)arp_reader_retries(r));
	arp_reader_close(r);
	kill(rtmd, SIGTERM);
	waitpid(rtmd, NULL, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "writer failed (status %d)\n", status);
		return 1;
	}
	if (entries == 0 || batched == 0) {
		fprintf(stderr, "the reader never found an entry%s: the test proved nothing\n",
		        entries ? " with a batched call" : "");
		return 1;
	}
	testenv_cleanup(&e);
	return torn ? 1 : 0;
}
