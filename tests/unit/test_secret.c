/* Sealing bucket secrets: round trips, a fresh nonce per seal, tampering and the wrong key
 * refused, and the key taken from text or from a key file made on first use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/secret_box.h"

static void test_seal_open(void **state)
{
	(void)state;
	unsigned char key[SECRET_KEY_LEN], other[SECRET_KEY_LEN];
	char err[256];
	assert_int_equal(secret_key_load("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", NULL, key, err,
	                                 sizeof(err)),
	                 0);
	assert_int_equal(key[31], 0x1f);
	assert_int_equal(secret_key_load("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", NULL, other, err, sizeof(err)), 0);
	assert_memory_equal(key, other, SECRET_KEY_LEN);
	assert_int_equal(secret_key_load("too short", NULL, other, err, sizeof(err)), -1);

	char *a = secret_seal(key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	char *b = secret_seal(key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	assert_non_null(a);
	assert_string_not_equal(a, b); /* a fresh nonce each time */
	assert_null(strstr(a, "EXAMPLEKEY"));
	char *plain = secret_open(key, a);
	assert_string_equal(plain, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	secret_free(plain);
	char *empty = secret_seal(key, "");
	plain = secret_open(key, empty);
	assert_string_equal(plain, "");
	secret_free(plain);

	/* tampered, truncated, foreign or under another key: refused */
	other[0] ^= 1;
	assert_null(secret_open(other, a));
	char *t = strdup(a);
	t[10] = t[10] == 'A' ? 'B' : 'A';
	assert_null(secret_open(key, t));
	t[strlen(t) - 6] = '\0';
	assert_null(secret_open(key, t));
	assert_null(secret_open(key, "plaintext"));
	assert_null(secret_open(key, "v1:"));
	assert_null(secret_open(key, "v1:!!!"));
	free(t);
	free(a);
	free(b);
	free(empty);
}

static void test_key_file(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "/tmp/lakehouse-secret-test-%d.key", (int)getpid());
	unlink(path);
	unsigned char k1[SECRET_KEY_LEN], k2[SECRET_KEY_LEN];
	char err[256];
	assert_int_equal(secret_key_load(NULL, path, k1, err, sizeof(err)), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(secret_key_load("", path, k2, err, sizeof(err)), 0); /* the same key again */
	assert_memory_equal(k1, k2, SECRET_KEY_LEN);
	FILE *f = fopen(path, "w");
	fputs("garbage\n", f);
	fclose(f);
	assert_int_equal(secret_key_load(NULL, path, k2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_open),
		cmocka_unit_test(test_key_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
