/* Load generator: N threads, each with one keep-alive connection, POST /query in a loop for a fixed
 * time; prints requests per second. Used for the SELECT 1 round-trip benchmark. A body containing
 * "{session}" gets a session id of its own per thread there, so each client keeps one session;
 * "{client}" becomes the thread's number (0 … N-1). A request fails on a status other than 200 or
 * an NDJSON line {"error": …} in its answer. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct worker {
	int index;
	const char *url;
	const char *userpwd;
	const char *body;
	double seconds;
	long done;
	long failed;
};

/* Whether an answer holds an error line, read as it streams in. */
struct answer {
	bool line_start;
	size_t matched; /* bytes of ERROR_LINE seen at the start of the current line */
	bool error;
};

static const char ERROR_LINE[] = "{\"error\"";

static size_t scan(char *p, size_t s, size_t n, void *u)
{
	struct answer *a = u;
	for (size_t i = 0; i < s * n; i++) {
		if (p[i] == '\n') {
			a->line_start = true;
			a->matched = 0;
		} else if (a->line_start && p[i] == ERROR_LINE[a->matched]) {
			if (++a->matched == sizeof(ERROR_LINE) - 1) {
				a->error = true;
				a->line_start = false;
			}
		} else {
			a->line_start = false;
		}
	}
	return s * n;
}

/* body with each {name} replaced by value, into out. */
static void substitute(char *out, size_t outlen, const char *body, const char *name, const char *value)
{
	size_t k = 0, nl = strlen(name);
	for (const char *b = body; *b && k + 1 < outlen;) {
		if (!strncmp(b, name, nl)) {
			k += (size_t)snprintf(out + k, outlen - k, "%s", value);
			if (k >= outlen)
				k = outlen - 1;
			b += nl;
		} else {
			out[k++] = *b++;
		}
	}
	out[k] = '\0';
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_USERPWD, w->userpwd);
	char body[4096], step[4096], value[64];
	snprintf(value, sizeof(value), "00000000-0000-4000-8000-%012d", w->index);
	substitute(step, sizeof(step), w->body, "{session}", value);
	snprintf(value, sizeof(value), "%d", w->index);
	substitute(body, sizeof(body), step, "{client}", value);
	struct answer a;
	curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, scan);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	double end = now() + w->seconds;
	while (now() < end) {
		long status = 0;
		a = (struct answer){true, 0, false};
		if (curl_easy_perform(c) == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
		    status == 200 && !a.error)
			w->done++;
		else
			w->failed++;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: %s URL user:password JSON-body threads seconds\n", argv[0]);
		return 2;
	}
	int n = atoi(argv[4]);
	double secs = atof(argv[5]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct worker *w = calloc((size_t)n, sizeof(*w));
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	for (int i = 0; i < n; i++) {
		w[i] = (struct worker){i, argv[1], argv[2], argv[3], secs, 0, 0};
		pthread_create(&t[i], NULL, run, &w[i]);
	}
	long done = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		done += w[i].done;
		failed += w[i].failed;
	}
	printf("%.1f %ld %ld\n", (double)done / secs, done, failed);
	free(w);
	free(t);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
