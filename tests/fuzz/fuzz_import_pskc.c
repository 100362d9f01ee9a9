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
	r = import_pskc_parse(buf, size, NULL, NULL, &set, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	import_set_free(&set);
	/* A file that parses: once more through the --user/--serial paths. */
	if (r == MFA_OK) {
		import_pskc_parse(buf, size, "fuzz", "987654321", &set, err, sizeof(err));
		import_set_free(&set);
	}
	free(buf);
	return 0;
}
