/* benchlib.c - the harness's environment: clocks, children that cannot
 * outlive it, private rtmd instances, statistics, and the results table.
 *
 * Robustness first: every child is recorded, killed at exit or on a fatal
 * signal, and dies with the harness (PR_SET_PDEATHSIG); waits are bounded;
 * the temporary directory and any cleanup hook (the kernel reference's
 * network namespace) run on every way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct bench_env B;

#define MAX_CHILDREN 4096
#define MAX_HOOKS 8
#define MAX_NETNS 4

static pid_t children[MAX_CHILDREN];
static size_t n_children;
static void (*hooks[MAX_HOOKS])(void);
static size_t n_hooks;
static pid_t harness_pid;
static bool keep_dir;
static char netns_names[MAX_NETNS][64];

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("rtmd_bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void note(const char *fmt, ...)
{
	va_list ap;

	fputs("  .. ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double now_s(void)
{
	return (double)now_ns() / 1e9;
}

double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;

uint64_t rnd64(void)
{
	/* splitmix64: a fixed seed, so every run uses the same data */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

/* ---- cleanup ------------------------------------------------------------------ */

static void run_quiet(const char *prog, const char *a1, const char *a2, const char *a3)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp(prog, prog, a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

/* Only what is safe enough in a signal handler: kill, waitpid, fork+exec. */
static void cleanup(void)
{
	if (getpid() != harness_pid)
		return;
	for (size_t i = 0; i < n_children; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
	for (size_t i = 0; i < n_children; i++)
		if (children[i] > 0)
			while (waitpid(children[i], NULL, 0) < 0 && errno == EINTR)
				;
	n_children = 0;
	for (size_t i = n_hooks; i > 0; i--)
		hooks[i - 1]();
	n_hooks = 0;
	if (B.dir[0] && !keep_dir)
		run_quiet("rm", "-rf", "--", B.dir);
	B.dir[0] = keep_dir ? B.dir[0] : 0;
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

void bench_on_cleanup(void (*fn)(void))
{
	if (n_hooks == MAX_HOOKS)
		die("too many cleanup hooks");
	hooks[n_hooks++] = fn;
}

/* ---- network namespaces ---------------------------------------------------------- */

static void netns_cleanup(void)
{
	for (size_t i = 0; i < MAX_NETNS; i++)
		if (netns_names[i][0]) {
			run_quiet("ip", "netns", "del", netns_names[i]);
			netns_names[i][0] = 0;
		}
}

void bench_netns_remove(const char *name)
{
	for (size_t i = 0; i < MAX_NETNS; i++)
		if (strcmp(netns_names[i], name) == 0) {
			run_quiet("ip", "netns", "del", netns_names[i]);
			netns_names[i][0] = 0;
		}
}

int bench_netns_create(const char *tag, char *name, size_t cap, char *why, size_t whylen)
{
	static bool hooked;
	size_t slot = MAX_NETNS;
	char err[256];

	if (geteuid() != 0) {
		snprintf(why, whylen, "skipped: not root (network namespaces need CAP_SYS_ADMIN)");
		return -1;
	}
	for (size_t i = 0; i < MAX_NETNS && slot == MAX_NETNS; i++)
		if (!netns_names[i][0])
			slot = i;
	if (slot == MAX_NETNS)
		die("more than %d network namespaces at once", MAX_NETNS);
	if (!hooked) {
		bench_on_cleanup(netns_cleanup);
		hooked = true;
	}
	snprintf(name, cap, "rtmdbench%ld-%s", (long)getpid(), tag);
	{
		char *add[] = { "ip", "netns", "add", name, NULL };
		char *veth[] = { "ip", "-n", name, "link", "add", "d0", "type", "veth", "peer", "name",
		                 "d0p", NULL };
		char *up[] = { "ip", "-n", name, "link", "set", "d0", "up", NULL };
		char *upp[] = { "ip", "-n", name, "link", "set", "d0p", "up", NULL };
		char *lo[] = { "ip", "-n", name, "link", "set", "lo", "up", NULL };

		if (bench_run(add, NULL, NULL, 30, err, sizeof(err)) < 0) {
			snprintf(why, whylen, "skipped: ip netns add failed (%s)", err);
			return -1;
		}
		snprintf(netns_names[slot], sizeof(netns_names[slot]), "%s", name);
		/* A veth pair, not a dummy: this kernel may lack the dummy
		 * driver, and the FIB's cost does not depend on the device. */
		if (bench_run(veth, NULL, NULL, 30, err, sizeof(err)) < 0 ||
		    bench_run(up, NULL, NULL, 30, err, sizeof(err)) < 0 ||
		    bench_run(upp, NULL, NULL, 30, err, sizeof(err)) < 0 ||
		    bench_run(lo, NULL, NULL, 30, err, sizeof(err)) < 0) {
			bench_netns_remove(name);
			snprintf(why, whylen, "skipped: no veth pair in the namespace (%s)", err);
			return -1;
		}
	}
	return 0;
}

void bench_setup(const char *tmpbase, bool keep)
{
	struct sigaction sa = { .sa_handler = on_signal };

	harness_pid = getpid();
	keep_dir = keep;
	snprintf(B.rtmd, sizeof(B.rtmd), "%s/src/daemon/rtmd", B.top);
	snprintf(B.rtctl, sizeof(B.rtctl), "%s/src/tools/rtctl", B.top);
	snprintf(B.rtwatch, sizeof(B.rtwatch), "%s/src/tools/rtwatch", B.top);
	if (access(B.rtmd, X_OK) < 0 || access(B.rtctl, X_OK) < 0 || access(B.rtwatch, X_OK) < 0)
		die("%s/src/{rtmd,rtctl,rtwatch}: not built (%s); run make first, or give --top-builddir",
		    B.top, strerror(errno));
	snprintf(B.dir, sizeof(B.dir), "%s/rtmd-bench.XXXXXX", tmpbase);
	if (!mkdtemp(B.dir))
		die("cannot create a temporary directory in %s: %s (set TMPDIR or --tmpdir)", tmpbase,
		    strerror(errno));
	atexit(cleanup);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

const char *short_path(const char *path, char *buf, size_t cap)
{
	size_t n = strlen(B.dir);

	if (n && strncmp(path, B.dir, n) == 0)
		snprintf(buf, cap, "$D%s", path + n);
	else if (strncmp(path, B.top, strlen(B.top)) == 0 && path[strlen(B.top)] == '/')
		snprintf(buf, cap, "%s", path + strlen(B.top) + 1);
	else
		snprintf(buf, cap, "%s", path);
	return buf;
}

/* ---- children ------------------------------------------------------------------ */

static void forget(pid_t pid)
{
	for (size_t i = 0; i < n_children; i++)
		if (children[i] == pid) {
			children[i] = children[--n_children];
			return;
		}
}

pid_t bench_fork(void)
{
	pid_t pid;

	if (n_children == MAX_CHILDREN)
		die("more than %d child processes", MAX_CHILDREN);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != harness_pid)
			_exit(1);
		n_children = 0;
		return 0;
	}
	children[n_children++] = pid;
	return pid;
}

static void redirect(int fd, const char *path)
{
	int f = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (f < 0 || dup2(f, fd) < 0)
		_exit(126);
}

pid_t bench_spawn(char *const argv[], const char *out, const char *err)
{
	pid_t pid = bench_fork();

	if (pid == 0) {
		redirect(1, out);
		redirect(2, err);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

int bench_wait(pid_t pid, double timeout_s)
{
	double deadline = now_s() + timeout_s;
	int status;

	for (unsigned spin = 0;; spin++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			forget(pid);
			return status;
		}
		if (r < 0 && errno != EINTR) {
			forget(pid);
			return -1;
		}
		if (now_s() > deadline) {
			bench_kill(pid);
			return -1;
		}
		/* Tight at first (short commands are timed), then 1 ms. */
		usleep(spin < 1000 ? 50 : 1000);
	}
}

void bench_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	forget(pid);
}

double bench_run(char *const argv[], const char *out, const char *err, double timeout_s,
                 char *why, size_t whylen)
{
	double t0 = now_s();
	pid_t pid = bench_spawn(argv, out, err);
	int st = bench_wait(pid, timeout_s);
	double t = now_s() - t0;

	if (st == -1) {
		snprintf(why, whylen, "%s timed out after %.0f s", argv[0], timeout_s);
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, whylen, "%s failed (%s %d)", argv[0],
		         WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -1;
	}
	return t;
}

void argv_str(char *const argv[], char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; argv[i] && len + 1 < cap; i++) {
		char p[512];

		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "",
		                        short_path(argv[i], p, sizeof(p)));
	}
}

/* ---- rtmd ------------------------------------------------------------------------ */

void daemon_init(struct daemon *d, const char *name, const char *conf_text)
{
	FILE *f;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->dir, sizeof(d->dir), "%s/%s", B.dir, name);
	snprintf(d->sock, sizeof(d->sock), "%s/rtmd.sock", d->dir);
	snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
	snprintf(d->conf, sizeof(d->conf), "%s/rtmd.conf", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/rtmd.log", d->dir);
	if (mkdir(d->dir, 0755) < 0)
		die("mkdir %s: %s", d->dir, strerror(errno));
	f = fopen(d->conf, "w");
	if (!f || fputs(conf_text, f) < 0 || fclose(f) != 0)
		die("cannot write %s: %s", d->conf, strerror(errno));
	d->pid = -1;
}

static int status_once(const char *sock, struct rt_status *st)
{
	struct rt_client c;
	struct rt_msgbuf mb;
	char err[512];
	struct rt_hdr h;
	const uint8_t *msg;
	int rc = -1;

	if (rt_client_connect(&c, sock, err, sizeof(err)) < 0)
		return -1;
	if (rt_msgbuf_init(&mb, 1024) == 0) {
		rt_msg_begin(&mb, RT_MSG_STATUS, 1, 0);
		if (rt_client_send(&c, &mb) == 0 && rt_client_recv(&c, &h, &msg, err, sizeof(err)) == 1 &&
		    h.type == RT_MSG_STATUS_REPLY && rt_msg_get_status(&h, msg, st, err) == 0)
			rc = 0;
		rt_msgbuf_free(&mb);
	}
	rt_client_close(&c);
	return rc;
}

double daemon_try_start(struct daemon *d, char *why, size_t whylen)
{
	char *argv[] = { "ip", "netns", "exec", d->netns, B.rtmd, "-s", d->sock, "-S", d->state,
	                 "-c", d->conf, NULL };
	struct rt_status st;
	double t0 = now_s();

	/* ip netns exec execs rtmd: the pid is rtmd's either way. */
	d->pid = bench_spawn(d->netns[0] ? argv : argv + 4, NULL, d->log);
	for (;;) {
		int status;

		if (status_once(d->sock, &st) == 0)
			return now_s() - t0;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			forget(d->pid);
			d->pid = -1;
			if (WIFSIGNALED(status))
				snprintf(why, whylen, "rtmd (%s) was killed by signal %d (%s) at start",
				         d->name, WTERMSIG(status), strsignal(WTERMSIG(status)));
			else
				snprintf(why, whylen, "rtmd (%s) exited with status %d at start", d->name,
				         WEXITSTATUS(status));
			return -1;
		}
		if (now_s() - t0 > 120) {
			bench_kill(d->pid);
			d->pid = -1;
			snprintf(why, whylen, "rtmd (%s) did not answer a status request within 120 s",
			         d->name);
			return -1;
		}
		usleep(200);
	}
}

double daemon_start(struct daemon *d)
{
	char why[256], cmd[400];
	double t = daemon_try_start(d, why, sizeof(why));

	if (t < 0) {
		fprintf(stderr, "rtmd_bench: %s; the end of %s:\n", why, d->log);
		snprintf(cmd, sizeof(cmd), "tail -n 5 '%s' >&2", d->log);
		if (system(cmd) != 0)
			fprintf(stderr, "(cannot show it)\n");
		exit(1);
	}
	return t;
}

void daemon_stop(struct daemon *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	if (bench_wait(d->pid, 60) == -1)
		note("rtmd (%s) did not stop within 60 s of SIGTERM; killed", d->name);
	d->pid = -1;
}

int daemon_status(const struct daemon *d, struct rt_status *st)
{
	return status_once(d->sock, st);
}

long log_count(const struct daemon *d, const char *needle)
{
	char line[1024];
	long n = 0;
	FILE *f = fopen(d->log, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

long long file_size(const char *path, long long *allocated)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return -1;
	if (allocated)
		*allocated = (long long)sb.st_blocks * 512;
	return (long long)sb.st_size;
}

void daemon_store(const struct daemon *d, const char *which, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s.store", d->state, which);
}

/* ---- statistics -------------------------------------------------------------------- */

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void stats_of(double *v, size_t n, struct stats *s)
{
	double sum = 0;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n) {
		s->p50 = s->p99 = s->max = s->mean = NAN;
		return;
	}
	qsort(v, n, sizeof(*v), dbl_cmp);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	/* nearest rank */
	s->p50 = v[(size_t)ceil(0.50 * (double)n) - 1];
	s->p99 = v[(size_t)ceil(0.99 * (double)n) - 1];
	s->max = v[n - 1];
	s->mean = sum / (double)n;
}

/* ---- results ------------------------------------------------------------------------ */

struct figure {
	char id[48], label[100], unit[16], section[64];
	double value;
	char *cmd, *note;
};

struct tgt {
	char text[160], measured[400];
	int met;
};

static struct figure *figs;
static size_t n_figs, cap_figs;
static struct tgt *tgts;
static size_t n_tgts, cap_tgts;
static char cur_section[64];

void section(const char *title)
{
	snprintf(cur_section, sizeof(cur_section), "%s", title);
	fprintf(stderr, "== %s\n", title);
}

void fig(const char *id, const char *label, double value, const char *unit, const char *cmd,
         const char *notefmt, ...)
{
	struct figure *f;
	char buf[512] = "";

	if (n_figs == cap_figs) {
		cap_figs = cap_figs ? cap_figs * 2 : 64;
		figs = realloc(figs, cap_figs * sizeof(*figs));
		if (!figs)
			die("out of memory");
	}
	f = &figs[n_figs++];
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->label, sizeof(f->label), "%s", label);
	snprintf(f->unit, sizeof(f->unit), "%s", unit);
	snprintf(f->section, sizeof(f->section), "%s", cur_section);
	f->value = value;
	f->cmd = strdup(cmd ? cmd : "");
	if (notefmt) {
		va_list ap;

		va_start(ap, notefmt);
		vsnprintf(buf, sizeof(buf), notefmt, ap);
		va_end(ap);
	}
	f->note = strdup(buf);
	if (!f->cmd || !f->note)
		die("out of memory");
	if (isnan(value))
		fprintf(stderr, "  %-56s not measured: %s\n", label, buf);
	else
		fprintf(stderr, "  %-56s %14.6g %s\n", label, value, unit);
}

double fig_value(const char *id)
{
	for (size_t i = 0; i < n_figs; i++)
		if (strcmp(figs[i].id, id) == 0)
			return figs[i].value;
	return NAN;
}

void target(const char *text, int met, const char *measuredfmt, ...)
{
	va_list ap;
	struct tgt *t;

	if (n_tgts == cap_tgts) {
		cap_tgts = cap_tgts ? cap_tgts * 2 : 16;
		tgts = realloc(tgts, cap_tgts * sizeof(*tgts));
		if (!tgts)
			die("out of memory");
	}
	t = &tgts[n_tgts++];
	snprintf(t->text, sizeof(t->text), "%s", text);
	va_start(ap, measuredfmt);
	vsnprintf(t->measured, sizeof(t->measured), measuredfmt, ap);
	va_end(ap);
	t->met = met;
}

static void fmt_value(const struct figure *f, char *buf, size_t cap)
{
	double v = f->value;

	if (isnan(v))
		snprintf(buf, cap, "n/a");
	else if (fabs(v) >= 1e6)
		snprintf(buf, cap, "%.3f M", v / 1e6);
	else if (fabs(v) >= 1000 || v == floor(v))
		snprintf(buf, cap, "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(buf, cap, "%.1f", v);
	else
		snprintf(buf, cap, "%.3g", v);
}

static char *read_first_line(const char *cmd)
{
	static char buf[256];
	FILE *p = popen(cmd, "r");

	buf[0] = 0;
	if (p) {
		if (!fgets(buf, sizeof(buf), p))
			buf[0] = 0;
		pclose(p);
	}
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void machine(json_object *m, FILE *out)
{
	char line[512], model[256] = "unknown", cmd[600], fs[256];
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), memkb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
			snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = 0;
			break;
		}
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "r");
	if (f) {
		if (fscanf(f, "MemTotal: %ld", &memkb) != 1)
			memkb = -1;
		fclose(f);
	}
	uname(&u);
	snprintf(cmd, sizeof(cmd), "findmnt -n -o FSTYPE,SOURCE -T '%s' 2>/dev/null", B.dir);
	snprintf(fs, sizeof(fs), "%s", read_first_line(cmd));
	json_object_object_add(m, "nproc", json_object_new_int((int)ncpu));
	json_object_object_add(m, "cpu_model", json_object_new_string(model));
	json_object_object_add(m, "kernel", json_object_new_string(u.release));
	json_object_object_add(m, "machine", json_object_new_string(u.machine));
	json_object_object_add(m, "mem_total_kb", json_object_new_int64(memkb));
	json_object_object_add(m, "filesystem", json_object_new_string(fs));
	json_object_object_add(m, "tmpdir", json_object_new_string(B.dir));
	fprintf(out, "machine: %ld CPUs, %s, Linux %s %s, %ld MiB RAM; state files on %s\n", ncpu,
	        model, u.release, u.machine, memkb / 1024, fs);
}

void results_finish(const char *json_path, double elapsed_s)
{
	json_object *root = json_object_new_object(), *jf = json_object_new_array(),
	            *jt = json_object_new_array(), *m = json_object_new_object();
	char date[64];
	time_t t = time(NULL);
	const char *sec = "";

	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	printf("\nrtmd benchmark (make bench), %s, %.0f s\n", date, elapsed_s);
	printf("harness: %s\n", B.self);
	printf("$D = %s (removed at the end)\n", B.dir);
	machine(m, stdout);
	for (size_t i = 0; i < n_figs; i++) {
		struct figure *f = &figs[i];
		char v[32];
		json_object *o = json_object_new_object();

		if (strcmp(sec, f->section)) {
			sec = f->section;
			printf("\n%s\n", sec);
		}
		fmt_value(f, v, sizeof(v));
		printf("  %-58s %12s %-9s %s\n", f->label, v, f->unit, f->cmd);
		if (f->note[0])
			printf("  %-58s %12s %-9s (%s)\n", "", "", "", f->note);
		json_object_object_add(o, "id", json_object_new_string(f->id));
		json_object_object_add(o, "section", json_object_new_string(f->section));
		json_object_object_add(o, "label", json_object_new_string(f->label));
		json_object_object_add(o, "value", isnan(f->value) ? NULL : json_object_new_double(f->value));
		json_object_object_add(o, "unit", json_object_new_string(f->unit));
		json_object_object_add(o, "command", json_object_new_string(f->cmd));
		json_object_object_add(o, "note", json_object_new_string(f->note));
		json_object_array_add(jf, o);
	}
	printf("\nissue 7 targets\n");
	for (size_t i = 0; i < n_tgts; i++) {
		json_object *o = json_object_new_object();
		const char *met = tgts[i].met == 1 ? "MET" : tgts[i].met == 0 ? "NOT MET" : "UNKNOWN";

		printf("  %-7s %-66s %s\n", met, tgts[i].text, tgts[i].measured);
		json_object_object_add(o, "target", json_object_new_string(tgts[i].text));
		json_object_object_add(o, "met", tgts[i].met < 0 ? NULL : json_object_new_boolean(tgts[i].met));
		json_object_object_add(o, "measured", json_object_new_string(tgts[i].measured));
		json_object_array_add(jt, o);
	}
	json_object_object_add(root, "date", json_object_new_string(date));
	json_object_object_add(root, "harness_command", json_object_new_string(B.self));
	json_object_object_add(root, "duration_s", json_object_new_double(elapsed_s));
	json_object_object_add(root, "machine", m);
	json_object_object_add(root, "figures", jf);
	json_object_object_add(root, "targets", jt);
	if (json_path) {
		char tmp[600];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", json_path);
		f = fopen(tmp, "w");
		if (!f || fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
		                                                      JSON_C_TO_STRING_NOSLASHESCAPE), f) < 0 ||
		    fputc('\n', f) == EOF || fclose(f) != 0 || rename(tmp, json_path) < 0)
			die("cannot write %s: %s (does its directory exist?)", json_path, strerror(errno));
		printf("\nresults written to %s\n", json_path);
	}
	json_object_put(root);
	fflush(stdout);
}
