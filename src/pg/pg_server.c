/* The PostgreSQL port's threads. Every connection is in the pool's epoll set, armed for one event
 * at a time: the pool thread that gets it reads, handles the messages (answers are written
 * straight to the socket, blocking only that thread while the client reads slowly) and arms it
 * again, so no thread waits on an idle connection and a round trip takes no hand-off between
 * threads. The loop thread accepts, watches for hang-ups (which interrupt a running query), fires
 * statement timeouts when they are due (a timer armed for the earliest one) and once a second
 * looks for idle and login timeouts and the delayed answers of failed logins. */
#include "pg/pg_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "pg/pg_conn.h"
#include "pg/pg_wire.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/metrics.h"

#define MAX_LISTENERS 4
#define READ_CHUNK 65536
#define AUTH_TIMEOUT_MS 60000

struct user_secret {
	char name[256];
	unsigned char salt[16];
	unsigned char salted[SCRAM_KEY_LEN];
	bool ready;
};

struct pg_server {
	const struct config *cfg;
	struct engine *engine;
	struct pg_tls *tls;
	int listeners[MAX_LISTENERS];
	int nlisteners;
	int epfd;    /* the loop's: listeners and hang-ups */
	int pool_ep; /* the pool's: every connection, armed once per event */
	int stop;    /* eventfd in both sets, set when stopping */
	int timer;   /* timerfd in the loop's set: the earliest statement deadline */
	pthread_mutex_t timer_mu;
	int64_t timer_at_ms; /* what the timer is armed for; 0: disarmed */
	pthread_t loop;
	pthread_t *pool;
	int npool;
	atomic_bool quiescing, stopping;
	bool accept_paused; /* out of file descriptors: listeners unwatched until the next tick (loop) */

	pthread_mutex_t mu; /* the lists below */
	struct pg_conn *conns;
	int nconns;
	struct pg_conn *graveyard; /* closed by the pool, freed by the loop */
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

void pg_server_deadline(struct pg_server *s, int64_t deadline_ms)
{
	pthread_mutex_lock(&s->timer_mu);
	if (s->timer_at_ms == 0 || deadline_ms < s->timer_at_ms) {
		/* the monotonic clock is the one clock_mono_us reads */
		struct itimerspec at = {.it_value = {.tv_sec = deadline_ms / 1000, .tv_nsec = (deadline_ms % 1000) * 1000000}};
		if (timerfd_settime(s->timer, TFD_TIMER_ABSTIME, &at, NULL) == 0)
			s->timer_at_ms = deadline_ms;
	}
	pthread_mutex_unlock(&s->timer_mu);
}

/* --- socket I/O ----------------------------------------------------------------------------- */

/* Reads what is there into c->in: 1 read something, 0 nothing yet, -1 closed or failed. */
static int read_some(struct pg_conn *c)
{
	int got = 0;
	for (int rounds = 0; rounds < 64; rounds++) {
		if (c->in.len - c->in_off > pg_message_max(c) + 16)
			return 1; /* enough to act on; the handler refuses an oversized message */
		if (!buf_reserve(&c->in, READ_CHUNK))
			return -1;
		ssize_t n;
		if (c->ssl) {
			ERR_clear_error(); /* SSL_get_error reads this thread's queue, which others' errors may fill */
			int r = SSL_read(c->ssl, c->in.data + c->in.len, READ_CHUNK);
			if (r > 0) {
				n = r;
			} else {
				int e = SSL_get_error(c->ssl, r);
				ERR_clear_error();
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					return got;
				c->ssl_failed = true;
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
		/* a short read emptied the socket: the level-triggered arm reports anything that follows */
		if (!c->ssl && n < READ_CHUNK)
			break;
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
	int64_t stalled_since = 0;
	while (off < c->out.len) {
		if (atomic_load(&c->gone))
			return -1;
		ssize_t n;
		bool want_write = false, want_read = false;
		if (c->ssl) {
			ERR_clear_error();
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
					c->ssl_failed = true;
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
		if (n > 0) {
			stalled_since = 0;
		} else if (!stalled_since) {
			stalled_since = now_ms();
		} else if (now_ms() - stalled_since > (int64_t)c->srv->cfg->pg_write_timeout_seconds * 1000) {
			/* a client that reads nothing for so long would hold this thread for good */
			log_warn("PostgreSQL client stopped reading", "pid=%d user=%s", c->pid, c->user);
			atomic_store(&c->gone, true);
			return -1;
		}
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
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Gives back what c holds, its socket included, leaving only its memory. */
static void conn_release(struct pg_conn *c)
{
	pg_conn_release(c);
	if (c->ssl) {
		/* close_notify only on a session that is up and sound; otherwise OpenSSL just queues errors */
		ERR_clear_error();
		if (!c->ssl_failed && SSL_is_init_finished(c->ssl))
			SSL_shutdown(c->ssl);
		ERR_clear_error();
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
	buf_free(&c->out);
}

/* Takes c out of both epoll sets and the server's list. */
static void conn_unlink(struct pg_server *s, struct pg_conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	epoll_ctl(s->pool_ep, EPOLL_CTL_DEL, c->fd, NULL);
	pthread_mutex_lock(&s->mu);
	for (struct pg_conn **p = &s->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	s->nconns--;
	metrics_pg_connection(-1);
	atomic_store(&c->retired, true);
	pthread_mutex_unlock(&s->mu);
}

/* Closes c from a pool thread. The loop may still hold an event naming c from its last
 * epoll_wait, so the memory goes on a list the loop frees before it waits again. */
static void retire(struct pg_server *s, struct pg_conn *c)
{
	conn_unlink(s, c);
	conn_release(c);
	pthread_mutex_lock(&s->mu);
	c->next = s->graveyard;
	s->graveyard = c;
	pthread_mutex_unlock(&s->mu);
}

/* Closes c from the loop thread, between two epoll_waits. */
static void close_now(struct pg_server *s, struct pg_conn *c)
{
	conn_unlink(s, c);
	conn_release(c);
	conn_free(c);
}

/* Hands c to the pool for its next event: exactly one pool thread gets it. */
static void arm(struct pg_server *s, struct pg_conn *c, uint32_t what)
{
	atomic_store(&c->busy, false);
	struct epoll_event ev = {.events = what | EPOLLRDHUP | EPOLLONESHOT, .data.ptr = c};
	if (epoll_ctl(s->pool_ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		/* never to be served again: close it rather than keep its slot */
		atomic_store(&c->busy, true);
		retire(s, c);
	}
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
	if (len < 4 || len > pg_message_max(c))
		return true;
	return avail >= head + len;
}

/* A short, non-blocking last word before closing. */
static void last_word(struct pg_conn *c)
{
	if (!c->out.len)
		return;
	if (!c->ssl) {
		if (send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* closing regardless */
		}
	} else {
		ERR_clear_error();
		if (SSL_write(c->ssl, c->out.data, (int)c->out.len) <= 0)
			c->ssl_failed = true;
		ERR_clear_error();
	}
}

/* --- the pool --------------------------------------------------------------------------------- */

static void serve_messages(struct pg_server *s, struct pg_conn *c);

/* The TLS handshake, stepped whenever the socket is ready. */
static void handshake(struct pg_server *s, struct pg_conn *c)
{
	if (!c->ssl) {
		c->ssl = SSL_new(s->tls->ctx);
		if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
			retire(s, c);
			return;
		}
	}
	ERR_clear_error();
	int r = SSL_accept(c->ssl);
	if (r == 1) {
		c->phase = PG_STARTUP;
		/* the startup packet may have come with the handshake's last flight, into OpenSSL's buffer */
		if (read_some(c) < 0)
			retire(s, c);
		else if (message_ready(c))
			serve_messages(s, c);
		else
			arm(s, c, EPOLLIN);
		return;
	}
	int e = SSL_get_error(c->ssl, r);
	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		arm(s, c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
		return;
	}
	log_info("PostgreSQL TLS handshake failed", "pid=%d", c->pid);
	c->ssl_failed = true;
	retire(s, c);
}

/* Handles the complete messages c holds, then arms it again, closes it or leaves it to the loop. */
static void serve_messages(struct pg_server *s, struct pg_conn *c)
{
	bool keep = !atomic_load(&c->gone) && pg_conn_handle(c);
	c->last_active_ms = now_ms();
	if (!keep) {
		c->phase = PG_CLOSING;
		if (c->close_at_ms > 0 && !atomic_load(&c->gone))
			atomic_store(&c->busy, false); /* the delayed answer goes out on a later tick */
		else
			retire(s, c);
		return;
	}
	if (c->phase == PG_HANDSHAKE)
		handshake(s, c);
	else
		arm(s, c, EPOLLIN);
}

/* One event of c, whose pool thread this is until c is armed again. */
static void serve(struct pg_server *s, struct pg_conn *c, uint32_t events)
{
	atomic_store(&c->busy, true);
	int kill = atomic_load(&c->kill);
	if (kill) {
		buf_reset(&c->out);
		if (kill == KILL_IDLE)
			log_info("PostgreSQL connection idle too long", "pid=%d user=%s", c->pid, c->user);
		pg_send_error(c, "FATAL", kill == KILL_IDLE ? "57P05" : "08006",
		              kill == KILL_IDLE ? "terminating connection due to idle-session timeout"
		                                : "canceling authentication due to timeout",
		              NULL, NULL, 0);
		last_word(c);
		retire(s, c);
		return;
	}
	if (c->phase == PG_HANDSHAKE) {
		handshake(s, c);
		return;
	}
	if (read_some(c) < 0) {
		retire(s, c);
		return;
	}
	c->last_active_ms = now_ms();
	if (message_ready(c))
		serve_messages(s, c);
	else if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		retire(s, c);
	else
		arm(s, c, EPOLLIN);
}

/* Pool threads wait in the pool's epoll set themselves (one of them is woken per event, the one
 * that waited last first), so a message is read, run and answered by one thread. */
static void *pool_main(void *arg)
{
	struct pg_server *s = arg;
	for (;;) {
		struct epoll_event ev;
		int n = epoll_wait(s->pool_ep, &ev, 1, -1);
		if (n <= 0)
			continue;
		if (ev.data.ptr == &s->stop) {
			uint64_t one = 1;
			if (write(s->stop, &one, sizeof(one)) < 0) {
				/* the next thread wakes by the counter already set */
			}
			return NULL;
		}
		serve(s, ev.data.ptr, ev.events);
	}
}

/* --- the loop --------------------------------------------------------------------------------- */

static void refuse(int fd, const char *sqlstate, const char *message)
{
	metrics_error(METRICS_POSTGRES, sqlstate);
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

/* Watches the listeners or stops watching them: a connection that cannot be accepted for want of
 * file descriptors stays pending, and a level-triggered listener would wake the loop forever. */
static void watch_listeners(struct pg_server *s, bool on)
{
	for (int i = 0; i < s->nlisteners; i++) {
		struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.ptr = &s->listeners[i]};
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->listeners[i], &ev);
	}
	s->accept_paused = !on;
}

static void accept_all(struct pg_server *s, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_warn("PostgreSQL connections wait: out of file descriptors", "error=\"%s\"", strerror(errno));
				watch_listeners(s, false);
			}
			return;
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
		/* a peer gone without a word is found in minutes, not the system's two hours */
		int idle = 120, interval = 15, probes = 4;
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
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
		if (atomic_load(&s->quiescing)) {
			/* pg_server_stop marks the listed connections under mu: this one would be missed */
			pthread_mutex_unlock(&s->mu);
			refuse(fd, "57P01", "the server is shutting down");
			conn_release(c);
			conn_free(c);
			continue;
		}
		c->pid = ++s->next_pid;
		if (c->pid <= 0)
			c->pid = s->next_pid = 1;
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
		metrics_pg_connection(1);
		pthread_mutex_unlock(&s->mu);
		/* the loop hears of hang-ups (edge-triggered: once), the pool of everything else */
		struct epoll_event hup = {.events = EPOLLRDHUP | EPOLLET, .data.ptr = c};
		struct epoll_event in = {.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data.ptr = c};
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &hup) < 0 || epoll_ctl(s->pool_ep, EPOLL_CTL_ADD, fd, &in) < 0)
			close_now(s, c);
	}
}

/* A hang-up: a query running for c is interrupted (one published later sees gone; see
 * set_running); an idle c is the pool's to close, which reads the end of the stream. */
static void on_hangup(struct pg_conn *c)
{
	if (atomic_load(&c->retired))
		return;
	atomic_store(&c->gone, true);
	pthread_mutex_lock(&c->mu);
	if (c->running)
		engine_query_interrupt(c->running);
	pthread_mutex_unlock(&c->mu);
}

/* The timer fired: statements past their deadline are interrupted, and the timer is armed for
 * the next deadline. */
static void statement_deadlines(struct pg_server *s)
{
	uint64_t expirations;
	if (read(s->timer, &expirations, sizeof(expirations)) < 0) {
		/* nothing to read: a re-arm raced the wake-up; the deadlines are checked anyway */
	}
	pthread_mutex_lock(&s->timer_mu);
	s->timer_at_ms = 0;
	pthread_mutex_unlock(&s->timer_mu);
	int64_t now = now_ms(), next = 0;
	pthread_mutex_lock(&s->mu);
	for (struct pg_conn *c = s->conns; c; c = c->next) {
		pthread_mutex_lock(&c->mu);
		if (c->running && c->deadline_ms > 0 && !c->timed_out) {
			if (now >= c->deadline_ms) {
				c->timed_out = true;
				engine_query_interrupt(c->running);
			} else if (next == 0 || c->deadline_ms < next) {
				next = c->deadline_ms;
			}
		}
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&s->mu);
	if (next)
		pg_server_deadline(s, next);
}

/* Once a second: delayed answers, idle and authentication timeouts, statement timeouts. An
 * idle or unauthenticated connection is armed in the pool's set, where the loop cannot take it:
 * shutting its reading side wakes a pool thread, which sees why and closes it. */
static void tick(struct pg_server *s)
{
	int64_t now = now_ms();
	struct pg_conn *due[64];
	int ndue = 0;
	pthread_mutex_lock(&s->mu);
	for (struct pg_conn *c = s->conns; c; c = c->next) {
		if (atomic_load(&c->busy)) {
			pthread_mutex_lock(&c->mu);
			if (c->running && c->deadline_ms > 0 && now >= c->deadline_ms && !c->timed_out) {
				c->timed_out = true;
				engine_query_interrupt(c->running);
			}
			pthread_mutex_unlock(&c->mu);
			continue;
		}
		if (c->close_at_ms > 0) {
			if (now >= c->close_at_ms && ndue < 64)
				due[ndue++] = c;
			continue;
		}
		bool idle = s->cfg->pg_idle_timeout_seconds > 0 && (c->phase == PG_READY || c->phase == PG_COPY_IN) &&
		            now - c->last_active_ms > (int64_t)s->cfg->pg_idle_timeout_seconds * 1000;
		bool unauthenticated = c->phase < PG_READY && now > c->auth_deadline_ms;
		if ((idle || unauthenticated) && !atomic_load(&c->kill)) {
			atomic_store(&c->kill, idle ? KILL_IDLE : KILL_AUTH);
			shutdown(c->fd, SHUT_RD);
		}
	}
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < ndue; i++) {
		last_word(due[i]);
		close_now(s, due[i]);
	}
	if (s->accept_paused)
		watch_listeners(s, true);
}

static void *loop_main(void *arg)
{
	struct pg_server *s = arg;
	struct epoll_event evs[128];
	int64_t last_tick = now_ms();
	while (!atomic_load(&s->stopping)) {
		/* no event of the last wait names these any more */
		pthread_mutex_lock(&s->mu);
		struct pg_conn *dead = s->graveyard;
		s->graveyard = NULL;
		pthread_mutex_unlock(&s->mu);
		while (dead) {
			struct pg_conn *next = dead->next;
			conn_free(dead);
			dead = next;
		}
		int n = epoll_wait(s->epfd, evs, 128, 250);
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &s->stop)
				continue;
			if (p == &s->timer) {
				statement_deadlines(s);
				continue;
			}
			bool listener = false;
			for (int k = 0; k < s->nlisteners; k++)
				if (p == &s->listeners[k]) {
					accept_all(s, s->listeners[k]);
					listener = true;
				}
			if (!listener)
				on_hangup(p);
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

/* Stops the pool threads (each one that sees the stop sets it again for the next, whom it may not
 * have woken) and the loop. */
static void stop_threads(struct pg_server *s, bool loop)
{
	atomic_store(&s->stopping, true);
	uint64_t one = 1;
	if (write(s->stop, &one, sizeof(one)) < 0) {
		/* the counter is already set */
	}
	for (int i = 0; i < s->npool; i++)
		pthread_join(s->pool[i], NULL);
	if (loop)
		pthread_join(s->loop, NULL);
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
	s->epfd = s->pool_ep = s->stop = s->timer = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->timer_mu, NULL);
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
	s->pool_ep = epoll_create1(EPOLL_CLOEXEC);
	s->stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->epfd < 0 || s->pool_ep < 0 || s->stop < 0 || s->timer < 0) {
		snprintf(err, errlen, "cannot start the event loop: %s", strerror(errno));
		goto fail;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->stop};
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->stop, &ev);
	epoll_ctl(s->pool_ep, EPOLL_CTL_ADD, s->stop, &ev);
	struct epoll_event tev = {.events = EPOLLIN, .data.ptr = &s->timer};
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->timer, &tev);
	for (int i = 0; i < s->nlisteners; i++) {
		struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &s->listeners[i]};
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listeners[i], &lev);
	}
	s->pool = calloc((size_t)cfg->pg_threads, sizeof(*s->pool));
	if (!s->pool) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < cfg->pg_threads && pthread_create(&s->pool[i], NULL, pool_main, s) == 0; i++)
		s->npool++;
	if (s->npool == 0 || pthread_create(&s->loop, NULL, loop_main, s) != 0) {
		snprintf(err, errlen, "cannot start the PostgreSQL threads");
		stop_threads(s, false);
		goto fail;
	}
	return s;
fail:
	for (int i = 0; i < s->nlisteners; i++)
		close(s->listeners[i]);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->pool_ep >= 0)
		close(s->pool_ep);
	if (s->stop >= 0)
		close(s->stop);
	if (s->timer >= 0)
		close(s->timer);
	pg_tls_close(s->tls);
	free(s->pool);
	pthread_mutex_destroy(&s->timer_mu);
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
	stop_threads(s, true);
	while (s->conns) {
		struct pg_conn *c = s->conns;
		s->conns = c->next;
		conn_release(c);
		conn_free(c);
	}
	while (s->graveyard) {
		struct pg_conn *c = s->graveyard;
		s->graveyard = c->next;
		conn_free(c);
	}
	for (int i = 0; i < s->nlisteners; i++)
		close(s->listeners[i]);
	close(s->epfd);
	close(s->pool_ep);
	close(s->stop);
	close(s->timer);
	pg_tls_close(s->tls);
	free(s->pool);
	pthread_mutex_destroy(&s->timer_mu);
	if (s->secrets)
		OPENSSL_cleanse(s->secrets, s->nsecrets * sizeof(*s->secrets));
	free(s->secrets);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->secrets_mu);
	free(s);
}
