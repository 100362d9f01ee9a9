/*
 * fuzz_wire.c - the pam_mfa <-> service messages (wire.h) on any bytes:
 * what reads as a message writes back to the same bytes, and a refused
 * packet leaves nothing behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_login_request req;
	struct wire_login_reply rep;
	unsigned char out[WIRE_MAX];
	size_t len;

	if (wire_login_request_decode(data, size, &req) == MFA_OK) {
		struct wire_login_request again;

		/* Fields in any order read the same; written back they are
		 * in table order, and read back equal. */
		if (wire_login_request_encode(&req, out, sizeof(out), &len) != MFA_OK ||
		    wire_login_request_decode(out, len, &again) != MFA_OK ||
		    memcmp(&req, &again, sizeof(req)) != 0 || len != size)
			abort();
	} else if (req.user[0] || req.has_code || req.code[0]) {
		abort();
	}
	if (wire_login_reply_decode(data, size, &rep) == MFA_OK) {
		struct wire_login_reply again;

		if (wire_login_reply_encode(&rep, out, sizeof(out), &len) != MFA_OK ||
		    wire_login_reply_decode(out, len, &again) != MFA_OK ||
		    memcmp(&rep, &again, sizeof(rep)) != 0 || len != size)
			abort();
	}
	return 0;
}
