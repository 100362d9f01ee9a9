/* softauthn - software WebAuthn authenticator for tests (see softauthn.h). */
#include "softauthn.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cbor.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_AT 0x40
#define FLAG_ED 0x80
#define MAX_CRED_ID 1023	/* WebAuthn's cap on credential ids */
#define JSON_OUT (JSON_COMPACT | JSON_PRESERVE_ORDER)
#define FAIL(...) do { fail(__VA_ARGS__); goto out; } while (0)

struct sa_cred {
	EVP_PKEY *pkey;
	enum sa_alg alg;
	unsigned char *id, *user;	/* user: user.id given at creation, or NULL */
	size_t id_len, user_len;
	char *rp_id;
	uint32_t counter;
};

static const unsigned char aaguid[16] = SOFTAUTHN_AAGUID, zero_aaguid[16];

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	const char *why = ERR_reason_error_string(ERR_peek_last_error());
	va_list ap;

	va_start(ap, fmt);
	fputs("softauthn: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (why != NULL)	/* OpenSSL's reason is often the useful part */
		fprintf(stderr, " (%s)", why);
	ERR_clear_error();
	fputc('\n', stderr);
	return -1;
}

char *sa_b64url_encode(const unsigned char *in, size_t len)
{
	char *s = len <= INT_MAX / 2 ? malloc(4 * ((len + 2) / 3) + 1) : NULL;

	if (s == NULL) {
		fail("base64url: out of memory");
		return NULL;
	}
	EVP_EncodeBlock((unsigned char *)s, in, (int)len);
	s[strcspn(s, "=")] = '\0';	/* padding only ever trails */
	for (char *p = s; *p != '\0'; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return s;
}

int sa_b64url_decode(const char *in, unsigned char **out, size_t *out_len)
{
	size_t len = strcspn(in, "="), pad = (4 - len % 4) % 4;
	char *tmp = NULL;
	int n = -1;

	*out = NULL;
	if (len % 4 != 1 && len <= INT_MAX / 2 && in[len + strspn(in + len, "=")] == '\0' &&
	    (tmp = malloc(len + pad + 1)) != NULL && (*out = malloc(len / 4 * 3 + 3)) != NULL) {
		/* standard alphabet; '!' fails what EVP_DecodeBlock would skip (spaces) */
		for (size_t i = 0; i < len; i++)
			tmp[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' :
				 isalnum((unsigned char)in[i]) ? in[i] : '!';
		memset(tmp + len, '=', pad);
		n = EVP_DecodeBlock(*out, (unsigned char *)tmp, (int)(len + pad));
	}
	free(tmp);
	if (n < 0) {
		free(*out);
		*out = NULL;
		return fail("base64url: cannot decode \"%.40s\"", in);
	}
	*out_len = (size_t)n - pad;	/* EVP_DecodeBlock counts padding as zero bytes */
	return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int sha256(const void *p, size_t n, unsigned char md[32])
{
	return EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL) == 1 ? 0 : fail("sha256");
}

/* WebAuthn's default rp id: the origin's host */
static char *origin_host(const char *origin)
{
	const char *p = strstr(origin, "://");

	p = p != NULL ? p + 3 : origin;
	return strndup(p, strcspn(p, ":/"));
}

static EVP_PKEY *keygen(enum sa_alg alg, unsigned rsa_bits)
{
	switch (alg) {
	case SA_ES256: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case SA_ES384: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	case SA_EDDSA: return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	case SA_RS256: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits);
	}
	return NULL;
}

/* so that a key file cannot pair a key with the wrong alg */
static bool key_is(EVP_PKEY *k, enum sa_alg alg)
{
	switch (alg) {
	case SA_ES256: return EVP_PKEY_is_a(k, "EC") && EVP_PKEY_get_bits(k) == 256;
	case SA_ES384: return EVP_PKEY_is_a(k, "EC") && EVP_PKEY_get_bits(k) == 384;
	case SA_EDDSA: return EVP_PKEY_is_a(k, "ED25519");
	case SA_RS256: return EVP_PKEY_is_a(k, "RSA") && EVP_PKEY_get_bits(k) >= 1024 &&
			      EVP_PKEY_get_bits(k) <= 8192;
	}
	return false;
}

/* Signs a || b; Ed25519 has no streaming interface, hence the copy. */
static unsigned char *sign(EVP_PKEY *k, enum sa_alg alg, const unsigned char *a, size_t a_len,
			   const unsigned char *b, size_t b_len, size_t *sig_len)
{
	const EVP_MD *md = alg == SA_EDDSA ? NULL : alg == SA_ES384 ? EVP_sha384() : EVP_sha256();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *m = malloc(a_len + b_len), *sig = NULL;
	bool ok;

	*sig_len = (size_t)EVP_PKEY_get_size(k);	/* bounds DER ECDSA, RSA, Ed25519 */
	ok = ctx != NULL && m != NULL && (sig = malloc(*sig_len)) != NULL;
	if (ok) {
		memcpy(m, a, a_len);
		memcpy(m + a_len, b, b_len);
		ok = EVP_DigestSignInit(ctx, NULL, md, NULL, k) == 1 &&
		     EVP_DigestSign(ctx, sig, sig_len, m, a_len + b_len) == 1;
		if (!ok)
			free(sig);
	}
	EVP_MD_CTX_free(ctx);
	free(m);
	if (!ok)
		fail("cannot sign");
	return ok ? sig : NULL;
}

/* Smallest encoding of an integer, as canonical CBOR requires. */
static cbor_item_t *cint(int64_t v)
{
	uint64_t n = v < 0 ? (uint64_t)(-(v + 1)) : (uint64_t)v;
	cbor_item_t *i = n <= UINT8_MAX ? cbor_build_uint8((uint8_t)n) :
			 n <= UINT16_MAX ? cbor_build_uint16((uint16_t)n) :
			 n <= UINT32_MAX ? cbor_build_uint32((uint32_t)n) : cbor_build_uint64(n);

	if (i != NULL && v < 0)
		cbor_mark_negint(i);
	return i;
}

/* Adds k: v to map m; always consumes k and v, so calls can nest builders. */
static bool put(cbor_item_t *m, cbor_item_t *k, cbor_item_t *v)
{
	bool ok = m != NULL && k != NULL && v != NULL &&
		  cbor_map_add(m, (struct cbor_pair){ .key = k, .value = v });

	if (k != NULL)
		cbor_decref(&k);
	if (v != NULL)
		cbor_decref(&v);
	return ok;
}

static cbor_item_t *bytes_array(const unsigned char *p, size_t n)
{
	cbor_item_t *a = cbor_new_definite_array(1), *b = cbor_build_bytestring(p, n);
	bool ok = a != NULL && b != NULL && cbor_array_push(a, b);

	if (b != NULL)
		cbor_decref(&b);
	if (!ok && a != NULL)
		cbor_decref(&a);
	return a;
}

/* Serialises and consumes item (NULL: an earlier step failed). */
static int cbor_out(cbor_item_t *item, unsigned char **out, size_t *len)
{
	size_t size = 0;

	*out = NULL;
	*len = item != NULL ? cbor_serialize_alloc(item, out, &size) : 0;
	if (item != NULL)
		cbor_decref(&item);
	if (*len > 0)
		return 0;
	free(*out);
	*out = NULL;
	return fail("cannot build CBOR");
}

static int bn_bytes(EVP_PKEY *k, const char *param, unsigned char *out, size_t len)
{
	BIGNUM *bn = NULL;
	bool ok = EVP_PKEY_get_bn_param(k, param, &bn) == 1 &&
		  BN_bn2binpad(bn, out, (int)len) == (int)len;

	BN_free(bn);
	return ok ? 0 : fail("cannot read public key %s", param);
}

/* COSE_Key, integer keys in canonical order 1, 3, -1, -2, -3. */
static int cose_key(EVP_PKEY *k, enum sa_alg alg, unsigned char **out, size_t *len)
{
	unsigned char a[1024], b[48];	/* n of RSA up to 8192 bits */
	size_t n = alg == SA_ES384 ? 48 : alg == SA_RS256 ? (size_t)EVP_PKEY_get_size(k) : 32;
	cbor_item_t *m = cbor_new_definite_map(alg == SA_ES256 || alg == SA_ES384 ? 5 : 4);
	bool ok = false;

	if (alg == SA_EDDSA)
		ok = EVP_PKEY_get_raw_public_key(k, a, &n) == 1 && n == 32 &&
		     put(m, cint(1), cint(1)) && put(m, cint(3), cint(alg)) &&
		     put(m, cint(-1), cint(6)) && put(m, cint(-2), cbor_build_bytestring(a, n));
	else if (alg == SA_RS256)
		ok = bn_bytes(k, OSSL_PKEY_PARAM_RSA_N, a, n) == 0 &&
		     bn_bytes(k, OSSL_PKEY_PARAM_RSA_E, b, 3) == 0 &&
		     put(m, cint(1), cint(3)) && put(m, cint(3), cint(alg)) &&
		     put(m, cint(-1), cbor_build_bytestring(a, n)) &&
		     put(m, cint(-2), cbor_build_bytestring(b, 3));
	else
		ok = bn_bytes(k, OSSL_PKEY_PARAM_EC_PUB_X, a, n) == 0 &&
		     bn_bytes(k, OSSL_PKEY_PARAM_EC_PUB_Y, b, n) == 0 &&
		     put(m, cint(1), cint(2)) && put(m, cint(3), cint(alg)) &&
		     put(m, cint(-1), cint(alg == SA_ES256 ? 1 : 2)) &&
		     put(m, cint(-2), cbor_build_bytestring(a, n)) &&
		     put(m, cint(-3), cbor_build_bytestring(b, n));
	if (!ok && m != NULL)
		cbor_decref(&m);
	return cbor_out(m, out, len);
}

/* Extension outputs in CTAP2 canonical order (shorter keys first), or
 * NULL when there are none. */
static int ext_map(const struct sa_opts *o, unsigned char **out, size_t *len)
{
	size_t n = (o->cred_blob ? 1 : 0) + (o->cred_protect != 0 ? 1 : 0) +
		   (o->hmac_secret ? 1 : 0) + (o->min_pin_length != 0 ? 1 : 0);
	cbor_item_t *m;
	bool ok;

	*out = NULL;
	*len = 0;
	if (n == 0)
		return 0;
	m = cbor_new_definite_map(n);
	ok = (!o->cred_blob || put(m, cbor_build_string("credBlob"), cbor_build_bool(true))) &&
	     (o->cred_protect == 0 ||
	      put(m, cbor_build_string("credProtect"), cbor_build_uint8(o->cred_protect))) &&
	     (!o->hmac_secret || put(m, cbor_build_string("hmac-secret"), cbor_build_bool(true))) &&
	     (o->min_pin_length == 0 ||
	      put(m, cbor_build_string("minPinLength"), cbor_build_uint8(o->min_pin_length)));
	if (!ok && m != NULL)
		cbor_decref(&m);
	return cbor_out(m, out, len);
}

/* rpIdHash || flags || signCount [|| AAGUID || idLen || id || COSE_Key] [|| extensions] */
static int auth_data(const struct sa_cred *c, const struct sa_opts *o, uint32_t count,
		     const unsigned char *guid, const unsigned char *cose, size_t cose_len,
		     const unsigned char *ext, size_t ext_len, unsigned char **ad, size_t *ad_len)
{
	const char *rp = o->rp_id_override != NULL ? o->rp_id_override : c->rp_id;
	unsigned char *p;

	*ad_len = 37 + (cose != NULL ? 18 + c->id_len + cose_len : 0) + ext_len;
	if ((p = *ad = malloc(*ad_len)) == NULL || sha256(rp, strlen(rp), p) < 0) {
		free(p);
		*ad = NULL;
		return fail("cannot build authenticatorData");
	}
	p[32] = (o->no_up ? 0 : FLAG_UP) | (o->no_uv ? 0 : FLAG_UV) | (cose != NULL ? FLAG_AT : 0) |
		(ext != NULL ? FLAG_ED : 0);
	for (int i = 0; i < 4; i++)
		p[33 + i] = (unsigned char)(count >> (24 - 8 * i));
	if (cose != NULL) {
		memcpy(p + 37, guid, 16);
		p[53] = (unsigned char)(c->id_len >> 8);
		p[54] = (unsigned char)c->id_len;
		memcpy(p + 55, c->id, c->id_len);
		memcpy(p + 55 + c->id_len, cose, cose_len);
	}
	if (ext != NULL)
		memcpy(p + *ad_len - ext_len, ext, ext_len);
	return 0;
}

static int client_data(const char *type, const char *challenge, const struct sa_opts *o,
		       char **cd, unsigned char cdh[32])
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:b}",
			      "type", o->type_override != NULL ? o->type_override : type,
			      "challenge", o->challenge_override != NULL ? o->challenge_override : challenge,
			      "origin", o->origin, "crossOrigin", 0);

	*cd = j != NULL ? json_dumps(j, JSON_OUT) : NULL;
	json_decref(j);
	return *cd != NULL ? sha256(*cd, strlen(*cd), cdh) : fail("cannot build clientDataJSON");
}

static int load_attestation(const struct sa_opts *o, EVP_PKEY **k, unsigned char **der,
			    int *der_len)
{
	BIO *kb = NULL, *cb = NULL;
	X509 *x = NULL;
	int rc = 0;

	*k = NULL;
	*der = NULL;
	if (o->attest_key_pem == NULL || o->attest_cert_pem == NULL)
		return fail("an attestation key and certificate are needed (--ca DIR)");
	if ((kb = BIO_new_file(o->attest_key_pem, "r")) == NULL ||
	    (cb = BIO_new_file(o->attest_cert_pem, "r")) == NULL ||
	    (*k = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL)) == NULL || !key_is(*k, SA_ES256) ||
	    (x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) == NULL || (*der_len = i2d_X509(x, der)) <= 0) {
		rc = fail("cannot read ES256 key %s or certificate %s", o->attest_key_pem,
			  o->attest_cert_pem);
		EVP_PKEY_free(*k);
		*k = NULL;
	}
	BIO_free(kb);
	BIO_free(cb);
	X509_free(x);
	return rc;
}

/* attStmt of fmt over authData ad and clientDataHash cdh; text keys in order alg, sig, x5c. */
static cbor_item_t *att_stmt(const struct sa_cred *c, enum sa_fmt fmt, const struct sa_opts *o,
			     const unsigned char *ad, size_t ad_len, const unsigned char cdh[32])
{
	EVP_PKEY *ak = NULL;
	unsigned char *der = NULL, *sig = NULL, u2f[1 + 64 + MAX_CRED_ID], pub[65] = { 0x04 };
	size_t sig_len = 0;
	int der_len = 0;
	cbor_item_t *m = NULL;

	if (fmt == SA_FMT_NONE)
		return cbor_new_definite_map(0);
	if (fmt != SA_FMT_PACKED_SELF && load_attestation(o, &ak, &der, &der_len) < 0)
		return NULL;
	if (fmt == SA_FMT_U2F) {
		/* U2F register message: 0x00 || rpIdHash || cdh || credId || 0x04 || x || y */
		u2f[0] = 0x00;
		memcpy(u2f + 1, ad, 32);
		memcpy(u2f + 33, cdh, 32);
		memcpy(u2f + 65, c->id, c->id_len);
		if (bn_bytes(c->pkey, OSSL_PKEY_PARAM_EC_PUB_X, pub + 1, 32) == 0 &&
		    bn_bytes(c->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, pub + 33, 32) == 0)
			sig = sign(ak, SA_ES256, u2f, 65 + c->id_len, pub, sizeof(pub), &sig_len);
	} else
		sig = sign(ak != NULL ? ak : c->pkey, ak != NULL ? SA_ES256 : c->alg, ad, ad_len,
			   cdh, 32, &sig_len);
	if (sig != NULL && (m = cbor_new_definite_map(3)) != NULL &&
	    (!(fmt == SA_FMT_U2F ||
	       put(m, cbor_build_string("alg"), cint(ak != NULL ? SA_ES256 : c->alg))) ||
	     !put(m, cbor_build_string("sig"), cbor_build_bytestring(sig, sig_len)) ||
	     !(ak == NULL || put(m, cbor_build_string("x5c"), bytes_array(der, (size_t)der_len))))) {
		cbor_decref(&m);
		fail("cannot build attStmt");
	}
	EVP_PKEY_free(ak);
	OPENSSL_free(der);
	free(sig);
	return m;
}

/* Parses options JSON and finds what every ceremony needs. */
static json_t *load_opts(const char *json, const struct sa_opts *o, const char **challenge)
{
	json_error_t je;
	json_t *j = NULL;

	if (o == NULL || o->origin == NULL)
		fail("an origin is required");
	else if ((j = json_loads(json, 0, &je)) == NULL)
		fail("options: %s", je.text);
	else if ((*challenge = jstr(j, "challenge")) == NULL) {
		fail("options lack a challenge");
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* Serialises and consumes j. */
static int dump(json_t *j, char **out)
{
	*out = j != NULL ? json_dumps(j, JSON_OUT) : NULL;
	json_decref(j);
	return *out != NULL ? 0 : fail("cannot build the response JSON");
}

int sa_create(const char *options_json, enum sa_alg alg, enum sa_fmt fmt, const struct sa_opts *o,
	      struct sa_cred **cred, char **response_json)
{
	static const char *const fmts[] = { "none", "packed", "packed", "fido-u2f" };
	struct sa_cred *c = NULL;
	const char *challenge, *rp_id, *user_id;
	unsigned char *cose = NULL, *ad = NULL, *ao = NULL, *ext = NULL, cdh[32];
	size_t cose_len, ad_len, ao_len, ext_len;
	char *cd = NULL, *b[4] = { NULL };	/* b64url: id, clientDataJSON, attObj, authData */
	cbor_item_t *obj, *st;
	json_t *opt;
	bool ok;
	int rc = -1;

	*cred = NULL;
	*response_json = NULL;
	if ((opt = load_opts(options_json, o, &challenge)) == NULL)
		return -1;
	rp_id = jstr(json_object_get(opt, "rp"), "id");
	user_id = jstr(json_object_get(opt, "user"), "id");
	if (user_id == NULL)
		FAIL("creation options lack user.id");
	if ((unsigned)fmt > SA_FMT_U2F || (fmt == SA_FMT_U2F && alg != SA_ES256) ||
	    o->cred_id_len > MAX_CRED_ID || o->cred_protect > 3 ||
	    (o->rsa_bits != 0 && (o->rsa_bits < 1024 || o->rsa_bits > 8192)))
		FAIL("bad format, fido-u2f without es256, credential id over %d bytes, credProtect "
		     "over 3 or RSA size outside 1024..8192", MAX_CRED_ID);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto out;
	c->alg = alg;
	c->id_len = o->cred_id_len != 0 ? o->cred_id_len : 32;
	c->counter = o->set_counter ? o->counter : 0;
	c->rp_id = rp_id != NULL ? strdup(rp_id) : origin_host(o->origin);
	if (c->rp_id == NULL || (c->id = malloc(c->id_len)) == NULL ||
	    RAND_bytes(c->id, (int)c->id_len) != 1 ||
	    (c->pkey = keygen(alg, o->rsa_bits != 0 ? o->rsa_bits : 2048)) == NULL)
		FAIL("cannot make the credential");
	if (sa_b64url_decode(user_id, &c->user, &c->user_len) < 0 ||
	    client_data("webauthn.create", challenge, o, &cd, cdh) < 0 ||
	    cose_key(c->pkey, alg, &cose, &cose_len) < 0 || ext_map(o, &ext, &ext_len) < 0 ||
	    auth_data(c, o, c->counter, fmt == SA_FMT_U2F ? zero_aaguid : aaguid, cose, cose_len,
		      ext, ext_len, &ad, &ad_len) < 0 ||
	    (st = att_stmt(c, fmt, o, ad, ad_len, cdh)) == NULL)
		goto out;
	/* text keys in canonical order: fmt, attStmt, authData; st is consumed either way */
	obj = cbor_new_definite_map(3);
	ok = put(obj, cbor_build_string("fmt"), cbor_build_string(fmts[fmt]));
	ok = put(obj, cbor_build_string("attStmt"), st) && ok;
	if (!(ok && put(obj, cbor_build_string("authData"), cbor_build_bytestring(ad, ad_len))) &&
	    obj != NULL)
		cbor_decref(&obj);
	if (cbor_out(obj, &ao, &ao_len) < 0)
		goto out;
	b[0] = sa_b64url_encode(c->id, c->id_len);
	b[1] = sa_b64url_encode((unsigned char *)cd, strlen(cd));
	b[2] = sa_b64url_encode(ao, ao_len);
	b[3] = sa_b64url_encode(ad, ad_len);
	if (dump(json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:[s], s:s, s:i}, s:s, s:{}}",
			   "id", b[0], "rawId", b[0], "type", "public-key", "response",
			   "clientDataJSON", b[1], "attestationObject", b[2], "transports", "usb",
			   "authenticatorData", b[3], "publicKeyAlgorithm", (int)alg,
			   "authenticatorAttachment", "cross-platform", "clientExtensionResults"),
		 response_json) < 0)
		goto out;
	*cred = c;
	c = NULL;
	rc = 0;
out:
	sa_cred_free(&c);
	json_decref(opt);
	for (size_t i = 0; i < 4; i++)
		free(b[i]);
	free(cose);
	free(ext);
	free(ad);
	free(ao);
	free(cd);
	return rc;
}

/* Does a non-empty allowCredentials leave this credential out? */
static bool not_allowed(const struct sa_cred *c, const json_t *allow)
{
	unsigned char *id;
	size_t i, n;
	json_t *v;
	bool same;

	json_array_foreach(allow, i, v) {
		id = NULL;
		same = jstr(v, "id") != NULL && sa_b64url_decode(jstr(v, "id"), &id, &n) == 0 &&
		       n == c->id_len && memcmp(id, c->id, n) == 0;
		free(id);
		if (same)
			return false;
	}
	return json_array_size(allow) > 0;
}

int sa_get(struct sa_cred *c, const char *options_json, const struct sa_opts *o,
	   char **response_json)
{
	const char *challenge, *rp;
	char *host = NULL, *cd = NULL, *b[5] = { NULL };	/* b64url: id, cd, ad, sig, uh */
	unsigned char *ad = NULL, *sig = NULL, cdh[32];
	size_t ad_len, sig_len;
	uint32_t count;
	json_t *opt;
	int rc = -1;

	*response_json = NULL;
	if ((opt = load_opts(options_json, o, &challenge)) == NULL)
		return -1;
	if ((rp = jstr(opt, "rpId")) == NULL && (rp = host = origin_host(o->origin)) == NULL)
		goto out;
	/* a real authenticator has no credential for another rp id */
	if (strcmp(rp, c->rp_id) != 0)
		FAIL("the credential is for rp id \"%s\", not \"%s\"", c->rp_id, rp);
	if (not_allowed(c, json_object_get(opt, "allowCredentials")))
		FAIL("the credential is not in allowCredentials");
	count = o->set_counter ? o->counter : c->counter + 1;
	if (client_data("webauthn.get", challenge, o, &cd, cdh) < 0 ||
	    auth_data(c, o, count, NULL, NULL, 0, NULL, 0, &ad, &ad_len) < 0 ||
	    (sig = sign(c->pkey, c->alg, ad, ad_len, cdh, 32, &sig_len)) == NULL)
		goto out;
	b[0] = sa_b64url_encode(c->id, c->id_len);
	b[1] = sa_b64url_encode((unsigned char *)cd, strlen(cd));
	b[2] = sa_b64url_encode(ad, ad_len);
	b[3] = sa_b64url_encode(sig, sig_len);
	if ((c->user != NULL && (b[4] = sa_b64url_encode(c->user, c->user_len)) == NULL) ||
	    dump(json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s*}, s:s, s:{}}",
			   "id", b[0], "rawId", b[0], "type", "public-key", "response",
			   "clientDataJSON", b[1], "authenticatorData", b[2], "signature", b[3],
			   "userHandle", b[4], "authenticatorAttachment", "cross-platform",
			   "clientExtensionResults"), response_json) < 0)
		goto out;
	c->counter = count;
	rc = 0;
out:
	json_decref(opt);
	for (size_t i = 0; i < 5; i++)
		free(b[i]);
	free(host);
	free(cd);
	free(ad);
	free(sig);
	return rc;
}

int sa_cred_save(const struct sa_cred *c, const char *path)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL, *id = NULL, *uh = NULL, *tmp = NULL, *data;
	long pem_len;
	json_t *j = NULL;
	int fd, rc = -1;
	bool ok;

	if (bio == NULL || PEM_write_bio_PrivateKey(bio, c->pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (pem_len = BIO_get_mem_data(bio, &data)) <= 0 ||
	    (pem = strndup(data, (size_t)pem_len)) == NULL ||
	    (id = sa_b64url_encode(c->id, c->id_len)) == NULL ||
	    (c->user != NULL && (uh = sa_b64url_encode(c->user, c->user_len)) == NULL) ||
	    (j = json_pack("{s:i, s:s, s:s, s:s*, s:I, s:s}", "alg", (int)c->alg, "rpId", c->rp_id,
			   "id", id, "userHandle", uh, "counter", (json_int_t)c->counter,
			   "key", pem)) == NULL || asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;	/* asprintf leaves it undefined on failure */
		FAIL("cannot serialise the credential");
	}
	/* temp file (mkstemp: 0600) + rename: never half a key file */
	if ((fd = mkstemp(tmp)) < 0)
		FAIL("%s: %s", tmp, strerror(errno));
	ok = json_dumpfd(j, fd, JSON_INDENT(2)) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		FAIL("%s: %s", path, strerror(errno));
	}
	rc = 0;
out:
	BIO_free(bio);
	json_decref(j);
	if (pem != NULL)
		OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	free(id);
	free(uh);
	free(tmp);
	return rc;
}

int sa_cred_load(const char *path, struct sa_cred **cred)
{
	const char *rp, *id, *uh = NULL, *pem;
	struct sa_cred *c = NULL;
	json_int_t count;
	json_error_t je;
	BIO *bio = NULL;
	json_t *j;
	int alg, rc = -1;

	*cred = NULL;
	/* optional key last: jansson may skip keys after a missing optional one */
	if ((j = json_load_file(path, 0, &je)) == NULL ||
	    json_unpack_ex(j, &je, 0, "{s:i, s:s, s:s, s:I, s:s, s?s}", "alg", &alg, "rpId", &rp,
			   "id", &id, "counter", &count, "key", &pem, "userHandle", &uh) < 0)
		FAIL("%s: %s", path, je.text);
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->rp_id = strdup(rp)) == NULL ||
	    sa_b64url_decode(id, &c->id, &c->id_len) < 0 ||
	    (uh != NULL && sa_b64url_decode(uh, &c->user, &c->user_len) < 0))
		goto out;
	c->alg = (enum sa_alg)alg;
	c->counter = (uint32_t)count;
	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL ||
	    (c->pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    !key_is(c->pkey, c->alg) || count < 0 || count > UINT32_MAX || c->id_len == 0 ||
	    c->id_len > MAX_CRED_ID)
		FAIL("%s: bad key, alg, counter or id", path);
	*cred = c;
	c = NULL;
	rc = 0;
out:
	BIO_free(bio);
	json_decref(j);
	sa_cred_free(&c);
	return rc;
}

void sa_cred_free(struct sa_cred **cred)
{
	if (cred == NULL || *cred == NULL)
		return;
	EVP_PKEY_free((*cred)->pkey);
	free((*cred)->id);
	free((*cred)->user);
	free((*cred)->rp_id);
	free(*cred);
	*cred = NULL;
}

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	bool ok = e != NULL && X509_add_ext(x, e, -1) == 1;

	X509_EXTENSION_free(e);
	return ok;
}

/* id-fido-gen-ce-aaguid, non-critical: OCTET STRING wrapping OCTET STRING(AAGUID) */
static bool add_aaguid(X509 *x)
{
	ASN1_OCTET_STRING *in = ASN1_OCTET_STRING_new(), *outer = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
	X509_EXTENSION *e = NULL;
	unsigned char *der = NULL;
	int n = 0;
	bool ok = in != NULL && outer != NULL && oid != NULL &&
		  ASN1_OCTET_STRING_set(in, aaguid, sizeof(aaguid)) == 1 &&
		  (n = i2d_ASN1_OCTET_STRING(in, &der)) > 0 &&
		  ASN1_OCTET_STRING_set(outer, der, n) == 1 &&
		  (e = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, outer)) != NULL &&
		  X509_add_ext(x, e, -1) == 1;

	X509_EXTENSION_free(e);
	OPENSSL_free(der);
	ASN1_OBJECT_free(oid);
	ASN1_OCTET_STRING_free(in);
	ASN1_OCTET_STRING_free(outer);
	return ok;
}

/* Root CA when issuer is NULL, else a packed attestation certificate (WebAuthn 8.2.1). */
static X509 *make_cert(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *k)
{
	const char *rdn[][2] = { { "C", "SE" }, { "O", "softauthn test" },
				 { "OU", issuer != NULL ? "Authenticator Attestation" : NULL },
				 { "CN", issuer != NULL ? "softauthn batch" : "softauthn test root" } };
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	uint64_t serial = 0;
	bool ok = x != NULL && n != NULL && RAND_bytes((unsigned char *)&serial, sizeof(serial)) == 1;

	for (size_t i = 0; ok && i < sizeof(rdn) / sizeof(rdn[0]); i++)
		ok = rdn[i][1] == NULL || X509_NAME_add_entry_by_txt(n, rdn[i][0], MBSTRING_UTF8,
				(const unsigned char *)rdn[i][1], -1, -1, 0) == 1;
	ok = ok && X509_set_version(x, X509_VERSION_3) == 1 &&
	     ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial >> 1) == 1 &&
	     X509_set_subject_name(x, n) == 1 &&
	     X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n) == 1 &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -86400) != NULL &&
	     X509_time_adj_ex(X509_getm_notAfter(x), 3652, -86400, NULL) != NULL &&
	     X509_set_pubkey(x, k) == 1;
	if (ok) {
		X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
		ok = add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
		     (issuer != NULL ?
		      add_ext(x, &ctx, NID_basic_constraints, "CA:FALSE") &&
		      add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") &&
		      add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") && add_aaguid(x) :
		      add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
		      add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign")) &&
		     X509_sign(x, issuer_key, EVP_sha256()) > 0;
	}
	X509_NAME_free(n);
	if (!ok) {
		fail("cannot make a certificate");
		X509_free(x);
		x = NULL;
	}
	return x;
}

static int write_pem(const char *dir, const char *name, X509 *x, EVP_PKEY *k)
{
	char path[PATH_MAX];
	mode_t mode = k != NULL ? 0600 : 0644;
	int fd = -1, n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	BIO *b = NULL;
	/* fchmod: O_CREAT's mode does not apply to a file that exists */
	bool ok = n > 0 && (size_t)n < sizeof(path) &&
		  (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) >= 0 &&
		  fchmod(fd, mode) == 0 && (b = BIO_new_fd(fd, BIO_CLOSE)) != NULL &&
		  (k != NULL ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) :
			       PEM_write_bio_X509(b, x)) == 1 && BIO_flush(b) == 1;

	if (b == NULL && fd >= 0)
		close(fd);
	BIO_free(b);
	return ok ? 0 : fail("%s/%s: cannot write (%s)", dir, name, strerror(errno));
}

int sa_make_ca(const char *dir)
{
	EVP_PKEY *rk = keygen(SA_ES256, 0), *ak = keygen(SA_ES256, 0);
	X509 *root = NULL, *att = NULL;
	int rc = -1;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		fail("%s: %s", dir, strerror(errno));
	else if (rk == NULL || ak == NULL)
		fail("cannot make keys");
	else if ((root = make_cert(NULL, rk, rk)) != NULL &&
		 (att = make_cert(root, rk, ak)) != NULL && write_pem(dir, "root.pem", root, NULL) == 0 &&
		 write_pem(dir, "attest.pem", att, NULL) == 0 && write_pem(dir, "attest.key", NULL, ak) == 0)
		rc = 0;
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ak);
	X509_free(root);
	X509_free(att);
	return rc;
}

int sa_flip_bit(const char *response_json, const char *field, size_t bit, char **out_json)
{
	json_t *j, *holder;
	json_error_t je;
	unsigned char *buf = NULL;
	size_t len = 0;
	char *s = NULL;
	int rc = -1;

	*out_json = NULL;
	if ((j = json_loads(response_json, 0, &je)) == NULL)
		return fail("response: %s", je.text);
	if (jstr(holder = json_object_get(j, "response"), field) == NULL)
		holder = j;
	if (jstr(holder, field) == NULL || sa_b64url_decode(jstr(holder, field), &buf, &len) < 0 ||
	    bit / 8 >= len)
		FAIL("no base64url field %s with a bit %zu", field, bit);
	buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	if ((s = sa_b64url_encode(buf, len)) == NULL ||
	    json_object_set_new(holder, field, json_string(s)) < 0)
		goto out;
	rc = dump(json_incref(j), out_json);
out:
	json_decref(j);
	free(buf);
	free(s);
	return rc;
}
