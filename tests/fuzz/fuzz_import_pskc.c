/*
 * fuzz_import_pskc.c - libFuzzer target for the PSKC parser (libxml2,
 * the PSKC schema, then libpskc). Seed corpus: corpus/import_pskc/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_set set;
	char err[256];
	char *buf;
	int r;

	/* The parser takes a length, but callers hand it a NUL-terminated
	 * file: fuzz what they pass. */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&set, 0, sizeof(set));
	r = import_pskc_parse(buf, size, NULL, &set, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	import_set_free(&set);
	/* A file that parses: once more through the --user/--serial paths. */
	if (r == MFA_OK) {
		struct import_pskc_opts opts = {.user = "fuzz", .serial = "987654321", .force = true};

		import_pskc_parse(buf, size, &opts, &set, err, sizeof(err));
		import_set_free(&set);
	}
	/* Through decryption with the RFC 6030 figure 6 key. PBKDF2 is left
	 * out: a file's IterationCount would set the pace. */
	if (r != MFA_OK && strstr(err, "--key-file")) {
		static const unsigned char key[16] = {0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56,
		                                      0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12};
		struct import_pskc_opts opts = {.user = "fuzz", .key = key, .key_len = sizeof(key)};

		import_pskc_parse(buf, size, &opts, &set, err, sizeof(err));
		import_set_free(&set);
	}
	free(buf);
	return 0;
}
