/* selfcheck: verifies softauthn's output independently, with libfido2 for attestations and
 * assertions and OpenSSL for the certificate chain. Exit 0 when every check passes.
 * FIDO_DEBUG=1 turns on libfido2's log. */
#include "softauthn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cbor.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/es384.h>
#include <fido/rs256.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define ORIGIN "https://example.org"
#define RP "example.org"
#define CHALLENGE "c2VsZmNoZWNrLWNoYWxsZW5nZS0wMTIzNDU2Nzg5"
#define USER_ID "dXNlci0xMjM0"
#define CHECK(cond, ...) do { if (!(cond)) { printf("FAIL line %d: ", __LINE__); \
	printf(__VA_ARGS__); putchar('\n'); goto out; } } while (0)

static const unsigned char aaguid[16] = SOFTAUTHN_AAGUID;
static char dir[] = "/tmp/softauthn-selfcheck.XXXXXX", paths[4][64];	/* see main() */

/* Decoded base64url member response.<name>, or top-level <name>. */
static unsigned char *field(const char *json, const char *name, size_t *len)
{
	json_t *j = json_loads(json, 0, NULL);
	const char *s = json_string_value(json_object_get(json_object_get(j, "response"), name));
	unsigned char *p = NULL;

	if (s == NULL)
		s = json_string_value(json_object_get(j, name));
	if (s != NULL && sa_b64url_decode(s, &p, len) < 0)
		p = NULL;
	json_decref(j);
	return p;
}

/* clientDataJSON must be byte for byte what a browser sends; cdh is its SHA-256. */
static bool client_data_ok(const char *json, const char *type, unsigned char cdh[32])
{
	json_t *want = json_pack("{s:s, s:s, s:s, s:b}", "type", type, "challenge", CHALLENGE,
				 "origin", ORIGIN, "crossOrigin", 0);
	char *w = json_dumps(want, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t len = 0;
	unsigned char *cd = field(json, "clientDataJSON", &len);
	bool ok = w != NULL && cd != NULL && len == strlen(w) && memcmp(cd, w, len) == 0 &&
		  EVP_Digest(cd, len, cdh, NULL, EVP_sha256(), NULL) == 1;

	json_decref(want);
	free(w);
	free(cd);
	return ok;
}

/* Strict chain to root.pem, v3, CA:FALSE, and (packed) the AAGUID extension. */
static bool chain_ok(const unsigned char *der, size_t len, bool packed)
{
	X509 *leaf = d2i_X509(NULL, &der, (long)len), *root = NULL;
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
	ASN1_OCTET_STRING *inner = NULL;
	X509_EXTENSION *ext = NULL;
	const unsigned char *p;
	FILE *f = fopen(paths[0], "r");
	bool ok = false;

	CHECK(leaf != NULL && f != NULL && (root = PEM_read_X509(f, NULL, NULL, NULL)) != NULL &&
	      st != NULL && ctx != NULL && X509_STORE_add_cert(st, root) == 1 &&
	      X509_STORE_set_flags(st, X509_V_FLAG_X509_STRICT) == 1 &&
	      X509_STORE_CTX_init(ctx, st, leaf, NULL) == 1, "cannot read certificates");
	CHECK(X509_verify_cert(ctx) == 1, "chain: %s",
	      X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	CHECK(X509_get_version(leaf) == X509_VERSION_3 && X509_check_ca(leaf) == 0, "v3, CA:FALSE");
	ext = X509_get_ext(leaf, X509_get_ext_by_OBJ(leaf, oid, -1));
	CHECK(ext != NULL && !X509_EXTENSION_get_critical(ext), "non-critical AAGUID extension");
	p = ASN1_STRING_get0_data(X509_EXTENSION_get_data(ext));
	inner = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(X509_EXTENSION_get_data(ext)));
	CHECK(!packed || (inner != NULL && ASN1_STRING_length(inner) == 16 &&
			  memcmp(ASN1_STRING_get0_data(inner), aaguid, 16) == 0), "AAGUID value");
	ok = true;
out:
	if (f != NULL)
		fclose(f);
	X509_free(leaf);
	X509_free(root);
	X509_STORE_free(st);
	X509_STORE_CTX_free(ctx);
	ASN1_OBJECT_free(oid);
	ASN1_OCTET_STRING_free(inner);
	return ok;
}

/* Registration through libfido2; returns the verified fido_cred_t. */
static fido_cred_t *check_registration(int alg, enum sa_fmt fmt, const char *json)
{
	static const char *const fmts[] = { "none", "packed", "packed", "fido-u2f" };
	static const unsigned char zero[16];
	fido_cred_t *fc = fido_cred_new(), *ret = NULL;
	unsigned char cdh[32], *ao = NULL, *ad = NULL, *st = NULL;
	size_t ao_len = 0, ad_len = 0, st_size = 0, st_len, fl = strlen(fmts[fmt]);
	struct cbor_load_result res;
	cbor_item_t *obj = NULL;
	struct cbor_pair *kv;
	int r;

	CHECK(client_data_ok(json, "webauthn.create", cdh), "clientDataJSON");
	ao = field(json, "attestationObject", &ao_len);
	ad = field(json, "authenticatorData", &ad_len);
	CHECK(ao != NULL && ad != NULL && (obj = cbor_load(ao, ao_len, &res)) != NULL &&
	      res.read == ao_len && cbor_isa_map(obj) && cbor_map_size(obj) == 3, "attObj: map of 3");
	kv = cbor_map_handle(obj);
	CHECK(cbor_string_length(kv[0].key) == 3 && cbor_string_length(kv[1].key) == 7 &&
	      cbor_string_length(kv[2].key) == 8 && cbor_isa_string(kv[0].value) &&
	      cbor_string_length(kv[0].value) == fl &&
	      memcmp(cbor_string_handle(kv[0].value), fmts[fmt], fl) == 0, "fmt, attStmt, authData");
	CHECK(cbor_isa_bytestring(kv[2].value) && cbor_bytestring_length(kv[2].value) == ad_len &&
	      memcmp(cbor_bytestring_handle(kv[2].value), ad, ad_len) == 0,
	      "authData differs from response.authenticatorData");
	CHECK(cbor_isa_map(kv[1].value) && (fmt != SA_FMT_NONE) == (cbor_map_size(kv[1].value) > 0),
	      "attStmt shape");
	CHECK(fc != NULL && fido_cred_set_type(fc, alg) == FIDO_OK &&
	      fido_cred_set_clientdata_hash(fc, cdh, sizeof(cdh)) == FIDO_OK &&
	      fido_cred_set_rp(fc, RP, NULL) == FIDO_OK &&
	      fido_cred_set_authdata_raw(fc, ad, ad_len) == FIDO_OK &&
	      fido_cred_set_fmt(fc, fmts[fmt]) == FIDO_OK, "libfido2 rejects authData");
	CHECK(fido_cred_flags(fc) == 0x45 && fido_cred_sigcount(fc) == 0 &&
	      fido_cred_aaguid_len(fc) == 16 &&
	      memcmp(fido_cred_aaguid_ptr(fc), fmt == SA_FMT_U2F ? zero : aaguid, 16) == 0,
	      "flags, signCount or AAGUID");
	if (fmt != SA_FMT_NONE) {
		st_len = cbor_serialize_alloc(kv[1].value, &st, &st_size);
		CHECK(st_len > 0 && fido_cred_set_attstmt(fc, st, st_len) == FIDO_OK, "attStmt");
		r = fmt == SA_FMT_PACKED_SELF ? fido_cred_verify_self(fc) : fido_cred_verify(fc);
		CHECK(r == FIDO_OK, "attestation signature: %s", fido_strerr(r));
	}
	if (fmt == SA_FMT_PACKED_X5C || fmt == SA_FMT_U2F)
		CHECK(chain_ok(fido_cred_x5c_ptr(fc), fido_cred_x5c_len(fc),
			       fmt == SA_FMT_PACKED_X5C), "attestation certificate");
	ret = fc;
	fc = NULL;
out:
	fido_cred_free(&fc);
	if (obj != NULL)
		cbor_decref(&obj);
	free(ao);
	free(ad);
	free(st);
	return ret;
}

#define VERIFY_WITH(T) do { T##_pk_t *k = T##_pk_new(); \
	if (k != NULL && T##_pk_from_ptr(k, fido_cred_pubkey_ptr(fc), \
					 fido_cred_pubkey_len(fc)) == FIDO_OK) \
		r = fido_assert_verify(a, 0, alg, k); \
	T##_pk_free(&k); } while (0)

/* Assertion through libfido2 with the registered key: the fido_err, signed flags, count. */
static int check_assertion(int alg, const fido_cred_t *fc, const char *json, uint8_t *flags,
			   uint32_t *count)
{
	size_t ad_len = 0, sig_len = 0, uh_len = 0, want_len = 0;
	unsigned char cdh[32], *ad = field(json, "authenticatorData", &ad_len),
		      *sig = field(json, "signature", &sig_len),
		      *uh = field(json, "userHandle", &uh_len), *want = NULL;
	fido_assert_t *a = fido_assert_new();
	int r = FIDO_ERR_INTERNAL;

	CHECK(client_data_ok(json, "webauthn.get", cdh), "clientDataJSON");
	CHECK(uh != NULL && sa_b64url_decode(USER_ID, &want, &want_len) == 0 &&
	      uh_len == want_len && memcmp(uh, want, uh_len) == 0, "userHandle");
	CHECK(a != NULL && ad != NULL && sig != NULL &&
	      fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)) == FIDO_OK &&
	      fido_assert_set_rp(a, RP) == FIDO_OK && fido_assert_set_count(a, 1) == FIDO_OK &&
	      fido_assert_set_authdata_raw(a, 0, ad, ad_len) == FIDO_OK &&
	      fido_assert_set_sig(a, 0, sig, sig_len) == FIDO_OK, "libfido2 rejects the assertion");
	switch (alg) {
	case COSE_ES256: VERIFY_WITH(es256); break;
	case COSE_ES384: VERIFY_WITH(es384); break;
	case COSE_EDDSA: VERIFY_WITH(eddsa); break;
	case COSE_RS256: VERIFY_WITH(rs256); break;
	}
	*flags = fido_assert_flags(a, 0);
	*count = fido_assert_sigcount(a, 0);
out:
	fido_assert_free(&a);
	free(ad);
	free(sig);
	free(uh);
	free(want);
	return r;
}

static char *request_options(const char *rp, const char *allow_id)
{
	json_t *j = json_pack("{s:s, s:i, s:s, s:s}", "challenge", CHALLENGE, "timeout", 60000,
			      "rpId", rp, "userVerification", "preferred");
	char *s;

	if (allow_id != NULL)
		json_object_set_new(j, "allowCredentials",
				    json_pack("[{s:s, s:s, s:[s]}]", "type", "public-key",
					      "id", allow_id, "transports", "usb"));
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

/* One alg/fmt: register, assert, tamper, save and load, assert again (and knobs, once). */
static bool run_case(int alg, enum sa_fmt fmt, const char *create_opts, const struct sa_opts *o)
{
	struct sa_cred *cred = NULL;
	struct sa_opts o2 = *o;
	fido_cred_t *fc = NULL;
	char *reg = NULL, *resp = NULL, *bad = NULL, *ropts = NULL, *id = NULL;
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	uint8_t flags = 0;
	uint32_t count = 0;
	int r;
	bool ok = false;

	CHECK(sa_create(create_opts, (enum sa_alg)alg, fmt, o, &cred, &reg) == 0, "sa_create");
	CHECK((fc = check_registration(alg, fmt, reg)) != NULL, "registration");
	CHECK((raw = field(reg, "rawId", &raw_len)) != NULL && raw_len == 32 &&
	      (id = sa_b64url_encode(raw, raw_len)) != NULL &&
	      (ropts = request_options(RP, id)) != NULL && sa_get(cred, ropts, o, &resp) == 0, "sa_get");
	r = check_assertion(alg, fc, resp, &flags, &count);
	CHECK(r == FIDO_OK && flags == 0x05 && count == 1, "assertion: %s, flags %#x, count %u",
	      fido_strerr(r), flags, count);
	CHECK(sa_flip_bit(resp, "signature", 9, &bad) == 0 &&
	      check_assertion(alg, fc, bad, &flags, &count) != FIDO_OK, "tampered signature passes");
	/* as a second process would: reload the key file, no allowCredentials */
	CHECK(sa_cred_save(cred, paths[3]) == 0, "sa_cred_save");
	sa_cred_free(&cred);
	free(ropts);
	free(resp);
	resp = NULL;
	CHECK(sa_cred_load(paths[3], &cred) == 0 && (ropts = request_options(RP, NULL)) != NULL &&
	      sa_get(cred, ropts, o, &resp) == 0, "sa_get after reload");
	r = check_assertion(alg, fc, resp, &flags, &count);
	CHECK(r == FIDO_OK && count == 2, "reloaded: %s, count %u", fido_strerr(r), count);
	if (alg == COSE_ES256 && fmt == SA_FMT_NONE) {
		free(resp);
		o2.no_up = o2.no_uv = o2.set_counter = true;
		o2.counter = 0;
		CHECK(sa_get(cred, ropts, &o2, &resp) == 0 &&
		      check_assertion(alg, fc, resp, &flags, &count) == FIDO_OK &&
		      flags == 0 && count == 0, "no-up, no-uv, counter 0");
		free(resp);
		o2 = *o;
		o2.rp_id_override = "evil.example";
		CHECK(sa_get(cred, ropts, &o2, &resp) == 0 &&
		      check_assertion(alg, fc, resp, &flags, &count) != FIDO_OK,
		      "rpIdHash of another rp passes");
		puts("     (es256 none also checks refusals: two messages on stderr)");
		fflush(stdout);
		free(ropts);
		free(bad);
		ropts = request_options(RP, "AAAAAAAA");
		CHECK(sa_get(cred, ropts, o, &bad) < 0, "credential outside allowCredentials used");
		free(ropts);
		ropts = request_options("other.example", NULL);
		CHECK(sa_get(cred, ropts, o, &bad) < 0, "credential used for another rp id");
	}
	ok = true;
out:
	sa_cred_free(&cred);
	fido_cred_free(&fc);
	free(reg);
	free(resp);
	free(bad);
	free(ropts);
	free(id);
	free(raw);
	return ok;
}

int main(void)
{
	static const char *const names[] = { "root.pem", "attest.key", "attest.pem", "cred.json" };
	static const char *const fmts[] = { "none", "packed-self", "packed-x5c", "fido-u2f" };
	static const struct { const char *name; int alg; } algs[] = {
		{ "es256", COSE_ES256 }, { "eddsa", COSE_EDDSA }, { "rs256", COSE_RS256 },
		{ "es384", COSE_ES384 } };
	struct sa_opts o = { .origin = ORIGIN, .attest_key_pem = paths[1],
			     .attest_cert_pem = paths[2] };
	char *copts;
	int failed = 0, run = 0;
	bool ok;
	json_t *j = json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:s, s:[{s:s, s:i}, {s:s, s:i}], "
			      "s:i, s:[], s:{s:s, s:s}, s:s}", "rp", "id", RP, "name", "Example",
			      "user", "id", USER_ID, "name", "alice", "displayName", "Alice",
			      "challenge", CHALLENGE, "pubKeyCredParams", "type", "public-key",
			      "alg", -7, "type", "public-key", "alg", -257, "timeout", 60000,
			      "excludeCredentials", "authenticatorSelection", "residentKey",
			      "discouraged", "userVerification", "preferred", "attestation", "direct");

	fido_init(getenv("FIDO_DEBUG") != NULL ? FIDO_DEBUG : 0);
	if (j == NULL || (copts = json_dumps(j, JSON_COMPACT)) == NULL || mkdtemp(dir) == NULL)
		return 1;
	for (int i = 0; i < 4; i++)
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, names[i]);
	if (sa_make_ca(dir) < 0)
		return 1;
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++)
		for (int f = SA_FMT_NONE; f <= SA_FMT_U2F; f++) {
			if (f == SA_FMT_U2F && algs[a].alg != COSE_ES256)
				continue;
			ok = run_case(algs[a].alg, (enum sa_fmt)f, copts, &o);
			run++;
			failed += !ok;
			printf("%s %-5s %s\n", ok ? "ok  " : "FAIL", algs[a].name, fmts[f]);
		}
	printf("%d of %d cases passed\n", run - failed, run);
	for (int i = 0; i < 4; i++)
		unlink(paths[i]);
	rmdir(dir);
	json_decref(j);
	free(copts);
	return failed == 0 ? 0 : 1;
}
