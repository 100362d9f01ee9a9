/* fuzz_webauthn_client_data.c - clientDataJSON on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wa_client_data cd;
	char err[256] = "";

	if (wa_client_data_parse(data, size, &cd, err, sizeof(err)) == 0) {
		if (!memchr(cd.type, '\0', sizeof(cd.type)) || !memchr(cd.origin, '\0', sizeof(cd.origin)) ||
		    !memchr(cd.challenge, '\0', sizeof(cd.challenge)))
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	return 0;
}
