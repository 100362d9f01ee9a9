/* fuzz_webauthn_auth_data.c - authenticatorData (binary with CBOR inside)
 * and a COSE key on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wa_auth_data ad;
	struct wa_cose_key key;
	char err[256] = "";

	if (wa_auth_data_parse(data, size, &ad, err, sizeof(err)) == 0) {
		if (size < 37 || (ad.has_credential &&
		                  (ad.cred_id_len == 0 || ad.cose_key + ad.cose_key_len > data + size)))
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	err[0] = '\0';
	if (wa_cose_key_parse(data, size, &key, err, sizeof(err)) == 0) {
		if (key.alg != WA_ALG_ES256 && key.alg != WA_ALG_EDDSA && key.alg != WA_ALG_RS256)
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	return 0;
}
