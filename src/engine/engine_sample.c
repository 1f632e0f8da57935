/* What /metrics reads of the engine at scrape time: state the engine keeps anyway (slots, sessions,
 * the catalog list) and DuckDB's own memory figures, so nothing is counted on the query path. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

int engine_sample(struct engine *e, struct eng_sample *out)
{
	memset(out, 0, sizeof(*out));
	bool open[COMPUTE_SIZES];
	pthread_mutex_lock(&e->open_mu);
	for (int i = 0; i < COMPUTE_SIZES; i++)
		open[i] = e->workers[i].open;
	size_t n = e->ncatalogs;
	out->catalogs = calloc(n ? n : 1, sizeof(*out->catalogs));
	for (size_t i = 0; out->catalogs && i < n; i++) {
		out->catalogs[i].id = e->catalogs[i].id;
		char *name = strdup(e->catalogs[i].name);
		if (!name)
			break;
		out->catalogs[i].name = name;
		out->ncatalogs++;
	}
	pthread_mutex_unlock(&e->open_mu);
	if (!out->catalogs || out->ncatalogs < n) {
		engine_sample_free(out);
		return -1;
	}
	/* Workers close only when the engine does, after the doors stopped. */
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		struct eng_worker_sample *ws = &out->workers[i];
		if (!open[i])
			continue;
		struct worker *w = &e->workers[i];
		ws->slug = w->slug;
		ws->slots = w->slots;
		ws->memory_limit = e->cfg->workers[i].memory_bytes;
		worker_slot_counts(w, &ws->running, &ws->waiting);
		worker_memory_sample(w, &ws->memory_bytes, &ws->temp_bytes);
	}
	out->sessions = sess_registry_count(e->sessions);
	out->sessions_max = (size_t)e->cfg->max_sessions;
	return 0;
}

void engine_sample_free(struct eng_sample *s)
{
	for (size_t i = 0; i < s->ncatalogs; i++)
		free((char *)s->catalogs[i].name);
	free(s->catalogs);
	s->catalogs = NULL;
	s->ncatalogs = 0;
}
