/* fuzz_webauthn_response.c - RegistrationResponseJSON and
 * AuthenticationResponseJSON on arbitrary bytes (first byte picks which). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wa_response resp;
	char err[256] = "";

	if (size < 1)
		return 0;
	if (wa_response_parse((const char *)data + 1, size - 1, data[0] & 1, &resp, err,
	                      sizeof(err)) == 0) {
		/* Whatever parses has the parts its ceremony needs, within bounds. */
		if (!resp.client_data || resp.client_data_len > WA_CLIENT_DATA_MAX ||
		    resp.cred_id_len == 0 || resp.cred_id_len > sizeof(resp.cred_id) ||
		    (resp.registration ? !resp.attestation : !resp.auth_data || resp.sig_len == 0))
			abort();
		wa_response_free(&resp);
	} else if (err[0] == '\0' || resp.client_data || resp.attestation || resp.auth_data) {
		abort();
	}
	return 0;
}
