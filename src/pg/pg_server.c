/* The PostgreSQL port's event loop and thread pool. The loop thread accepts, reads, runs TLS
 * handshakes and watches every connection that is not being served; when a connection holds a
 * complete message it goes to the pool, whose thread handles its messages (answers are written
 * straight to the socket, blocking only that thread while the client reads slowly) and hands it
 * back. While a connection is served the loop still watches it for a hang-up, which interrupts
 * its query, and for statement timeouts. */
#include "pg/pg_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "pg/pg_conn.h"
#include "pg/pg_wire.h"
#include "util/clock.h"
#include "util/log.h"

#define MAX_LISTENERS 4
#define READ_CHUNK 65536
#define AUTH_TIMEOUT_MS 60000

struct user_secret {
	char name[256];
	unsigned char salt[16];
	unsigned char salted[SCRAM_KEY_LEN];
	bool ready;
};

/* A pool thread; idle ones wait on their own semaphore, most recently idle first, so the work
 * goes to the few threads whose caches are warm and the rest stay asleep. */
struct pool_thread {
	struct pg_server *s;
	pthread_t t;
	sem_t sem;
	struct pg_conn *job; /* set before sem is posted; NULL: stop */
	struct pool_thread *next_idle;
};

struct pg_server {
	const struct config *cfg;
	struct engine *engine;
	struct pg_tls *tls;
	int listeners[MAX_LISTENERS];
	int nlisteners;
	int epfd;
	int wake; /* eventfd: a connection came back from the pool, or stop */
	pthread_t loop;
	struct pool_thread *pool;
	int npool;
	atomic_bool quiescing, stopping;

	pthread_mutex_t mu; /* the lists below */
	struct pool_thread *idle;
	struct pg_conn *conns;
	int nconns;
	struct pg_conn **work; /* ring of connections waiting for a pool thread */
	size_t work_cap, work_head, work_len;
	struct pg_conn **back; /* connections the pool is done with, for the loop */
	size_t back_len, back_cap;
	int32_t next_pid;

	pthread_mutex_t secrets_mu;
	struct user_secret *secrets;
	size_t nsecrets;
	unsigned char decoy_salt[16];
	unsigned char decoy_salted[SCRAM_KEY_LEN];
	char spool[4200];
};

const struct config *pg_server_config(const struct pg_server *s) { return s->cfg; }
struct engine *pg_server_engine(const struct pg_server *s) { return s->engine; }
struct pg_tls *pg_server_tls(const struct pg_server *s) { return s->tls; }
const char *pg_server_spool_dir(const struct pg_server *s) { return s->spool; }

static int64_t now_ms(void) { return clock_mono_us() / 1000; }

/* --- socket I/O ----------------------------------------------------------------------------- */

/* Reads what is there into c->in: 1 read something, 0 nothing yet, -1 closed or failed. */
static int read_some(struct pg_conn *c)
{
	int got = 0;
	for (int rounds = 0; rounds < 64; rounds++) {
		if (c->in.len - c->in_off > (size_t)c->srv->cfg->pg_max_message + 16)
			return 1; /* enough to act on; the handler refuses an oversized message */
		if (!buf_reserve(&c->in, READ_CHUNK))
			return -1;
		ssize_t n;
		if (c->ssl) {
			int r = SSL_read(c->ssl, c->in.data + c->in.len, READ_CHUNK);
			if (r > 0) {
				n = r;
			} else {
				int e = SSL_get_error(c->ssl, r);
				ERR_clear_error();
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					return got;
				return -1;
			}
		} else {
			n = recv(c->fd, c->in.data + c->in.len, READ_CHUNK, 0);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return got;
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
		}
		c->in.len += (size_t)n;
		got = 1;
	}
	return got;
}

int pg_flush(struct pg_conn *c)
{
	if (buf_failed(&c->out)) {
		atomic_store(&c->gone, true);
		return -1;
	}
	size_t off = 0;
	while (off < c->out.len) {
		if (atomic_load(&c->gone))
			return -1;
		ssize_t n;
		bool want_write = false, want_read = false;
		if (c->ssl) {
			int r = SSL_write(c->ssl, c->out.data + off, (int)(c->out.len - off > (1u << 30) ? 1u << 30 : c->out.len - off));
			if (r > 0) {
				n = r;
			} else {
				int e = SSL_get_error(c->ssl, r);
				ERR_clear_error();
				if (e == SSL_ERROR_WANT_WRITE)
					want_write = true;
				else if (e == SSL_ERROR_WANT_READ)
					want_read = true;
				else {
					atomic_store(&c->gone, true);
					return -1;
				}
				n = 0;
			}
		} else {
			n = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					want_write = true;
				else if (errno != EINTR) {
					atomic_store(&c->gone, true);
					return -1;
				}
				n = 0;
			}
		}
		off += (size_t)n;
		if (want_write || want_read) {
			/* the client reads slowly: wait here, watching for it to go away */
			struct pollfd p = {c->fd, (short)(want_read ? POLLIN : POLLOUT), 0};
			int pr = poll(&p, 1, 1000);
			if (pr > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
				atomic_store(&c->gone, true);
				return -1;
			}
		}
	}
	buf_reset(&c->out);
	return 0;
}

/* --- connections ------------------------------------------------------------------------------ */

static void conn_free(struct pg_conn *c)
{
	pg_conn_release(c);
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Takes c off the server's list and closes it (loop thread, c not busy). */
static void conn_close(struct pg_server *s, struct pg_conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	pthread_mutex_lock(&s->mu);
	for (struct pg_conn **p = &s->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	s->nconns--;
	pthread_mutex_unlock(&s->mu);
	conn_free(c);
}

static void watch(struct pg_server *s, struct pg_conn *c, bool reading)
{
	struct epoll_event ev = {.events = (reading ? EPOLLIN : 0) | EPOLLRDHUP, .data.ptr = c};
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Whether c->in holds a complete message (or startup packet) to act on. */
static bool message_ready(struct pg_conn *c)
{
	size_t avail = c->in.len - c->in_off;
	const unsigned char *p = (const unsigned char *)c->in.data + c->in_off;
	size_t head = c->phase == PG_STARTUP ? 0 : 1;
	if (avail < head + 4)
		return false;
	uint32_t len = (uint32_t)p[head] << 24 | (uint32_t)p[head + 1] << 16 | (uint32_t)p[head + 2] << 8 | p[head + 3];
	/* a bad length is "ready": the handler refuses it */
	if (len < 4 || len > (uint64_t)c->srv->cfg->pg_max_message)
		return true;
	return avail >= head + len;
}

static void dispatch(struct pg_server *s, struct pg_conn *c)
{
	c->busy = true;
	watch(s, c, false);
	pthread_mutex_lock(&s->mu);
	struct pool_thread *w = s->idle;
	if (w) {
		s->idle = w->next_idle;
		w->job = c;
	} else {
		/* the ring holds every connection there can be, each at most once */
		s->work[(s->work_head + s->work_len++) % s->work_cap] = c;
	}
	pthread_mutex_unlock(&s->mu);
	if (w)
		sem_post(&w->sem);
}

static void *pool_main(void *arg)
{
	struct pool_thread *w = arg;
	struct pg_server *s = w->s;
	for (;;) {
		struct pg_conn *c = NULL;
		bool parked = false;
		pthread_mutex_lock(&s->mu);
		if (s->work_len) {
			c = s->work[s->work_head];
			s->work_head = (s->work_head + 1) % s->work_cap;
			s->work_len--;
		} else if (!atomic_load(&s->stopping)) {
			w->next_idle = s->idle;
			s->idle = w;
			parked = true;
		}
		pthread_mutex_unlock(&s->mu);
		if (!c) {
			if (!parked)
				return NULL;
			while (sem_wait(&w->sem) < 0 && errno == EINTR)
				;
			if (!(c = w->job))
				return NULL;
			w->job = NULL;
		}

		bool keep = !atomic_load(&c->gone) && pg_conn_handle(c);
		if (!keep)
			c->phase = PG_CLOSING;
		c->last_active_ms = now_ms();
		pthread_mutex_lock(&s->mu);
		s->back[s->back_len++] = c; /* room for every connection, as in the ring */
		pthread_mutex_unlock(&s->mu);
		uint64_t one = 1;
		if (write(s->wake, &one, sizeof(one)) < 0) {
			/* the loop also looks at the list on its next tick */
		}
	}
}

/* Stops the pool: a thread finds stopping set under mu and exits instead of parking, so those
 * parked before are all on the idle stack here; each is woken with no job. */
static void stop_pool(struct pg_server *s)
{
	atomic_store(&s->stopping, true);
	pthread_mutex_lock(&s->mu);
	while (s->idle) {
		struct pool_thread *w = s->idle;
		s->idle = w->next_idle;
		w->job = NULL;
		sem_post(&w->sem);
	}
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < s->npool; i++) {
		pthread_join(s->pool[i].t, NULL);
		sem_destroy(&s->pool[i].sem);
	}
}

/* --- the loop --------------------------------------------------------------------------------- */

static void refuse(int fd, const char *sqlstate, const char *message)
{
	buf b;
	buf_init(&b);
	size_t m = pgw_begin(&b, 'E');
	pgw_byte(&b, 'S');
	pgw_str(&b, "FATAL");
	pgw_byte(&b, 'V');
	pgw_str(&b, "FATAL");
	pgw_byte(&b, 'C');
	pgw_str(&b, sqlstate);
	pgw_byte(&b, 'M');
	pgw_str(&b, message);
	pgw_byte(&b, 0);
	pgw_end(&b, m);
	if (!buf_failed(&b) && send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* best effort: the connection closes either way */
	}
	buf_free(&b);
}

static void accept_all(struct pg_server *s, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (atomic_load(&s->quiescing)) {
			refuse(fd, "57P01", "the server is shutting down");
			close(fd);
			continue;
		}
		pthread_mutex_lock(&s->mu);
		bool full = s->nconns >= s->cfg->pg_max_connections;
		pthread_mutex_unlock(&s->mu);
		if (full) {
			refuse(fd, "53300", "sorry, too many clients already");
			close(fd);
			log_warn("PostgreSQL connection refused", "reason=too_many max=%d", s->cfg->pg_max_connections);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		struct pg_conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->srv = s;
		c->fd = fd;
		c->phase = PG_STARTUP;
		c->txn = 'I';
		buf_init(&c->in);
		buf_init(&c->out);
		pthread_mutex_init(&c->mu, NULL);
		c->last_active_ms = now_ms();
		c->auth_deadline_ms = c->last_active_ms + AUTH_TIMEOUT_MS;
		if (RAND_bytes((unsigned char *)&c->secret, sizeof(c->secret)) != 1)
			c->secret = (int32_t)clock_mono_us();
		pthread_mutex_lock(&s->mu);
		c->pid = ++s->next_pid;
		if (c->pid <= 0)
			c->pid = s->next_pid = 1;
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
		pthread_mutex_unlock(&s->mu);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			conn_close(s, c);
	}
}

/* The TLS handshake, stepped whenever the socket is ready. */
static void handshake(struct pg_server *s, struct pg_conn *c)
{
	int r = SSL_accept(c->ssl);
	if (r == 1) {
		c->phase = PG_STARTUP;
		/* the startup packet may have come with the handshake's last flight, into OpenSSL's buffer */
		if (read_some(c) < 0) {
			conn_close(s, c);
			return;
		}
		if (message_ready(c))
			dispatch(s, c);
		else
			watch(s, c, true);
		return;
	}
	int e = SSL_get_error(c->ssl, r);
	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ) {
		watch(s, c, true);
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		struct epoll_event ev = {.events = EPOLLOUT | EPOLLRDHUP, .data.ptr = c};
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
		return;
	}
	log_info("PostgreSQL TLS handshake failed", "pid=%d", c->pid);
	conn_close(s, c);
}

/* A connection the pool is done with: close it, step its handshake, or watch it again. */
static void take_back(struct pg_server *s, struct pg_conn *c)
{
	c->busy = false;
	if (c->phase == PG_CLOSING || atomic_load(&c->gone)) {
		if (c->close_at_ms > 0 && !atomic_load(&c->gone)) {
			watch(s, c, false); /* the delayed answer goes out on a later tick */
			return;
		}
		conn_close(s, c);
		return;
	}
	if (c->phase == PG_HANDSHAKE) {
		if (!c->ssl) {
			c->ssl = SSL_new(s->tls->ctx);
			if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
				conn_close(s, c);
				return;
			}
		}
		handshake(s, c);
		return;
	}
	if (message_ready(c))
		dispatch(s, c);
	else
		watch(s, c, true);
}

static void on_event(struct pg_server *s, struct pg_conn *c, uint32_t events)
{
	if (c->busy) {
		/* served by the pool: only a hang-up matters now */
		if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
			atomic_store(&c->gone, true);
			pthread_mutex_lock(&c->mu);
			if (c->running)
				engine_query_interrupt(c->running);
			pthread_mutex_unlock(&c->mu);
		}
		return;
	}
	if (c->close_at_ms > 0)
		return;
	if (c->phase == PG_HANDSHAKE) {
		handshake(s, c);
		return;
	}
	int r = read_some(c);
	if (r < 0) {
		conn_close(s, c);
		return;
	}
	c->last_active_ms = now_ms();
	if (message_ready(c))
		dispatch(s, c);
	else if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_close(s, c);
}

/* Once a second: delayed answers, idle and authentication timeouts, statement timeouts. */
static void tick(struct pg_server *s)
{
	int64_t now = now_ms();
	struct pg_conn *due[64];
	int ndue = 0;
	pthread_mutex_lock(&s->mu);
	for (struct pg_conn *c = s->conns; c && ndue < 64; c = c->next) {
		if (c->busy) {
			pthread_mutex_lock(&c->mu);
			if (c->running && c->deadline_ms > 0 && now >= c->deadline_ms && !c->timed_out) {
				c->timed_out = true;
				engine_query_interrupt(c->running);
			}
			pthread_mutex_unlock(&c->mu);
			continue;
		}
		bool idle = s->cfg->pg_idle_timeout_seconds > 0 && c->phase == PG_READY &&
		            now - c->last_active_ms > (int64_t)s->cfg->pg_idle_timeout_seconds * 1000;
		bool unauthenticated = c->phase < PG_READY && now > c->auth_deadline_ms;
		if ((c->close_at_ms > 0 && now >= c->close_at_ms) || idle || unauthenticated)
			due[ndue++] = c;
	}
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < ndue; i++) {
		struct pg_conn *c = due[i];
		if (c->close_at_ms == 0) {
			buf_reset(&c->out);
			bool idle = c->phase == PG_READY;
			if (idle)
				log_info("PostgreSQL connection idle too long", "pid=%d user=%s", c->pid, c->user);
			pg_send_error(c, "FATAL", idle ? "57P05" : "08006",
			              idle ? "terminating connection due to idle-session timeout"
			                   : "canceling authentication due to timeout",
			              NULL, NULL, 0);
		}
		/* a short, non-blocking last word */
		if (!c->ssl && c->out.len && send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* closing regardless */
		} else if (c->ssl && c->out.len) {
			SSL_write(c->ssl, c->out.data, (int)c->out.len);
			ERR_clear_error();
		}
		conn_close(s, c);
	}
}

static void *loop_main(void *arg)
{
	struct pg_server *s = arg;
	struct epoll_event evs[128];
	int64_t last_tick = now_ms();
	while (!atomic_load(&s->stopping)) {
		int n = epoll_wait(s->epfd, evs, 128, 250);
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &s->wake) {
				uint64_t v;
				if (read(s->wake, &v, sizeof(v)) < 0) {
					/* nothing to drain */
				}
				continue;
			}
			bool listener = false;
			for (int k = 0; k < s->nlisteners; k++)
				if (p == &s->listeners[k]) {
					accept_all(s, s->listeners[k]);
					listener = true;
				}
			if (!listener)
				on_event(s, p, evs[i].events);
		}
		/* connections the pool handed back */
		for (;;) {
			pthread_mutex_lock(&s->mu);
			struct pg_conn *c = s->back_len ? s->back[--s->back_len] : NULL;
			pthread_mutex_unlock(&s->mu);
			if (!c)
				break;
			take_back(s, c);
		}
		int64_t now = now_ms();
		if (now - last_tick >= 1000) {
			last_tick = now;
			tick(s);
		}
	}
	return NULL;
}

/* --- cancel and secrets ---------------------------------------------------------------------- */

bool pg_server_cancel(struct pg_server *s, int32_t pid, int32_t secret)
{
	bool found = false;
	pthread_mutex_lock(&s->mu);
	for (struct pg_conn *c = s->conns; c; c = c->next) {
		if (c->pid != pid)
			continue;
		if (CRYPTO_memcmp(&c->secret, &secret, sizeof(secret)) == 0) {
			pthread_mutex_lock(&c->mu);
			if (c->running)
				engine_query_interrupt(c->running);
			pthread_mutex_unlock(&c->mu);
			found = true;
		}
		break;
	}
	pthread_mutex_unlock(&s->mu);
	return found;
}

void pg_server_scram_secret(struct pg_server *s, const char *user, unsigned char salted[SCRAM_KEY_LEN],
                            unsigned char salt[16], bool *known)
{
	*known = false;
	const char *password = NULL;
	for (size_t i = 0; i < s->cfg->n_users; i++)
		if (!strcmp(s->cfg->users[i].name, user))
			password = s->cfg->users[i].password;
	pthread_mutex_lock(&s->secrets_mu);
	if (!password) {
		/* an unknown user goes through the same exchange and fails at its end */
		memcpy(salted, s->decoy_salted, SCRAM_KEY_LEN);
		memcpy(salt, s->decoy_salt, 16);
		pthread_mutex_unlock(&s->secrets_mu);
		return;
	}
	for (size_t i = 0; i < s->nsecrets; i++) {
		if (!strcmp(s->secrets[i].name, user) && s->secrets[i].ready) {
			memcpy(salted, s->secrets[i].salted, SCRAM_KEY_LEN);
			memcpy(salt, s->secrets[i].salt, 16);
			*known = true;
			pthread_mutex_unlock(&s->secrets_mu);
			return;
		}
	}
	pthread_mutex_unlock(&s->secrets_mu);
	/* first login of this user in this process: salt it once (4096 rounds of PBKDF2) */
	struct user_secret u = {0};
	snprintf(u.name, sizeof(u.name), "%s", user);
	if (RAND_bytes(u.salt, sizeof(u.salt)) != 1 ||
	    pg_scram_salt_password(password, u.salt, sizeof(u.salt), SCRAM_ITERATIONS, u.salted) != 0) {
		memcpy(salted, s->decoy_salted, SCRAM_KEY_LEN);
		memcpy(salt, s->decoy_salt, 16);
		return;
	}
	u.ready = true;
	pthread_mutex_lock(&s->secrets_mu);
	bool stored = false;
	for (size_t i = 0; i < s->nsecrets && !stored; i++)
		if (!strcmp(s->secrets[i].name, user)) {
			u = s->secrets[i]; /* another thread was first: keep its salt */
			stored = true;
		}
	if (!stored) {
		struct user_secret *grown = realloc(s->secrets, (s->nsecrets + 1) * sizeof(*grown));
		if (grown) {
			s->secrets = grown;
			s->secrets[s->nsecrets++] = u;
		}
	}
	pthread_mutex_unlock(&s->secrets_mu);
	memcpy(salted, u.salted, SCRAM_KEY_LEN);
	memcpy(salt, u.salt, 16);
	*known = true;
	OPENSSL_cleanse(&u, sizeof(u));
}

/* --- start and stop -------------------------------------------------------------------------- */

static int listen_on(struct pg_server *s, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST};
	char port[16];
	snprintf(port, sizeof(port), "%d", s->cfg->pg_port);
	const char *host = strcmp(s->cfg->bind, "localhost") ? s->cfg->bind : "127.0.0.1";
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot use address %s: %s", s->cfg->bind, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *a = res; a && s->nlisteners < MAX_LISTENERS; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (a->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 512) != 0) {
			snprintf(err, errlen, "cannot listen on %s:%d: %s", s->cfg->bind, s->cfg->pg_port, strerror(errno));
			close(fd);
			continue;
		}
		s->listeners[s->nlisteners++] = fd;
	}
	freeaddrinfo(res);
	return s->nlisteners ? 0 : -1;
}

struct pg_server *pg_server_start(const struct config *cfg, struct engine *engine, struct lake_meta *meta, char *err,
                                  size_t errlen)
{
	(void)meta;
	struct pg_server *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->engine = engine;
	s->epfd = -1;
	s->wake = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->secrets_mu, NULL);
	char *real = realpath(cfg->data_dir, NULL);
	if (!real) {
		snprintf(err, errlen, "data directory %s: %s", cfg->data_dir, strerror(errno));
		goto fail;
	}
	snprintf(s->spool, sizeof(s->spool), "%.4000s/workers/pg-copy", real);
	char workers[4200];
	snprintf(workers, sizeof(workers), "%.4000s/workers", real);
	mkdir(workers, 0700);
	if (mkdir(s->spool, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", s->spool, strerror(errno));
		free(real);
		goto fail;
	}
	if (strcmp(cfg->pg_tls, "off") != 0 && !(s->tls = pg_tls_open(cfg->pg_tls_cert, cfg->pg_tls_key, real, err, errlen))) {
		free(real);
		goto fail;
	}
	free(real);
	if (RAND_bytes(s->decoy_salt, sizeof(s->decoy_salt)) != 1 ||
	    RAND_bytes(s->decoy_salted, sizeof(s->decoy_salted)) != 1) {
		snprintf(err, errlen, "cannot make random numbers");
		goto fail;
	}
	if (listen_on(s, err, errlen) < 0)
		goto fail;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->epfd < 0 || s->wake < 0) {
		snprintf(err, errlen, "cannot start the event loop: %s", strerror(errno));
		goto fail;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->wake};
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wake, &ev);
	for (int i = 0; i < s->nlisteners; i++) {
		struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &s->listeners[i]};
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listeners[i], &lev);
	}
	s->pool = calloc((size_t)cfg->pg_threads, sizeof(*s->pool));
	s->work_cap = s->back_cap = (size_t)cfg->pg_max_connections + 1;
	s->work = calloc(s->work_cap, sizeof(*s->work));
	s->back = calloc(s->back_cap, sizeof(*s->back));
	if (!s->pool || !s->work || !s->back) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < cfg->pg_threads; i++) {
		struct pool_thread *w = &s->pool[i];
		w->s = s;
		if (sem_init(&w->sem, 0, 0) != 0)
			break;
		if (pthread_create(&w->t, NULL, pool_main, w) != 0) {
			sem_destroy(&w->sem);
			break;
		}
		s->npool++;
	}
	if (s->npool == 0 || pthread_create(&s->loop, NULL, loop_main, s) != 0) {
		snprintf(err, errlen, "cannot start the PostgreSQL threads");
		stop_pool(s);
		goto fail;
	}
	return s;
fail:
	for (int i = 0; i < s->nlisteners; i++)
		close(s->listeners[i]);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->wake >= 0)
		close(s->wake);
	pg_tls_close(s->tls);
	free(s->pool);
	free(s->work);
	free(s->back);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->secrets_mu);
	free(s);
	return NULL;
}

void pg_server_quiesce(struct pg_server *s)
{
	if (!s)
		return;
	atomic_store(&s->quiescing, true);
}

void pg_server_stop(struct pg_server *s)
{
	if (!s)
		return;
	atomic_store(&s->quiescing, true);
	/* queries still running get interrupted; their threads hand the connections back */
	pthread_mutex_lock(&s->mu);
	for (struct pg_conn *c = s->conns; c; c = c->next) {
		atomic_store(&c->gone, true);
		pthread_mutex_lock(&c->mu);
		if (c->running)
			engine_query_interrupt(c->running);
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&s->mu);
	stop_pool(s);
	uint64_t one = 1;
	if (write(s->wake, &one, sizeof(one)) < 0) {
		/* the loop wakes by its timeout anyway */
	}
	pthread_join(s->loop, NULL);
	while (s->conns) {
		struct pg_conn *c = s->conns;
		s->conns = c->next;
		conn_free(c);
	}
	for (int i = 0; i < s->nlisteners; i++)
		close(s->listeners[i]);
	close(s->epfd);
	close(s->wake);
	pg_tls_close(s->tls);
	free(s->work);
	free(s->back);
	free(s->pool);
	if (s->secrets)
		OPENSSL_cleanse(s->secrets, s->nsecrets * sizeof(*s->secrets));
	free(s->secrets);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->secrets_mu);
	free(s);
}
