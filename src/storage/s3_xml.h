/* Reading the few XML documents S3 answers with: ListObjectsV2 pages, the upload id of a new
 * multipart upload, and error bodies. Pure functions over (text, length); whatever the input,
 * they read only inside it and fill bounded fields (a fuzz target calls them directly). */
#ifndef LAKEHOUSE_STORAGE_S3_XML_H
#define LAKEHOUSE_STORAGE_S3_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "storage/store.h"

/* Text of the first <tag>…</tag> at any depth, entities decoded, into out; false when absent,
 * malformed or longer than outlen - 1. */
bool s3_xml_text(const char *xml, size_t len, const char *tag, char *out, size_t outlen);

struct s3_list_page {
	struct store_object *objects; /* caller's array of `max` */
	size_t max, n;
	bool truncated;
	char next_token[1024]; /* NextContinuationToken, "" when none */
};

/* Parses a ListBucketResult: every <Contents> with a valid Key and a Size, in document order, up
 * to max (more set `truncated`). -1 when the document is not a listing. */
int s3_xml_list(const char *xml, size_t len, struct s3_list_page *page);

/* Microseconds since the epoch of an ISO 8601 UTC time such as 2026-12-01T20:17:04.000Z; -1
 * when it is not one. */
long long s3_parse_time_us(const char *s);

#endif
