/* The S3 driver's pure parts: SigV4 signatures against AWS's published examples (GET with a
 * range, PUT with extra headers, a listing with a query string), URI and query canonicalisation,
 * and reading ListObjectsV2 pages and error documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "storage/s3_sign.h"
#include "storage/s3_xml.h"

#define AKID "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define HOST "examplebucket.s3.amazonaws.com"
#define SCOPE "Credential=" AKID "/20130524/us-east-1/s3/aws4_request"

static void test_sign_get_object_with_range(void **state)
{
	(void)state;
	struct s3_header h[] = {{"range", "bytes=0-9"}};
	struct s3_sign_input in = {"GET", HOST, "/test.txt", "", h, 1, S3_EMPTY_SHA256, "20130524T000000Z",
	                           "us-east-1", "s3", AKID, SECRET, NULL};
	char auth[512];
	assert_int_equal(s3_sign(&in, auth, sizeof(auth)), 0);
	assert_string_equal(auth, "AWS4-HMAC-SHA256 " SCOPE ",SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
	                          "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

static void test_sign_put_object(void **state)
{
	(void)state;
	char payload_hash[65];
	const char *body = "Welcome to Amazon S3.";
	s3_sha256_hex(body, strlen(body), payload_hash);
	assert_string_equal(payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	buf path;
	buf_init(&path);
	buf_putc(&path, '/');
	s3_uri_encode(&path, "test$file.text", true);
	buf_putc(&path, '\0');
	assert_string_equal(path.data, "/test%24file.text");
	struct s3_header h[] = {{"x-amz-storage-class", "REDUCED_REDUNDANCY"}, {"date", "Fri, 24 May 2013 00:00:00 GMT"}};
	struct s3_sign_input in = {"PUT", HOST, path.data, "", h, 2, payload_hash, "20130524T000000Z",
	                           "us-east-1", "s3", AKID, SECRET, NULL};
	char auth[512];
	assert_int_equal(s3_sign(&in, auth, sizeof(auth)), 0);
	assert_string_equal(auth, "AWS4-HMAC-SHA256 " SCOPE
	                          ",SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
	                          "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	buf_free(&path);
}

static void test_sign_list_objects(void **state)
{
	(void)state;
	struct s3_query_param q[] = {{"prefix", "J"}, {"max-keys", "2"}};
	buf query;
	buf_init(&query);
	s3_query_string(&query, q, 2);
	buf_putc(&query, '\0');
	assert_string_equal(query.data, "max-keys=2&prefix=J");
	struct s3_sign_input in = {"GET", HOST, "/", query.data, NULL, 0, S3_EMPTY_SHA256, "20130524T000000Z",
	                           "us-east-1", "s3", AKID, SECRET, NULL};
	char auth[512];
	assert_int_equal(s3_sign(&in, auth, sizeof(auth)), 0);
	assert_string_equal(auth, "AWS4-HMAC-SHA256 " SCOPE ",SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
	                          "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
	buf_free(&query);
}

static void test_sign_inputs(void **state)
{
	(void)state;
	/* a session token is signed; so a request with one differs from one without */
	struct s3_sign_input in = {"GET", HOST, "/k", "", NULL, 0, S3_UNSIGNED_PAYLOAD, "20130524T000000Z",
	                           "auto", "s3", AKID, SECRET, "token/with+chars="};
	char a[512], b[512];
	assert_int_equal(s3_sign(&in, a, sizeof(a)), 0);
	assert_non_null(strstr(a, "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
	assert_non_null(strstr(a, "/20130524/auto/s3/aws4_request"));
	in.session_token = NULL;
	assert_int_equal(s3_sign(&in, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	/* too small an output, a malformed date */
	assert_int_equal(s3_sign(&in, a, 40), -1);
	in.amz_date = "2013";
	assert_int_equal(s3_sign(&in, a, sizeof(a)), -1);

	buf e;
	buf_init(&e);
	s3_uri_encode(&e, "a b/c+d~e_f.g-h=%\xc3\xa9", false);
	buf_putc(&e, '\0');
	assert_string_equal(e.data, "a%20b%2Fc%2Bd~e_f.g-h%3D%25%C3%A9");
	buf_reset(&e);
	struct s3_query_param q[] = {{"uploads", ""}, {"prefix", "1/data-"}, {"continuation-token", "a+b/c"},
	                             {"list-type", "2"}};
	s3_query_string(&e, q, 4);
	buf_putc(&e, '\0');
	assert_string_equal(e.data, "continuation-token=a%2Bb%2Fc&list-type=2&prefix=1%2Fdata-&uploads=");
	buf_free(&e);

	char date[17];
	s3_amz_date(1369353600, date);
	assert_string_equal(date, "20130524T000000Z");
	char md5[33];
	s3_md5_hex("", 0, md5);
	assert_string_equal(md5, "d41d8cd98f00b204e9800998ecf8427e");
}

static void test_xml_listing(void **state)
{
	(void)state;
	const char *xml =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>lake</Name><Prefix>p/</Prefix>"
		"<KeyCount>3</KeyCount><MaxKeys>3</MaxKeys><IsTruncated>true</IsTruncated>"
		"<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
		"<Contents><Key>p/a&amp;b &lt;1&gt;.parquet</Key><LastModified>2026-12-01T20:17:04.500Z</LastModified>"
		"<ETag>&quot;b1946ac92492d2347c6235b4d2611184&quot;</ETag><Size>6</Size></Contents>"
		"<Contents><Key>p/caf&#xe9;&#233;</Key><Size>12345678901</Size></Contents>"
		"<Contents><Key>p/no-size</Key></Contents>"
		"<Contents><Key>p/bad-size</Key><Size>-1</Size></Contents>"
		"</ListBucketResult>";
	struct store_object objs[4];
	struct s3_list_page page = {.objects = objs, .max = 4};
	assert_int_equal(s3_xml_list(xml, strlen(xml), &page), 0);
	assert_int_equal(page.n, 2);
	assert_true(page.truncated);
	assert_string_equal(page.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	assert_string_equal(objs[0].key, "p/a&b <1>.parquet");
	assert_int_equal(objs[0].size, 6);
	assert_int_equal(objs[0].mtime_us, 1796156224500000LL);
	assert_string_equal(objs[1].key, "p/caf\xc3\xa9\xc3\xa9");
	assert_int_equal(objs[1].size, 12345678901ULL);
	assert_int_equal(objs[1].mtime_us, -1);

	/* a page smaller than the listing says it is truncated */
	page.max = 1;
	assert_int_equal(s3_xml_list(xml, strlen(xml), &page), 0);
	assert_int_equal(page.n, 1);
	assert_true(page.truncated);

	const char *empty = "<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>";
	page.max = 4;
	assert_int_equal(s3_xml_list(empty, strlen(empty), &page), 0);
	assert_int_equal(page.n, 0);
	assert_false(page.truncated);

	const char *notlisting = "<Error><Code>NoSuchBucket</Code></Error>";
	assert_int_equal(s3_xml_list(notlisting, strlen(notlisting), &page), -1);
	/* cut anywhere, the listing parses or is refused, never read past its end */
	for (size_t cut = 0; cut < strlen(xml); cut++) {
		char *part = malloc(cut ? cut : 1);
		memcpy(part, xml, cut);
		page.max = 4;
		int rc = s3_xml_list(part, cut, &page);
		assert_true(rc == 0 || rc == -1);
		assert_true(page.n <= 2);
		free(part);
	}
}

static void test_xml_text_and_errors(void **state)
{
	(void)state;
	const char *err = "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate."
	                  "</Message><Key>a/b</Key><Empty/></Error>";
	char out[64];
	assert_true(s3_xml_text(err, strlen(err), "Code", out, sizeof(out)));
	assert_string_equal(out, "SlowDown");
	assert_true(s3_xml_text(err, strlen(err), "Empty", out, sizeof(out)));
	assert_string_equal(out, "");
	assert_false(s3_xml_text(err, strlen(err), "Missing", out, sizeof(out)));
	assert_false(s3_xml_text(err, strlen(err), "Message", out, 8)); /* does not fit */
	const char *bad[] = {"<Code>&bogus;</Code>", "<Code>&#0;</Code>", "<Code>&#x110000;</Code>", "<Code>&#xD800;</Code>",
	                     "<Code>&amp</Code>", "<Code>unterminated", "<Code", "<"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(s3_xml_text(bad[i], strlen(bad[i]), "Code", out, sizeof(out)));
	const char *up = "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId>"
	                 "</InitiateMultipartUploadResult>";
	assert_true(s3_xml_text(up, strlen(up), "UploadId", out, sizeof(out)));
	assert_string_equal(out, "VXBsb2FkIElE");

	assert_int_equal(s3_parse_time_us("1970-01-01T00:00:01Z"), 1000000);
	assert_int_equal(s3_parse_time_us("2026-12-01T20:17:04.000Z"), 1796156224000000LL);
	assert_int_equal(s3_parse_time_us("2026-12-01 20:17:04Z"), -1);
	assert_int_equal(s3_parse_time_us("2026-13-01T20:17:04Z"), -1);
	assert_int_equal(s3_parse_time_us("2026-12-01T20:17:04+01:00"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_get_object_with_range),
		cmocka_unit_test(test_sign_put_object),
		cmocka_unit_test(test_sign_list_objects),
		cmocka_unit_test(test_sign_inputs),
		cmocka_unit_test(test_xml_listing),
		cmocka_unit_test(test_xml_text_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
