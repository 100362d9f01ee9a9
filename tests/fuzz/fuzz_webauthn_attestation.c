/* fuzz_webauthn_attestation.c - an attestationObject (CBOR) on arbitrary
 * bytes, then the authenticatorData and COSE key inside it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wa_attestation att;
	struct wa_auth_data ad;
	struct wa_cose_key key;
	char err[256] = "";

	if (wa_attestation_parse(data, size, &att, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || att.auth_data || att.att_stmt)
			abort();
		return 0;
	}
	if (!att.auth_data || !att.att_stmt || att.fmt[0] == '\0' || att.x5c_count > WA_X5C_MAX)
		abort();
	if (wa_auth_data_parse(att.auth_data, att.auth_data_len, &ad, err, sizeof(err)) == 0 &&
	    ad.has_credential) {
		if (ad.cred_id < att.auth_data ||
		    ad.cose_key + ad.cose_key_len > att.auth_data + att.auth_data_len)
			abort();
		if (wa_cose_key_parse(ad.cose_key, ad.cose_key_len, &key, err, sizeof(err)) == 0 &&
		    key.raw_len != (key.alg == WA_ALG_RS256   ? key.rsa_n_len + 3
		                    : key.alg == WA_ALG_ES256 ? 64u
		                                              : 32u))
			abort();
	}
	wa_attestation_free(&att);
	return 0;
}
