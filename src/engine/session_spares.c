/* Kept connections for new sessions: opening a DuckDB connection, closing one and planning each
 * statement afresh cost a request without session_id more than the query itself (decision 48). */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

/* A session that ran nothing but queries, outside any transaction, leaves its connection as a new
 * one would be — with the same current catalog, settings and zone, no temporary objects — apart from
 * the SELECTs it prepared, which stay valid for whoever runs them next (stmt_cache.c). Spares are
 * kept per user, so even those cached plans never cross from one user to another. */
static bool reusable(const struct eng_session *s)
{
	return !s->altered && !s->broken && !s->own_macros && !s->timezone_stale && s->user &&
	       !s->lake.in_txn && !s->lake.txn_failed && s->lake.npending == 0 && s->lake.nheld == 0 &&
	       s->lake.npins == 0 && s->lake.objects.n == 0;
}

static struct eng_spares *pool_of(struct engine *e, const struct worker *w)
{
	return &e->spares[w - e->workers];
}

struct eng_session *eng_spare_take(struct engine *e, struct worker *w, const char *user)
{
	struct eng_spares *p = pool_of(e, w);
	struct eng_session *s = NULL;
	pthread_mutex_lock(&p->mu);
	for (size_t i = p->n; i-- > 0;) {
		if (strcmp(p->v[i]->user, user) == 0) {
			s = p->v[i];
			memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(p->v[0]));
			p->n--;
			break;
		}
	}
	pthread_mutex_unlock(&p->mu);
	if (s)
		s->entry = NULL;
	return s;
}

struct eng_session *eng_spare_offer(struct engine *e, struct eng_session *s)
{
	if (!s || !reusable(s))
		return s;
	struct eng_spares *p = pool_of(e, s->w);
	struct eng_session *out = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->n == ENG_SPARES) {
		out = p->v[0];
		memmove(&p->v[0], &p->v[1], (p->n - 1) * sizeof(p->v[0]));
		p->n--;
	}
	p->v[p->n++] = s;
	pthread_mutex_unlock(&p->mu);
	return out;
}

void eng_spares_init(struct engine *e)
{
	for (int i = 0; i < COMPUTE_SIZES; i++)
		pthread_mutex_init(&e->spares[i].mu, NULL);
}

void eng_spares_free(struct engine *e, void (*destroy)(void *session))
{
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		struct eng_spares *p = &e->spares[i];
		for (size_t k = 0; k < p->n; k++)
			destroy(p->v[k]);
		p->n = 0;
		pthread_mutex_destroy(&p->mu);
	}
}
