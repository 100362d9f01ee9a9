/*
 * webauthn_codec.c - WebAuthn's JSON, CBOR and binary layouts in, plain
 * structs out. jansson and libcbor do the parsing; this file checks that
 * what they found has the shape the specification gives, and nothing more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <jansson.h>

#include "webauthn_codec.h"

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)

/* Printable ASCII only: these strings end up in log lines and messages. */
static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static bool copy_string(json_t *obj, const char *key, char *dst, size_t size, bool required)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	if (!v)
		return !required;
	if (!json_is_string(v) || json_string_length(v) >= size ||
	    !printable(s = json_string_value(v), json_string_length(v)))
		return false;
	memcpy(dst, s, json_string_length(v) + 1);
	return true;
}

int wa_client_data_parse(const unsigned char *json, size_t len, struct wa_client_data *cd,
                         char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = NULL, *v, *tb;
	int r = -1;

	memset(cd, 0, sizeof(*cd));
	if (len > WA_CLIENT_DATA_MAX)
		FAIL("clientDataJSON is larger than %u bytes", WA_CLIENT_DATA_MAX);
	/* The signature covers these exact bytes: no duplicate keys may hide a second value. */
	if (!(root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr)))
		FAIL("clientDataJSON is not JSON: %s", jerr.text);
	if (!json_is_object(root))
		FAIL("clientDataJSON is not a JSON object");
	if (!copy_string(root, "type", cd->type, sizeof(cd->type), true))
		FAIL("clientDataJSON has no valid type");
	if (!copy_string(root, "challenge", cd->challenge, sizeof(cd->challenge), true))
		FAIL("clientDataJSON has no valid challenge");
	if (!copy_string(root, "origin", cd->origin, sizeof(cd->origin), true))
		FAIL("clientDataJSON has no valid origin");
	if ((v = json_object_get(root, "crossOrigin"))) {
		if (!json_is_boolean(v))
			FAIL("clientDataJSON crossOrigin is not a boolean");
		cd->cross_origin = json_is_true(v);
	}
	if ((tb = json_object_get(root, "tokenBinding"))) {
		if (!json_is_object(tb) || !json_is_string(v = json_object_get(tb, "status")))
			FAIL("clientDataJSON tokenBinding is malformed");
		cd->token_binding_present = !strcmp(json_string_value(v), "present");
	}
	r = 0;
out:
	json_decref(root);
	return r;
}

/* libcbor's cbor_load() allocates what a container's header declares
 * before reading a single element: five bytes can ask for gigabytes. So
 * every item is first walked with libcbor's streaming decoder, which
 * allocates nothing, and must be small, shallow and definite: what
 * WebAuthn's canonical CBOR always is. */
#define CBOR_DEPTH_MAX 16

struct cbor_scan {
	size_t left[CBOR_DEPTH_MAX];   /* items still to come, per open container */
	unsigned depth;
	size_t bytes_left;             /* what the rest of the input could hold */
	bool bad;
};

/* An item at the current level is complete; so may be its containers. */
static void scan_done(struct cbor_scan *s)
{
	while (s->depth > 0 && --s->left[s->depth - 1] == 0)
		s->depth--;
}

static void scan_open(struct cbor_scan *s, size_t items)
{
	if (items == 0) {
		scan_done(s);
	} else if (s->depth == CBOR_DEPTH_MAX || items > s->bytes_left) {
		s->bad = true;          /* too deep, or more items than bytes */
	} else {
		s->left[s->depth++] = items;
	}
}

static void scan_array(void *c, size_t n) { scan_open(c, n); }
static void scan_map(void *c, size_t n) { scan_open(c, n > SIZE_MAX / 2 ? SIZE_MAX : 2 * n); }
static void scan_bad(void *c) { ((struct cbor_scan *)c)->bad = true; }
static void scan_tag(void *c, uint64_t t) { (void)t; scan_bad(c); }
static void scan_u8(void *c, uint8_t v) { (void)v; scan_done(c); }
static void scan_u16(void *c, uint16_t v) { (void)v; scan_done(c); }
static void scan_u32(void *c, uint32_t v) { (void)v; scan_done(c); }
static void scan_u64(void *c, uint64_t v) { (void)v; scan_done(c); }
static void scan_str(void *c, cbor_data d, size_t n) { (void)d; (void)n; scan_done(c); }
static void scan_simple(void *c) { scan_done(c); }
static void scan_bool(void *c, bool v) { (void)v; scan_done(c); }
static void scan_float(void *c, float v) { (void)v; scan_done(c); }
static void scan_double(void *c, double v) { (void)v; scan_done(c); }

/* Length of the one well-formed CBOR item at buf, within the limits above. */
static bool cbor_item_len(const unsigned char *buf, size_t len, size_t *used)
{
	static const struct cbor_callbacks cb = {
		.uint8 = scan_u8, .uint16 = scan_u16, .uint32 = scan_u32, .uint64 = scan_u64,
		.negint8 = scan_u8, .negint16 = scan_u16, .negint32 = scan_u32, .negint64 = scan_u64,
		.byte_string_start = scan_bad, .byte_string = scan_str,
		.string = scan_str, .string_start = scan_bad,
		.indef_array_start = scan_bad, .array_start = scan_array,
		.indef_map_start = scan_bad, .map_start = scan_map,
		.tag = scan_tag, .float2 = scan_float, .float4 = scan_float, .float8 = scan_double,
		.undefined = scan_simple, .null = scan_simple, .boolean = scan_bool,
		.indef_break = scan_bad,
	};
	struct cbor_scan s = { .depth = 0 };
	size_t pos = 0;

	do {
		struct cbor_decoder_result res;

		s.bytes_left = len - pos;
		res = cbor_stream_decode(buf + pos, len - pos, &cb, &s);
		if (res.status != CBOR_DECODER_FINISHED || res.read == 0 || s.bad)
			return false;
		pos += res.read;
	} while (s.depth > 0);
	*used = pos;
	return true;
}

/* cbor_load() of exactly the first item of buf, once it passed the walk. */
static cbor_item_t *cbor_load_checked(const unsigned char *buf, size_t len, size_t *used)
{
	struct cbor_load_result res;
	cbor_item_t *item;
	size_t n;

	if (!cbor_item_len(buf, len, &n) || !(item = cbor_load(buf, n, &res)))
		return NULL;
	if (res.read != n) {
		cbor_decref(&item);
		return NULL;
	}
	*used = n;
	return item;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool cbor_text_is(cbor_item_t *item, const char *s);

/* A uint in one byte, the only form libfido2 reads credProtect and
 * minPinLength in. */
static bool ext_u8(cbor_item_t *v, uint8_t min, uint8_t max, uint8_t *out)
{
	if (!cbor_isa_uint(v) || cbor_int_get_width(v) != CBOR_INT_8 || cbor_get_uint8(v) < min ||
	    cbor_get_uint8(v) > max)
		return false;
	*out = cbor_get_uint8(v);
	return true;
}

/* The extension outputs libfido2 reads, read the same way (later keys
 * win), so that what we announce to it is what it finds. */
static int extensions_read(cbor_item_t *map, struct wa_auth_data *ad, char *err, size_t errlen)
{
	struct cbor_pair *pairs = cbor_map_handle(map);
	int r = -1;

	for (size_t i = 0; i < cbor_map_size(map); i++) {
		cbor_item_t *k = pairs[i].key, *v = pairs[i].value;

		if (cbor_text_is(k, "hmac-secret") || cbor_text_is(k, "credBlob")) {
			if (!cbor_is_bool(v))
				FAIL("authenticatorData extension %s is not a boolean",
				     cbor_text_is(k, "credBlob") ? "credBlob" : "hmac-secret");
			*(cbor_text_is(k, "credBlob") ? &ad->cred_blob : &ad->hmac_secret) =
				cbor_get_bool(v);
		} else if (cbor_text_is(k, "credProtect")) {
			if (!ext_u8(v, 1, 3, &ad->cred_protect))
				FAIL("authenticatorData extension credProtect is not 1, 2 or 3");
		} else if (cbor_text_is(k, "minPinLength")) {
			if (!ext_u8(v, 1, UINT8_MAX, &ad->min_pin_length))
				FAIL("authenticatorData extension minPinLength is not 1 to 255");
		}
	}
	r = 0;
out:
	return r;
}

int wa_auth_data_parse(const unsigned char *buf, size_t len, struct wa_auth_data *ad, char *err,
                       size_t errlen)
{
	size_t pos = 37, used;
	int r = -1;

	memset(ad, 0, sizeof(*ad));
	if (len < 37 || len > WA_AUTH_DATA_MAX)
		FAIL("authenticatorData is %zu bytes: not between 37 and %u", len, WA_AUTH_DATA_MAX);
	memcpy(ad->rp_id_hash, buf, 32);
	ad->flags = buf[32];
	ad->sign_count = be32(buf + 33);
	if (ad->flags & WA_FLAG_AT) {
		if (len - pos < STORE_AAGUID_LEN + 2)
			FAIL("authenticatorData ends inside the attested credential data");
		memcpy(ad->aaguid, buf + pos, STORE_AAGUID_LEN);
		pos += STORE_AAGUID_LEN;
		ad->cred_id_len = (size_t)buf[pos] << 8 | buf[pos + 1];
		pos += 2;
		if (ad->cred_id_len == 0 || ad->cred_id_len > STORE_CRED_ID_MAX ||
		    len - pos < ad->cred_id_len)
			FAIL("authenticatorData holds a credential id of a wrong length");
		ad->cred_id = buf + pos;
		pos += ad->cred_id_len;
		/* Its size is wa_cose_key_parse()'s to judge, with a message. */
		if (!cbor_item_len(buf + pos, len - pos, &used))
			FAIL("authenticatorData holds no readable COSE public key");
		ad->cose_key = buf + pos;
		ad->cose_key_len = used;
		pos += used;
		ad->has_credential = true;
	}
	if (ad->flags & WA_FLAG_ED) {
		cbor_item_t *ext;

		if (!(ext = cbor_load_checked(buf + pos, len - pos, &used)))
			FAIL("authenticatorData extensions are not CBOR");
		if (!cbor_isa_map(ext)) {
			cbor_decref(&ext);
			FAIL("authenticatorData extensions are not a CBOR map");
		}
		if (extensions_read(ext, ad, err, errlen) != 0) {
			cbor_decref(&ext);
			goto out;
		}
		cbor_decref(&ext);
		pos += used;
	}
	if (pos != len)
		FAIL("authenticatorData has %zu bytes left over", len - pos);
	r = 0;
out:
	return r;
}

static bool cbor_text_is(cbor_item_t *item, const char *s)
{
	size_t n = strlen(s);

	return cbor_isa_string(item) && cbor_string_is_definite(item) &&
	       cbor_string_length(item) == n && !memcmp(cbor_string_handle(item), s, n);
}

static bool cbor_int_value(cbor_item_t *item, int64_t *v)
{
	uint64_t u;

	if (!cbor_isa_uint(item) && !cbor_isa_negint(item))
		return false;
	u = cbor_get_int(item);
	if (u > INT32_MAX)
		return false;
	*v = cbor_isa_uint(item) ? (int64_t)u : -1 - (int64_t)u;
	return true;
}

static bool cbor_bytes_copy(cbor_item_t *item, unsigned char **dst, size_t *len, size_t max)
{
	if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item) ||
	    cbor_bytestring_length(item) == 0 || cbor_bytestring_length(item) > max ||
	    !(*dst = malloc(cbor_bytestring_length(item))))
		return false;
	memcpy(*dst, cbor_bytestring_handle(item), cbor_bytestring_length(item));
	*len = cbor_bytestring_length(item);
	return true;
}

/* Checks attStmt's members we know of; libfido2 reads them again. */
static bool att_stmt_check(cbor_item_t *stmt, struct wa_attestation *att)
{
	struct cbor_pair *pairs = cbor_map_handle(stmt);

	for (size_t i = 0; i < cbor_map_size(stmt); i++) {
		cbor_item_t *k = pairs[i].key, *v = pairs[i].value;
		int64_t alg;

		if (cbor_text_is(k, "alg")) {
			if (!cbor_int_value(v, &alg) || alg == 0)
				return false;
			att->att_alg = (int)alg;
		} else if (cbor_text_is(k, "sig")) {
			if (att->sig || !cbor_bytes_copy(v, &att->sig, &att->sig_len, WA_SIG_MAX))
				return false;
		} else if (cbor_text_is(k, "x5c")) {
			if (!cbor_isa_array(v) || !cbor_array_is_definite(v) || cbor_array_size(v) == 0 ||
			    cbor_array_size(v) > WA_X5C_MAX || att->x5c_count)
				return false;
			for (size_t j = 0; j < cbor_array_size(v); j++)
				if (!cbor_bytes_copy(cbor_array_handle(v)[j], &att->x5c[j], &att->x5c_len[j],
				                     WA_ATTESTATION_MAX))
					return false;
				else
					att->x5c_count = j + 1;
		} else if (!cbor_isa_string(k)) {
			return false;
		}
	}
	return true;
}

int wa_attestation_parse(const unsigned char *cbor, size_t len, struct wa_attestation *att,
                         char *err, size_t errlen)
{
	cbor_item_t *root = NULL, *stmt = NULL;
	struct cbor_pair *pairs;
	bool seen_fmt = false;
	size_t used = 0;
	int r = -1;

	memset(att, 0, sizeof(*att));
	if (len > WA_ATTESTATION_MAX)
		FAIL("attestationObject is larger than %u bytes", WA_ATTESTATION_MAX);
	if (!(root = cbor_load_checked(cbor, len, &used)))
		FAIL("attestationObject is not CBOR, or nested deeper than %d, or not definite",
		     CBOR_DEPTH_MAX);
	if (used != len)
		FAIL("attestationObject has %zu bytes after its CBOR map", len - used);
	if (!cbor_isa_map(root) || !cbor_map_is_definite(root) || cbor_map_size(root) != 3)
		FAIL("attestationObject is not a map of fmt, attStmt and authData");
	pairs = cbor_map_handle(root);
	for (size_t i = 0; i < 3; i++) {
		cbor_item_t *k = pairs[i].key, *v = pairs[i].value;

		if (cbor_text_is(k, "fmt") && !seen_fmt && cbor_isa_string(v) &&
		    cbor_string_is_definite(v) && cbor_string_length(v) > 0 &&
		    cbor_string_length(v) < sizeof(att->fmt)) {
			if (!printable((const char *)cbor_string_handle(v), cbor_string_length(v)))
				FAIL("attestationObject fmt is not printable text");
			memcpy(att->fmt, cbor_string_handle(v), cbor_string_length(v));
			att->fmt[cbor_string_length(v)] = '\0';
			seen_fmt = true;
		} else if (cbor_text_is(k, "authData") && !att->auth_data) {
			if (!cbor_bytes_copy(v, &att->auth_data, &att->auth_data_len, WA_AUTH_DATA_MAX))
				FAIL("attestationObject authData is not a byte string of at most %u bytes",
				     WA_AUTH_DATA_MAX);
		} else if (cbor_text_is(k, "attStmt") && !stmt) {
			if (!cbor_isa_map(v) || !cbor_map_is_definite(v))
				FAIL("attestationObject attStmt is not a map");
			stmt = v;
		} else {
			FAIL("attestationObject holds an unexpected or repeated member");
		}
	}
	if (!seen_fmt || !att->auth_data || !stmt)
		FAIL("attestationObject lacks fmt, authData or attStmt");
	if (!att_stmt_check(stmt, att))
		FAIL("attestationObject attStmt (%s) is malformed", att->fmt);
	att->att_stmt_empty = cbor_map_size(stmt) == 0;
	if (!(att->att_stmt_len = cbor_serialize_alloc(stmt, &att->att_stmt, &(size_t){ 0 })))
		FAIL("out of memory");
	r = 0;
out:
	if (root)
		cbor_decref(&root);
	if (r != 0)
		wa_attestation_free(att);
	return r;
}

void wa_attestation_free(struct wa_attestation *att)
{
	free(att->auth_data);
	free(att->att_stmt);
	free(att->sig);
	for (size_t i = 0; i < att->x5c_count; i++)
		free(att->x5c[i]);
	memset(att, 0, sizeof(*att));
}

static bool cose_bytes(cbor_item_t *v, unsigned char *dst, size_t want)
{
	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v) ||
	    cbor_bytestring_length(v) != want)
		return false;
	memcpy(dst, cbor_bytestring_handle(v), want);
	return true;
}

/* RFC 8230 §4: n in its fewest bytes; bits: its size, also when refused. */
static bool rsa_modulus(cbor_item_t *v, unsigned char *dst, size_t *len, size_t *bits)
{
	const unsigned char *n;
	size_t n_len;

	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v) ||
	    (n_len = cbor_bytestring_length(v)) == 0 || (n = cbor_bytestring_handle(v))[0] == 0)
		return false;
	*bits = 8 * (n_len - 1);
	for (unsigned top = n[0]; top; top >>= 1)
		(*bits)++;
	if (n_len > WA_RSA_BITS_MAX / 8)
		return false;
	memcpy(dst, n, n_len);
	*len = n_len;
	return true;
}

int wa_cose_key_parse(const unsigned char *cbor, size_t len, struct wa_cose_key *key, char *err,
                      size_t errlen)
{
	cbor_item_t *root = NULL;
	struct cbor_pair *pairs;
	size_t used = 0;
	int64_t kty = 0, alg = 0, crv = 0;
	bool have_x = false, have_y = false, have_e = false;
	unsigned char x[WA_RSA_BITS_MAX / 8], y[32], e[3];
	size_t x_want, n_bits = 0;
	int r = -1;

	memset(key, 0, sizeof(*key));
	/* Room for an RSA key too large, so that it is refused with its size. */
	if (len > WA_AUTH_DATA_MAX || !(root = cbor_load_checked(cbor, len, &used)) || used != len ||
	    !cbor_isa_map(root) || !cbor_map_is_definite(root))
		FAIL("the public key is not a COSE_Key map");
	pairs = cbor_map_handle(root);
	/* First pass: the labels that say how to read the others. */
	for (size_t i = 0; i < cbor_map_size(root); i++) {
		int64_t label, v;

		if (!cbor_int_value(pairs[i].key, &label))
			FAIL("the COSE_Key has a label that is not an integer");
		if (label == 1 || label == 3 || (label == -1 && cbor_isa_uint(pairs[i].value))) {
			if (!cbor_int_value(pairs[i].value, &v))
				FAIL("the COSE_Key has a malformed kty, alg or crv");
			*(label == 1 ? &kty : label == 3 ? &alg : &crv) = v;
		}
	}
	key->alg = (int)alg;
	switch (alg) {
	case WA_ALG_ES256:
		if (kty != 2 || crv != 1)
			FAIL("the COSE_Key says ES256 but is not an EC2 P-256 key");
		x_want = 32;
		break;
	case WA_ALG_EDDSA:
		if (kty != 1 || crv != 6)
			FAIL("the COSE_Key says EdDSA but is not an OKP Ed25519 key");
		x_want = 32;
		break;
	case WA_ALG_RS256:
		if (kty != 3)
			FAIL("the COSE_Key says RS256 but is not an RSA key");
		x_want = 0;                                 /* n's length is its own */
		break;
	default:
		FAIL("COSE algorithm %lld is not supported (ES256, EdDSA and RS256 are)", (long long)alg);
	}
	for (size_t i = 0; i < cbor_map_size(root); i++) {
		int64_t label = 0;
		cbor_item_t *v = pairs[i].value;

		cbor_int_value(pairs[i].key, &label);
		if (alg == WA_ALG_RS256 && label == -1)
			have_x = rsa_modulus(v, x, &x_want, &n_bits);
		else if (alg == WA_ALG_RS256 && label == -2)
			have_e = cose_bytes(v, e, 3);              /* e */
		else if (alg != WA_ALG_RS256 && label == -2)
			have_x = cose_bytes(v, x, x_want);
		else if (alg == WA_ALG_ES256 && label == -3)
			have_y = cose_bytes(v, y, 32);
	}
	if (alg == WA_ALG_RS256 && n_bits &&
	    (n_bits < WA_RSA_BITS_MIN || n_bits > WA_RSA_BITS_MAX))
		FAIL("the RS256 key has %zu bits: RS256 keys must be %d to %d bits", n_bits,
		     WA_RSA_BITS_MIN, WA_RSA_BITS_MAX);
	if (!have_x || (alg == WA_ALG_ES256 && !have_y) || (alg == WA_ALG_RS256 && !have_e))
		FAIL("the COSE_Key lacks its key material or has it in the wrong size");
	/* Whatever else the map holds, what is accepted must fit the store. */
	if (len > STORE_COSE_KEY_MAX)
		FAIL("the COSE_Key is larger than %u bytes", STORE_COSE_KEY_MAX);
	memcpy(key->raw, x, x_want);
	key->raw_len = x_want;
	if (alg == WA_ALG_ES256) {
		memcpy(key->raw + 32, y, 32);
		key->raw_len = 64;
	} else if (alg == WA_ALG_RS256) {
		memcpy(key->raw + x_want, e, 3);
		key->raw_len = x_want + 3;
		key->rsa_n_len = x_want;
	}
	r = 0;
out:
	if (root)
		cbor_decref(&root);
	return r;
}

/* A base64url member of obj into a fresh buffer of at most max bytes. */
static bool b64_member(json_t *obj, const char *key, unsigned char **dst, size_t *len, size_t max)
{
	json_t *v = json_object_get(obj, key);

	*dst = NULL;
	if (!json_is_string(v) || json_string_length(v) == 0 || !(*dst = malloc(max)))
		return false;
	if (b64url_decode(json_string_value(v), *dst, max, len) != 0 || *len == 0) {
		free(*dst);
		*dst = NULL;
		return false;
	}
	return true;
}

static bool b64_member_fixed(json_t *obj, const char *key, unsigned char *dst, size_t *len,
                             size_t max)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) && b64url_decode(json_string_value(v), dst, max, len) == 0 &&
	       *len > 0;
}

static bool transports_copy(json_t *arr, char *dst, size_t size)
{
	static const char *const known[] = { "usb", "nfc", "ble", "internal", "hybrid",
		                             "smart-card", NULL };
	size_t i;
	json_t *v;

	dst[0] = '\0';
	if (!arr)
		return true;
	if (!json_is_array(arr))
		return false;
	json_array_foreach (arr, i, v) {
		const char *t = json_string_value(v);

		if (!t)
			return false;
		for (size_t k = 0; known[k]; k++)   /* unknown ones are ignored, as §5.8.4 asks */
			if (!strcmp(t, known[k]) && strlen(dst) + strlen(t) + 2 <= size) {
				if (dst[0])
					strcat(dst, " ");
				strcat(dst, t);
			}
	}
	return true;
}

int wa_response_parse(const char *json, size_t len, bool registration, struct wa_response *resp,
                      char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = NULL, *rs, *v;
	const char *what = registration ? "registration" : "authentication";
	unsigned char raw_id[STORE_CRED_ID_MAX];
	size_t raw_len = 0;
	int r = -1;

	memset(resp, 0, sizeof(*resp));
	resp->registration = registration;
	if (len > WA_JSON_MAX)
		FAIL("the %s response is larger than %u bytes", what, WA_JSON_MAX);
	if (!(root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)))
		FAIL("the %s response is not JSON (line %d: %s)", what, jerr.line, jerr.text);
	if (!json_is_object(root) || !json_is_object(rs = json_object_get(root, "response")))
		FAIL("the %s response is not a PublicKeyCredential JSON object with a response member",
		     what);
	if (!json_is_string(v = json_object_get(root, "type")) ||
	    strcmp(json_string_value(v), "public-key") != 0)
		FAIL("the %s response's type is not \"public-key\"", what);
	if (!b64_member_fixed(root, "id", resp->cred_id, &resp->cred_id_len, sizeof(resp->cred_id)) ||
	    !b64_member_fixed(root, "rawId", raw_id, &raw_len, sizeof(raw_id)) ||
	    raw_len != resp->cred_id_len || memcmp(raw_id, resp->cred_id, raw_len) != 0)
		FAIL("the %s response's id and rawId are missing, not base64url, or differ", what);
	if (!b64_member(rs, "clientDataJSON", &resp->client_data, &resp->client_data_len,
	                WA_CLIENT_DATA_MAX))
		FAIL("response.clientDataJSON is missing or not base64url");
	if (registration) {
		if (!b64_member(rs, "attestationObject", &resp->attestation, &resp->attestation_len,
		                WA_ATTESTATION_MAX))
			FAIL("response.attestationObject is missing or not base64url");
		if (!transports_copy(json_object_get(rs, "transports"), resp->transports,
		                     sizeof(resp->transports)))
			FAIL("response.transports is not an array of strings");
	} else {
		if (!b64_member(rs, "authenticatorData", &resp->auth_data, &resp->auth_data_len,
		                WA_AUTH_DATA_MAX))
			FAIL("response.authenticatorData is missing or not base64url");
		if (!b64_member_fixed(rs, "signature", resp->sig, &resp->sig_len, sizeof(resp->sig)))
			FAIL("response.signature is missing or not base64url");
		/* Absent or null: the key sent none. Empty is neither none nor a handle. */
		v = json_object_get(rs, "userHandle");
		if (v && !json_is_null(v) &&
		    (!json_is_string(v) ||
		     b64url_decode(json_string_value(v), resp->user_handle,
		                   sizeof(resp->user_handle), &resp->user_handle_len) != 0 ||
		     resp->user_handle_len == 0))
			FAIL("response.userHandle is not base64url of 1 to %d bytes (leave it out, "
			     "or null, when the key sent none)", WA_USER_HANDLE_MAX);
	}
	r = 0;
out:
	json_decref(root);
	if (r != 0)
		wa_response_free(resp);
	return r;
}

void wa_response_free(struct wa_response *resp)
{
	free(resp->client_data);
	free(resp->attestation);
	free(resp->auth_data);
	resp->client_data = resp->attestation = resp->auth_data = NULL;
}
