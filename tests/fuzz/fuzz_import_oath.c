/*
 * fuzz_import_oath.c - libFuzzer target for the pam_oath usersfile
 * parser. Seed corpus: corpus/import_oath/.
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

	/* The parser takes a length, but callers hand it a NUL-terminated
	 * file: fuzz what they pass. */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&set, 0, sizeof(set));
	import_oath_parse(buf, size, &set, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	import_set_free(&set);
	free(buf);
	return 0;
}
