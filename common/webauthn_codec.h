/*
 * webauthn_codec.h - the WebAuthn wire formats, parsed with jansson (JSON)
 * and libcbor (CBOR), checked for shape only: what the values mean is
 * webauthn.c's business. Every parser here is pure (no context, no store)
 * and has a fuzz target. Errors write a sentence into err.
 */
#ifndef MFA_WEBAUTHN_CODEC_H
#define MFA_WEBAUTHN_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "store.h"

#define WA_JSON_MAX (64u * 1024)        /* a response, as posted */
#define WA_CLIENT_DATA_MAX (8u * 1024)
#define WA_ATTESTATION_MAX (32u * 1024) /* attestation object with its certificates */
#define WA_AUTH_DATA_MAX (4u * 1024)
#define WA_SIG_MAX 512
#define WA_USER_HANDLE_MAX 64
#define WA_CHALLENGE_LEN 32             /* random bytes in a challenge we issue */
#define WA_CHALLENGE_B64_MAX 64
#define WA_ORIGIN_MAX 256
#define WA_X5C_MAX 8

/* authenticatorData flags (WebAuthn §6.1). */
#define WA_FLAG_UP 0x01
#define WA_FLAG_UV 0x04
#define WA_FLAG_BE 0x08
#define WA_FLAG_BS 0x10
#define WA_FLAG_AT 0x40
#define WA_FLAG_ED 0x80

/* COSE algorithms we accept. */
#define WA_ALG_ES256 (-7)
#define WA_ALG_EDDSA (-8)
#define WA_ALG_RS256 (-257)

struct wa_client_data {
	char type[32];                      /* "webauthn.create" or "webauthn.get" */
	char challenge[WA_CHALLENGE_B64_MAX + 1];
	char origin[WA_ORIGIN_MAX + 1];
	bool cross_origin;
	bool token_binding_present;
};

int wa_client_data_parse(const unsigned char *json, size_t len, struct wa_client_data *cd,
                         char *err, size_t errlen);

/* authenticatorData (§6.1); the pointers point into the parsed buffer. */
struct wa_auth_data {
	unsigned char rp_id_hash[32];
	uint8_t flags;
	uint32_t sign_count;
	bool has_credential;                /* attested credential data present */
	unsigned char aaguid[STORE_AAGUID_LEN];
	const unsigned char *cred_id;
	size_t cred_id_len;
	const unsigned char *cose_key;
	size_t cose_key_len;
	/* Extension outputs (CTAP 2.1 §12) libfido2 reads from authData and
	 * wants announced before it verifies an attestation; 0 or false:
	 * absent. Others are skipped, as unsolicited outputs may be (§7.1). */
	bool hmac_secret;
	bool cred_blob;
	uint8_t cred_protect;               /* 1 to 3 */
	uint8_t min_pin_length;
};

int wa_auth_data_parse(const unsigned char *buf, size_t len, struct wa_auth_data *ad, char *err,
                       size_t errlen);

/* attestationObject (§6.5): fmt, authData, and attStmt re-encoded as CBOR
 * for libfido2 (it takes the statement as its own CBOR map). */
struct wa_attestation {
	char fmt[32];
	unsigned char *auth_data;
	size_t auth_data_len;
	unsigned char *att_stmt;
	size_t att_stmt_len;
	bool att_stmt_empty;
	int att_alg;                        /* attStmt.alg, 0 if absent */
	unsigned char *sig;                 /* attStmt.sig, NULL if absent */
	size_t sig_len;
	unsigned char *x5c[WA_X5C_MAX];     /* DER certificates, leaf first */
	size_t x5c_len[WA_X5C_MAX];
	size_t x5c_count;
};

int wa_attestation_parse(const unsigned char *cbor, size_t len, struct wa_attestation *att,
                         char *err, size_t errlen);
void wa_attestation_free(struct wa_attestation *att);

#define WA_RSA_BITS_MIN 2048
#define WA_RSA_BITS_MAX 4096

/* A COSE_Key (RFC 9053) of one of our algorithms, as raw key bytes in the
 * layout libfido2's *_pk_from_ptr() takes (RS256: of a 2048-bit key). */
struct wa_cose_key {
	int alg;
	unsigned char raw[WA_RSA_BITS_MAX / 8 + 3];  /* ES256 x||y, EdDSA x, RS256 n||e */
	size_t raw_len;
	size_t rsa_n_len;                   /* RS256: n is raw[0 .. rsa_n_len) */
};

int wa_cose_key_parse(const unsigned char *cbor, size_t len, struct wa_cose_key *key, char *err,
                      size_t errlen);

/* RegistrationResponseJSON / AuthenticationResponseJSON (WebAuthn L3 §5.1),
 * base64url fields decoded. */
struct wa_response {
	bool registration;
	unsigned char cred_id[STORE_CRED_ID_MAX];
	size_t cred_id_len;
	unsigned char *client_data;
	size_t client_data_len;
	unsigned char *attestation;         /* registration */
	size_t attestation_len;
	char transports[64];                /* registration, space separated */
	unsigned char *auth_data;           /* assertion */
	size_t auth_data_len;
	unsigned char sig[WA_SIG_MAX];      /* assertion */
	size_t sig_len;
	unsigned char user_handle[WA_USER_HANDLE_MAX];
	size_t user_handle_len;             /* 0: none sent */
};

int wa_response_parse(const char *json, size_t len, bool registration, struct wa_response *resp,
                      char *err, size_t errlen);
void wa_response_free(struct wa_response *resp);

#endif
