/* Latency of one statement repeated N times over one keep-alive connection: POST /query with a body
 * in which "{i}" becomes the request's number; prints p50, p99 and the mean in milliseconds and the
 * number of failed requests (a non-200 status or an error line in the stream). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct body {
	char *data;
	size_t len;
};

static size_t collect(char *p, size_t s, size_t n, void *u)
{
	struct body *b = u;
	char *grown = realloc(b->data, b->len + s * n + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, p, s * n);
	b->data = grown;
	b->len += s * n;
	b->data[b->len] = '\0';
	return s * n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s URL USER:PASSWORD BODY COUNT\n", argv[0]);
		return 2;
	}
	int count = atoi(argv[4]);
	double *ms = calloc((size_t)(count > 0 ? count : 1), sizeof(*ms));
	const char *tmpl = argv[3], *hole = strstr(tmpl, "{i}");
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_USERPWD, argv[2]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	int failed = 0;
	char req[8192];
	for (int i = 0; i < count; i++) {
		if (hole)
			snprintf(req, sizeof(req), "%.*s%d%s", (int)(hole - tmpl), tmpl, i, hole + 3);
		else
			snprintf(req, sizeof(req), "%s", tmpl);
		struct body b = {0};
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
		double t0 = now();
		CURLcode rc = curl_easy_perform(c);
		ms[i] = (now() - t0) * 1000;
		long status = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK || status != 200 || (b.data && strstr(b.data, "{\"error\"")))
			failed++;
		free(b.data);
	}
	qsort(ms, (size_t)count, sizeof(*ms), cmp);
	double sum = 0;
	for (int i = 0; i < count; i++)
		sum += ms[i];
	printf("%.3f %.3f %.3f %d\n", ms[count / 2], ms[(count * 99) / 100], sum / count, failed);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(ms);
	return 0;
}
