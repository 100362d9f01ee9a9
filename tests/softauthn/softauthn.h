/* softauthn - a software WebAuthn authenticator, for tests only.
 *
 * Takes WebAuthn Level 3 JSON options (what navigator.credentials.create/get
 * take) and returns RegistrationResponseJSON / AuthenticationResponseJSON,
 * base64url without padding in every binary field. A missing rp.id / rpId
 * defaults to the origin's host. Functions returning int give 0 on success
 * and -1 after a message on stderr; malloc'd outputs are the caller's. */
#ifndef SOFTAUTHN_H
#define SOFTAUTHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* AAGUID of packed credentials (fido-u2f uses all zero). */
#define SOFTAUTHN_AAGUID { 0x8b, 0x2f, 0x1c, 0x6e, 0x4d, 0x3a, 0x4f, 0x5b, \
			   0x9c, 0x2e, 0x7a, 0x1d, 0x0e, 0x6f, 0x3b, 0x94 }
#define SOFTAUTHN_AAGUID_STR "8b2f1c6e-4d3a-4f5b-9c2e-7a1d0e6f3b94"

/* COSE algorithm identifiers. ES384 exists so tests can see it refused. */
enum sa_alg { SA_ES256 = -7, SA_EDDSA = -8, SA_RS256 = -257, SA_ES384 = -35 };

/* Attestation formats: none, packed self, packed with x5c, fido-u2f. */
enum sa_fmt { SA_FMT_NONE, SA_FMT_PACKED_SELF, SA_FMT_PACKED_X5C, SA_FMT_U2F };

/* Private key, credential id, user handle, rp id, alg, sign counter. */
struct sa_cred;

/* Per-ceremony knobs; an all-zero struct (plus origin) gives the defaults. */
struct sa_opts {
	const char *origin;		/* required: clientData origin */
	const char *rp_id_override;	/* hash this rp id into authData */
	const char *type_override;	/* clientData type, e.g. wrong type */
	const char *challenge_override;	/* b64url challenge for clientData */
	bool no_up, no_uv;		/* clear UP / UV (default: both set) */
	bool set_counter;		/* use .counter as the sign count;
					 * else 0 at create, stored + 1 at get */
	uint32_t counter;
	const char *attest_key_pem;	/* PEM file paths, for PACKED_X5C/U2F */
	const char *attest_cert_pem;
	size_t cred_id_len;		/* 1..1023, 0 means 32 */
	unsigned rsa_bits;		/* RS256 key size at create, 1024..8192;
					 * 0 means 2048 */
	/* Extension outputs at create (ED flag and a CBOR map in authData,
	 * as CTAP2 keys send them); 0 / false leaves one out. */
	uint8_t cred_protect;		/* 1..3 */
	bool hmac_secret, cred_blob;
	uint8_t min_pin_length;
};

/* Parses PublicKeyCredentialCreationOptionsJSON, makes a key of alg and
 * returns a malloc'd RegistrationResponseJSON. alg need not be in
 * pubKeyCredParams, so tests can watch the relying party refuse it. */
int sa_create(const char *options_json, enum sa_alg alg, enum sa_fmt fmt,
    const struct sa_opts *o, struct sa_cred **cred, char **response_json);

/* Parses PublicKeyCredentialRequestOptionsJSON and signs with cred, whose
 * counter is updated on success. Fails if rpId is not the credential's or
 * a non-empty allowCredentials does not list it. */
int sa_get(struct sa_cred *cred, const char *options_json,
    const struct sa_opts *o, char **response_json);

/* Key file: JSON, mode 0600, written atomically (PEM key, b64url id, user
 * handle, rp id, alg, counter). */
int sa_cred_save(const struct sa_cred *cred, const char *path);
int sa_cred_load(const char *path, struct sa_cred **cred);
void sa_cred_free(struct sa_cred **cred);

/* Makes dir (if needed) with root.pem (self-signed ES256 CA), attest.pem
 * (packed attestation certificate, WebAuthn 8.2.1) and attest.key (0600). */
int sa_make_ca(const char *dir);

/* Flips bit `bit` (0 = lowest bit of the first byte) of the base64url field
 * response.<field> (or top-level <field>, e.g. rawId) of a response JSON. */
int sa_flip_bit(const char *response_json, const char *field, size_t bit,
    char **out_json);

/* base64url without padding; decode tolerates trailing '='. */
char *sa_b64url_encode(const unsigned char *in, size_t len);
int sa_b64url_decode(const char *in, unsigned char **out, size_t *out_len);

#endif
