/* Fuzz target for S3's XML answers: listings, single elements and times. Whatever the bytes, the
 * parser stays inside them and keeps its output within bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "storage/s3_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *xml = (const char *)data;
	struct store_object objs[8];
	struct s3_list_page page = {.objects = objs, .max = 8};
	if (s3_xml_list(xml, size, &page) == 0 && page.n > page.max)
		__builtin_trap();
	char out[64];
	if (s3_xml_text(xml, size, "Code", out, sizeof(out)) && strlen(out) >= sizeof(out))
		__builtin_trap();
	s3_xml_text(xml, size, "UploadId", out, 1);
	char t[40];
	size_t n = size < sizeof(t) - 1 ? size : sizeof(t) - 1;
	memcpy(t, data, n);
	t[n] = '\0';
	s3_parse_time_us(t);
	return 0;
}
