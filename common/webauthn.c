/*
 * webauthn.c - the relying party of WebAuthn Level 2 §7: registration
 * (§7.1) and authentication (§7.2) ceremonies, with challenges and
 * credentials in the store. libfido2 verifies attestation signatures and
 * imports (and checks) public keys; OpenSSL verifies login signatures with
 * the imported key and attestation certificate chains; webauthn_codec.c
 * parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "factor.h"
#include "webauthn_codec.h"

#define WA_CREATE "webauthn.create"
#define WA_GET "webauthn.get"
#define WA_USER_HANDLE_LEN 32
#define WA_CHALLENGE_PREFIX "wa:"         /* apart from RADIUS challenges (hex) */
#define WA_ERR_MAX 256

/* Everything one ceremony found out, for the verdict, the audit and the user. */
struct ceremony {
	mfa_ctx *ctx;
	const struct mfa_request *req;
	struct wa_response resp;
	struct wa_client_data cd;
	struct wa_auth_data ad;
	struct wa_cose_key key;
	char err[WA_ERR_MAX];
};

static const EVP_MD *ctx_sha256(const mfa_ctx *ctx);

/* Points *user at its canonical form (user_case) in canon. */
static int require_rp(mfa_ctx *ctx, const char **user, char canon[MFA_USER_MAX + 1])
{
	int r = ctx_require_open(ctx);

	if (r != MFA_OK || (r = mfa_user_canonical(ctx, *user, canon)) != MFA_OK)
		return r;
	*user = canon;
	if (!ctx->cfg.webauthn_rp_id[0])
		return ctx_fail(ctx, MFA_ERR_CONFIG,
		                "WebAuthn is not configured: set webauthn_rp_id (and webauthn_origins) "
		                "in %s", ctx->config_path);
	return MFA_OK;
}

/* A stable, opaque user.id (§5.4.3: no personal data): HMAC of the name
 * under a key derived from the key file's, so that every server sharing
 * the key file agrees, and the sealing key itself is used for nothing else. */
static int user_handle(mfa_ctx *ctx, const char *user, unsigned char out[WA_USER_HANDLE_LEN])
{
	static const char label[] = "mfa webauthn user handle key";
	unsigned char subkey[SHA256_DIGEST_LENGTH];
	unsigned len = 0, sublen = 0;
	bool ok;

	ok = HMAC(EVP_sha256(), ctx->key, sizeof(ctx->key), (const unsigned char *)label,
	          sizeof(label) - 1, subkey, &sublen) &&
	     HMAC(EVP_sha256(), subkey, sublen, (const unsigned char *)user, strlen(user), out, &len) &&
	     len == WA_USER_HANDLE_LEN;
	OPENSSL_cleanse(subkey, sizeof(subkey));
	if (!ok)
		return ctx_fail(ctx, MFA_ERR_SYSTEM, "cannot derive the WebAuthn user handle");
	return MFA_OK;
}

static const char *rp_name(const mfa_ctx *ctx)
{
	return ctx->cfg.webauthn_rp_name[0] ? ctx->cfg.webauthn_rp_name : ctx->cfg.issuer;
}

/* Stores a fresh challenge for user and ceremony; returns it base64url. */
static int challenge_issue(mfa_ctx *ctx, const char *user, const char *ceremony,
                           char b64[WA_CHALLENGE_B64_MAX + 1])
{
	struct store_challenge c = { 0 };
	unsigned char raw[WA_CHALLENGE_LEN];
	int r;

	if ((r = random_bytes(raw, sizeof(raw))) != MFA_OK)
		return ctx_fail(ctx, r, "no randomness for a challenge");
	b64url_encode(raw, sizeof(raw), b64);
	snprintf(c.id, sizeof(c.id), WA_CHALLENGE_PREFIX "%s", b64);
	str_copy(c.user, sizeof(c.user), user);
	str_copy(c.nas, sizeof(c.nas), ceremony);
	c.expires = ctx_now(ctx) + ctx->cfg.webauthn_timeout;
	return challenge_store(ctx, &c);
}

/* Inside a write transaction: takes the challenge clientData names; NULL
 * if it was ours, for this user and ceremony, and unexpired, else why not. */
static const char *challenge_consume(struct ceremony *c, const char *ceremony, int *r)
{
	struct store_challenge sc;
	char id[STORE_CHALLENGE_ID_MAX + 1];
	bool found;

	*r = MFA_OK;
	if (strlen(c->cd.challenge) + sizeof(WA_CHALLENGE_PREFIX) > sizeof(id))
		return "the challenge is not one we issued";
	snprintf(id, sizeof(id), WA_CHALLENGE_PREFIX "%s", c->cd.challenge);
	if ((*r = c->ctx->store->ops->challenge_take(c->ctx->store, id, &sc, &found)) != MFA_OK)
		return NULL;
	if (!found)
		return "the challenge is unknown or already used (start again)";
	if (sc.expires <= ctx_now(c->ctx))
		return "the challenge expired (start again, and answer within webauthn_timeout)";
	if (strcmp(sc.nas, ceremony) != 0)
		return "the challenge was issued for another ceremony";
	if (strcmp(sc.user, c->req->user) != 0)
		return "the challenge was issued to another user";
	return NULL;
}

static bool origin_allowed(const mfa_ctx *ctx, const char *origin)
{
	const char *p = ctx->cfg.webauthn_origins, *word;
	size_t n = strlen(origin), len;

	if (!*p) {   /* default: the rp id itself over https */
		char only[WA_ORIGIN_MAX + 16];

		snprintf(only, sizeof(only), "https://%s", ctx->cfg.webauthn_rp_id);
		return !strcmp(origin, only);
	}
	while (words_next(&p, &word, &len))
		if (len == n && !memcmp(word, origin, n))
			return true;
	return false;
}

#define REFUSE(...) do { snprintf(c->err, sizeof(c->err), __VA_ARGS__); return MFA_ERR_WEBAUTHN; } while (0)

/* §7.1 steps 7-16 and §7.2 steps 11-17: what clientDataJSON and
 * authenticatorData must say, the same for both ceremonies. */
static int check_client_and_flags(struct ceremony *c, const char *type,
                                  const unsigned char *auth_data, size_t auth_len)
{
	mfa_ctx *ctx = c->ctx;
	unsigned char rp_hash[SHA256_DIGEST_LENGTH];
	const char *rp = ctx->cfg.webauthn_rp_id;

	if (wa_client_data_parse(c->resp.client_data, c->resp.client_data_len, &c->cd, c->err,
	                         sizeof(c->err)) != 0)
		return MFA_ERR_WEBAUTHN;
	if (strcmp(c->cd.type, type) != 0)
		REFUSE("clientDataJSON.type is \"%.40s\", not \"%s\"", c->cd.type, type);
	if (!origin_allowed(ctx, c->cd.origin))
		REFUSE("origin \"%.200s\" is not in webauthn_origins", c->cd.origin);
	if (c->cd.cross_origin)
		REFUSE("the ceremony ran in a cross-origin frame, which is not allowed");
	if (c->cd.token_binding_present)
		REFUSE("token binding is not supported");
	if (wa_auth_data_parse(auth_data, auth_len, &c->ad, c->err, sizeof(c->err)) != 0)
		return MFA_ERR_WEBAUTHN;
	if (EVP_Digest(rp, strlen(rp), rp_hash, NULL, ctx_sha256(ctx), NULL) != 1)
		return ctx_fail(ctx, MFA_ERR_SYSTEM, "cannot hash the relying party id");
	if (CRYPTO_memcmp(rp_hash, c->ad.rp_id_hash, sizeof(rp_hash)) != 0)
		REFUSE("the authenticator signed for another relying party than %s", rp);
	if (!(c->ad.flags & WA_FLAG_UP))
		REFUSE("user presence was not confirmed (touch the key)");
	if (!(c->ad.flags & WA_FLAG_UV) && ctx->cfg.webauthn_user_verification == WEBAUTHN_UV_REQUIRED)
		REFUSE("user verification (PIN or biometric) is required and was not done");
	if ((c->ad.flags & WA_FLAG_BS) && !(c->ad.flags & WA_FLAG_BE))
		REFUSE("authenticatorData says backed up but not backup eligible");
	return MFA_OK;
}

static fido_opt_t uv_option(const mfa_ctx *ctx)
{
	return ctx->cfg.webauthn_user_verification == WEBAUTHN_UV_REQUIRED ? FIDO_OPT_TRUE
	                                                                     : FIDO_OPT_OMIT;
}

static bool client_data_hash(const struct ceremony *c, unsigned char out[SHA256_DIGEST_LENGTH])
{
	return EVP_Digest(c->resp.client_data, c->resp.client_data_len, out, NULL,
	                  ctx_sha256(c->ctx), NULL) == 1;
}

/* ---- registration ---------------------------------------------------- */

static json_t *credential_list(const struct store_factor *list, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		char id[(STORE_CRED_ID_MAX + 2) / 3 * 4 + 1];
		json_t *tr = json_array(), *cred;
		const char *t = list[i].transports, *word;
		size_t len;

		if (list[i].type != MFA_FACTOR_WEBAUTHN || !list[i].active) {
			json_decref(tr);
			continue;
		}
		while (tr && words_next(&t, &word, &len))
			json_array_append_new(tr, json_stringn(word, len));
		b64url_encode(list[i].cred_id, list[i].cred_id_len, id);
		cred = json_pack("{s:s, s:s, s:o}", "type", "public-key", "id", id, "transports", tr);
		if (!cred || json_array_append_new(arr, cred) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The user's factors, in a read transaction; count: active credentials. */
static int user_credentials(mfa_ctx *ctx, const char *user, struct store_factor **list,
                            size_t *n, size_t *count)
{
	int r;

	*count = 0;
	if ((r = ctx->store->ops->begin(ctx->store, false)) != MFA_OK ||
	    (r = ctx->store->ops->factors_get(ctx->store, user, list, n)) != MFA_OK)
		return tx_abort(ctx, r);
	ctx->store->ops->rollback(ctx->store);
	for (size_t i = 0; i < *n; i++)
		*count += (*list)[i].type == MFA_FACTOR_WEBAUTHN && (*list)[i].active;
	return MFA_OK;
}

static int options_dump(mfa_ctx *ctx, json_t *root, char **out)
{
	if (!root || !(*out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
		json_decref(root);
		return ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
	}
	json_decref(root);
	return MFA_OK;
}

int mfa_webauthn_register_begin(mfa_ctx *ctx, const char *user, char **options_json)
{
	char canon[MFA_USER_MAX + 1];
	unsigned char handle[WA_USER_HANDLE_LEN];
	char handle_b64[WA_USER_HANDLE_LEN * 2], challenge[WA_CHALLENGE_B64_MAX + 1];
	struct store_factor *list = NULL;
	size_t n = 0, count;
	json_t *exclude;
	int r;

	*options_json = NULL;
	if ((r = require_rp(ctx, &user, canon)) != MFA_OK ||
	    (r = user_name_require(ctx, user)) != MFA_OK ||
	    (r = user_handle(ctx, user, handle)) != MFA_OK ||
	    (r = user_credentials(ctx, user, &list, &n, &count)) != MFA_OK)
		goto out;
	b64url_encode(handle, sizeof(handle), handle_b64);
	/* The authenticator refuses to make a second credential for a user it
	 * already holds one of (§5.4.3 excludeCredentials). */
	if (!(exclude = credential_list(list, n))) {
		r = ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = challenge_issue(ctx, user, WA_CREATE, challenge)) != MFA_OK) {
		json_decref(exclude);
		goto out;
	}
	r = options_dump(
		ctx,
		json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:s, s:[{s:s, s:i}, {s:s, s:i}, {s:s, s:i}],"
		          " s:I, s:o, s:{s:s, s:b, s:s}, s:s}",
		          "rp", "id", ctx->cfg.webauthn_rp_id, "name", rp_name(ctx),
		          "user", "id", handle_b64, "name", user, "displayName", user,
		          "challenge", challenge,
		          "pubKeyCredParams", "type", "public-key", "alg", WA_ALG_ES256,
		          "type", "public-key", "alg", WA_ALG_EDDSA, "type", "public-key", "alg",
		          WA_ALG_RS256,
		          "timeout", (json_int_t)ctx->cfg.webauthn_timeout * 1000,
		          "excludeCredentials", exclude,
		          "authenticatorSelection", "residentKey", "preferred", "requireResidentKey", 0,
		          "userVerification", config_uv_name(ctx->cfg.webauthn_user_verification),
		          "attestation", ctx->cfg.webauthn_trust_anchors[0] ? "direct" : "none"),
		options_json);
out:
	store_factors_free(&list, n);
	return r;
}

/* §8.2.1: what a packed attestation certificate must say. */
static bool packed_cert_ok(X509 *cert, const unsigned char aaguid[STORE_AAGUID_LEN],
                           char *err, size_t errlen)
{
	X509_NAME *subject = X509_get_subject_name(cert);
	char ou[64];
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
	int idx = oid ? X509_get_ext_by_OBJ(cert, oid, -1) : -1;
	bool ok = false;

	if (X509_get_version(cert) != X509_VERSION_3 ||
	    X509_NAME_get_text_by_NID(subject, NID_organizationalUnitName, ou, sizeof(ou)) < 0 ||
	    strcmp(ou, "Authenticator Attestation") != 0 ||
	    X509_NAME_get_index_by_NID(subject, NID_countryName, -1) < 0 ||
	    X509_NAME_get_index_by_NID(subject, NID_organizationName, -1) < 0 ||
	    X509_NAME_get_index_by_NID(subject, NID_commonName, -1) < 0) {
		snprintf(err, errlen, "the attestation certificate's subject is not what WebAuthn "
		                      "§8.2.1 asks (v3, C, O, OU=Authenticator Attestation, CN)");
		goto out;
	}
	if (X509_check_ca(cert) != 0) {
		snprintf(err, errlen, "the attestation certificate is a CA certificate");
		goto out;
	}
	if (idx >= 0) {
		ASN1_OCTET_STRING *outer = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
		const unsigned char *p = ASN1_STRING_get0_data(outer);
		ASN1_OCTET_STRING *inner = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(outer));
		bool match = inner && ASN1_STRING_length(inner) == STORE_AAGUID_LEN &&
		             !memcmp(ASN1_STRING_get0_data(inner), aaguid, STORE_AAGUID_LEN);

		ASN1_OCTET_STRING_free(inner);
		if (X509_EXTENSION_get_critical(X509_get_ext(cert, idx)) || !match) {
			snprintf(err, errlen, "the attestation certificate names another AAGUID than "
			                      "the authenticator data");
			goto out;
		}
	}
	ok = true;
out:
	ASN1_OBJECT_free(oid);
	return ok;
}

/* The x5c chain up to one of webauthn_trust_anchors: MFA_OK, a refusal,
 * or an error of the anchors file (which refuses every key). */
static int chain_trusted(mfa_ctx *ctx, STACK_OF(X509) *chain, char *err, size_t errlen)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *vctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int r = MFA_ERR_WEBAUTHN;

	if (!store || !vctx || !untrusted) {
		r = ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (X509_STORE_load_file(store, ctx->cfg.webauthn_trust_anchors) != 1) {
		r = ctx_fail(ctx, MFA_ERR_CONFIG, "cannot read webauthn_trust_anchors %s: it must be "
		             "a file of PEM certificates readable by this process",
		             ctx->cfg.webauthn_trust_anchors);
		goto out;
	}
	/* An anchor may be an intermediate a vendor publishes for its keys. */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	for (int i = 1; i < sk_X509_num(chain); i++)
		if (!sk_X509_push(untrusted, sk_X509_value(chain, i))) {
			r = ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
			goto out;
		}
	if (X509_STORE_CTX_init(vctx, store, sk_X509_value(chain, 0), untrusted) != 1) {
		r = ctx_fail(ctx, MFA_ERR_SYSTEM, "cannot set up a certificate check");
		goto out;
	}
	if (X509_verify_cert(vctx) != 1) {
		snprintf(err, errlen, "the attestation certificate does not chain to "
		                      "webauthn_trust_anchors: %s",
		         X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx)));
		goto out;
	}
	r = MFA_OK;
out:
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(store);
	sk_X509_free(untrusted);
	return r;
}

/* x5c of the attestation statement as certificates (leaf first). */
static STACK_OF(X509) *x5c_certs(const struct wa_attestation *att)
{
	STACK_OF(X509) *chain = sk_X509_new_null();

	for (size_t i = 0; chain && i < att->x5c_count; i++) {
		const unsigned char *p = att->x5c[i];
		X509 *cert = d2i_X509(NULL, &p, (long)att->x5c_len[i]);

		if (!cert || p != att->x5c[i] + att->x5c_len[i] || !sk_X509_push(chain, cert)) {
			X509_free(cert);
			sk_X509_pop_free(chain, X509_free);
			return NULL;
		}
	}
	return chain;
}

/* libfido2 compares the extension outputs in authData with those the
 * relying party asked for, and refuses a difference (FIDO_ERR_INVALID_PARAM).
 * We ask for none, but keys add their own (YubiKeys send credProtect), and
 * §7.1 step 18 lets a relying party take unsolicited outputs: so it is
 * told to expect exactly what authData carries. */
static bool expect_extensions(fido_cred_t *cred, const struct wa_auth_data *ad)
{
	int ext = (ad->hmac_secret ? FIDO_EXT_HMAC_SECRET : 0) |
	          (ad->cred_blob ? FIDO_EXT_CRED_BLOB : 0);

	return fido_cred_set_extensions(cred, ext) == FIDO_OK &&
	       fido_cred_set_prot(cred, ad->cred_protect) == FIDO_OK &&
	       fido_cred_set_pin_minlen(cred, ad->min_pin_length) == FIDO_OK;
}

static EVP_PKEY *public_key_from(const struct wa_cose_key *key);

/* A packed signature over authData || clientDataHash, checked as libfido2
 * checks it, for the keys libfido2 cannot hold (RSA other than 2048 bits):
 * with the certificate's key and attStmt.alg, or the credential's own. */
static bool packed_signature_ok(struct ceremony *c, const struct wa_attestation *att,
                                const unsigned char cdh[SHA256_DIGEST_LENGTH])
{
	unsigned char msg[WA_AUTH_DATA_MAX + SHA256_DIGEST_LENGTH];
	const unsigned char *p = att->x5c_count ? att->x5c[0] : NULL;
	X509 *cert = p ? d2i_X509(NULL, &p, (long)att->x5c_len[0]) : NULL;
	EVP_PKEY *pkey = att->x5c_count ? (cert ? X509_get_pubkey(cert) : NULL)
	                                : public_key_from(&c->key);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok;

	memcpy(msg, att->auth_data, att->auth_data_len);
	memcpy(msg + att->auth_data_len, cdh, SHA256_DIGEST_LENGTH);
	ok = md && pkey && att->sig &&
	     (att->att_alg == WA_ALG_ES256 || att->att_alg == WA_ALG_RS256 ||
	      att->att_alg == WA_ALG_EDDSA) &&
	     EVP_DigestVerifyInit(md, NULL, att->att_alg == WA_ALG_EDDSA ? NULL : EVP_sha256(), NULL,
	                          pkey) == 1 &&
	     EVP_DigestVerify(md, att->sig, att->sig_len, msg,
	                      att->auth_data_len + SHA256_DIGEST_LENGTH) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	X509_free(cert);
	return ok;
}

/* §8: the attestation statement; sets the kind of attestation it was. */
static int check_attestation(struct ceremony *c, const struct wa_attestation *att,
                             char kind[16])
{
	mfa_ctx *ctx = c->ctx;
	bool anchors = ctx->cfg.webauthn_trust_anchors[0] != '\0';
	/* libfido2 reads RS256 keys of 2048 bits only. */
	bool fido_key = c->key.alg != WA_ALG_RS256 || c->key.rsa_n_len == 256;
	unsigned char cdh[SHA256_DIGEST_LENGTH];
	STACK_OF(X509) *chain = NULL;
	fido_cred_t *cred = NULL;
	int fr, r = MFA_ERR_WEBAUTHN;

	if (strcmp(att->fmt, "none") != 0 && strcmp(att->fmt, "packed") != 0 &&
	    strcmp(att->fmt, "fido-u2f") != 0) {
		snprintf(c->err, sizeof(c->err), "attestation format \"%s\" is not supported (none, "
		         "packed and fido-u2f are)", att->fmt);
		goto out;
	}
	if (!client_data_hash(c, cdh)) {
		r = ctx_fail(c->ctx, MFA_ERR_SYSTEM, "OpenSSL cannot compute SHA-256");
		goto out;
	}
	if (!(cred = fido_cred_new())) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	/* libfido2 parses authData again, against the key type we expect. */
	if (fido_key &&
	    (fido_cred_set_type(cred, c->key.alg) != FIDO_OK ||
	     fido_cred_set_clientdata_hash(cred, cdh, sizeof(cdh)) != FIDO_OK ||
	     fido_cred_set_rp(cred, ctx->cfg.webauthn_rp_id, rp_name(ctx)) != FIDO_OK ||
	     fido_cred_set_uv(cred, uv_option(ctx)) != FIDO_OK ||
	     fido_cred_set_authdata_raw(cred, att->auth_data, att->auth_data_len) != FIDO_OK ||
	     !expect_extensions(cred, &c->ad) || fido_cred_set_fmt(cred, att->fmt) != FIDO_OK)) {
		snprintf(c->err, sizeof(c->err), "libfido2 refuses the authenticator data");
		goto out;
	}
	if (!strcmp(att->fmt, "none")) {
		if (!att->att_stmt_empty) {
			snprintf(c->err, sizeof(c->err), "a \"none\" attestation must have an empty attStmt");
			goto out;
		}
		str_copy(kind, 16, "none");
	} else {
		if (fido_key && fido_cred_set_attstmt(cred, att->att_stmt, att->att_stmt_len) != FIDO_OK) {
			snprintf(c->err, sizeof(c->err), "the %s attestation statement is malformed",
			         att->fmt);
			goto out;
		}
		if (!strcmp(att->fmt, "fido-u2f") && (c->key.alg != WA_ALG_ES256 || !att->x5c_count)) {
			snprintf(c->err, sizeof(c->err), "a fido-u2f attestation needs an ES256 key and "
			                                 "a certificate");
			goto out;
		}
		if (!att->x5c_count && att->att_alg != c->key.alg) {
			snprintf(c->err, sizeof(c->err), "the self attestation's algorithm is not the "
			                                 "credential's");
			goto out;
		}
		if (fido_key) {
			fr = att->x5c_count ? fido_cred_verify(cred) : fido_cred_verify_self(cred);
			if (fr != FIDO_OK) {
				snprintf(c->err, sizeof(c->err), "the %s attestation signature does not "
				         "verify (%s)", att->fmt, fido_strerr(fr));
				goto out;
			}
		} else if (!packed_signature_ok(c, att, cdh)) {
			snprintf(c->err, sizeof(c->err), "the %s attestation signature does not verify",
			         att->fmt);
			goto out;
		}
		str_copy(kind, 16, att->x5c_count ? "basic" : "self");
	}
	if (att->x5c_count) {
		if (!(chain = x5c_certs(att))) {
			snprintf(c->err, sizeof(c->err), "the attestation certificates are not DER X.509");
			goto out;
		}
		if (!strcmp(att->fmt, "fido-u2f") && sk_X509_num(chain) != 1) {
			snprintf(c->err, sizeof(c->err), "a fido-u2f attestation has exactly one certificate");
			goto out;
		}
		if (!strcmp(att->fmt, "packed") &&
		    !packed_cert_ok(sk_X509_value(chain, 0), c->ad.aaguid, c->err, sizeof(c->err)))
			goto out;
		if (anchors) {
			if ((r = chain_trusted(ctx, chain, c->err, sizeof(c->err))) != MFA_OK)
				goto out;
			str_copy(kind, 16, "trusted");
		}
	} else if (anchors) {
		snprintf(c->err, sizeof(c->err), "webauthn_trust_anchors is set, so keys must prove "
		         "their make with an attestation certificate; this one sent %s attestation",
		         kind);
		goto out;
	}
	r = MFA_OK;
out:
	sk_X509_pop_free(chain, X509_free);
	fido_cred_free(&cred);
	return r;
}

static void result_from(struct mfa_webauthn_result *out, const struct ceremony *c,
                        const char *factor_id)
{
	str_copy(out->factor_id, sizeof(out->factor_id), factor_id ? factor_id : "");
	out->algorithm = c->key.alg;
	out->sign_count = c->ad.sign_count;
	out->user_verified = (c->ad.flags & WA_FLAG_UV) != 0;
}

/* Audits a refused ceremony and records why for mfa_ctx_error(). */
static int refuse(struct ceremony *c, const char *event, int r, const char *factor_id)
{
	const char *outcome = r == MFA_ERR_CLONED ? "cloned" : "rejected";

	if (!mfa_err_is_verdict(r))
		return r;
	audit_emit(c->ctx, &(struct audit_event){ .event = event, .user = c->req->user,
	                                          .factor = factor_id, .source = c->req->source,
	                                          .remote = c->req->remote, .outcome = outcome,
	                                          .detail = c->err });
	return ctx_fail(c->ctx, r, "%s", c->err);
}

/* Ends the write transaction of a ceremony whose store step returned r. A
 * refusal still commits, so the challenge it took stays taken, and is
 * audited; any other failure rolls back. */
static int tx_finish(struct ceremony *c, const char *event, int r, const char *factor_id)
{
	mfa_ctx *ctx = c->ctx;
	int committed;

	if (r != MFA_OK && !mfa_err_is_verdict(r))
		return tx_abort(ctx, r);
	if ((committed = ctx->store->ops->commit(ctx->store)) != MFA_OK)
		return tx_abort(ctx, committed);
	return r == MFA_OK ? MFA_OK : refuse(c, event, r, factor_id);
}

static int register_verify(struct ceremony *c, struct wa_attestation *att, char kind[16])
{
	int r;

	if (wa_attestation_parse(c->resp.attestation, c->resp.attestation_len, att, c->err,
	                         sizeof(c->err)) != 0)
		return MFA_ERR_WEBAUTHN;
	if ((r = check_client_and_flags(c, WA_CREATE, att->auth_data, att->auth_data_len)) != MFA_OK)
		return r;
	if (!c->ad.has_credential)
		REFUSE("the authenticator data holds no credential");
	if (c->ad.cred_id_len != c->resp.cred_id_len ||
	    memcmp(c->ad.cred_id, c->resp.cred_id, c->ad.cred_id_len) != 0)
		REFUSE("the credential id differs from the one in the authenticator data");
	if (wa_cose_key_parse(c->ad.cose_key, c->ad.cose_key_len, &c->key, c->err,
	                      sizeof(c->err)) != 0)
		return MFA_ERR_WEBAUTHN;
	return check_attestation(c, att, kind);
}

/* Inside the write transaction: challenge, uniqueness, then the new factor. */
static int register_store(struct ceremony *c, const char *label, struct store_factor *f)
{
	mfa_ctx *ctx = c->ctx;
	struct store_factor other;
	const char *why;
	bool found;
	int r;

	if ((why = challenge_consume(c, WA_CREATE, &r)) || r != MFA_OK) {
		if (why)
			snprintf(c->err, sizeof(c->err), "%s", why);
		return r != MFA_OK ? r : MFA_ERR_CHALLENGE;
	}
	if ((r = ctx->store->ops->factor_by_cred(ctx->store, c->ad.cred_id, c->ad.cred_id_len,
	                                         &other, &found)) != MFA_OK)
		return r;
	if (found) {
		if (!strcmp(other.user, c->req->user))
			REFUSE("this security key is already registered as factor %s", other.id);
		REFUSE("this security key is already registered to another user");
	}
	f->type = MFA_FACTOR_WEBAUTHN;
	str_copy(f->user, sizeof(f->user), c->req->user);
	str_copy(f->label, sizeof(f->label), label);
	if ((r = factor_id_new(f->id)) != MFA_OK)
		return r;
	f->counter = c->ad.sign_count;
	f->active = true;
	f->created = ctx_now(ctx);
	f->cose_alg = c->key.alg;
	memcpy(f->cred_id, c->ad.cred_id, c->ad.cred_id_len);
	f->cred_id_len = c->ad.cred_id_len;
	memcpy(f->aaguid, c->ad.aaguid, sizeof(f->aaguid));
	str_copy(f->transports, sizeof(f->transports), c->resp.transports);
	if ((r = factor_seal(ctx, f, c->ad.cose_key, c->ad.cose_key_len)) != MFA_OK)
		return r;
	return ctx->store->ops->factor_insert(ctx->store, f);
}

int mfa_webauthn_register_finish(mfa_ctx *ctx, const struct mfa_request *req_in,
                                 const char *response_json, const char *label,
                                 struct mfa_webauthn_result *out)
{
	struct mfa_request creq = *req_in;
	const struct mfa_request *req = &creq;
	char canon[MFA_USER_MAX + 1];
	struct ceremony c = { .ctx = ctx, .req = req };
	struct wa_attestation att = { 0 };
	struct store_factor *f = NULL;
	char detail[128];
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = require_rp(ctx, &creq.user, canon)) != MFA_OK)
		goto out;
	if (!label)
		label = "security key";
	if ((r = user_name_require(ctx, creq.user)) != MFA_OK ||
	    (r = label_require(ctx, label)) != MFA_OK)
		goto out;
	if (!response_json ||
	    wa_response_parse(response_json, strlen(response_json), true, &c.resp, c.err,
	                      sizeof(c.err)) != 0) {
		r = ctx_fail(ctx, MFA_ERR_INVALID, "%s", response_json ? c.err : "no response");
		goto out;
	}
	if (!(f = calloc(1, sizeof(*f)))) {
		r = ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = register_verify(&c, &att, f->attestation)) != MFA_OK) {
		r = refuse(&c, "webauthn-register", r, NULL);
		goto out;
	}
	if ((r = store_begin_user(ctx->store, req->user)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	r = register_store(&c, label, f);
	if ((r = tx_finish(&c, "webauthn-register", r, NULL)) != MFA_OK)
		goto out;
	result_from(out, &c, f->id);
	str_copy(out->attestation, sizeof(out->attestation), f->attestation);
	snprintf(detail, sizeof(detail), "%s, %s attestation (%s)",
	         mfa_webauthn_algorithm_name(c.key.alg), att.fmt, f->attestation);
	audit_emit(ctx, &(struct audit_event){ .event = "webauthn-register", .user = req->user,
	                                       .factor = f->id, .source = req->source,
	                                       .remote = req->remote, .outcome = "ok",
	                                       .detail = detail });
out:
	out->result = r;
	wa_attestation_free(&att);
	wa_response_free(&c.resp);
	if (f)
		OPENSSL_cleanse(f, sizeof(*f));
	free(f);
	return r;
}

/* ---- authentication -------------------------------------------------- */

int mfa_webauthn_login_begin(mfa_ctx *ctx, const char *user, char **options_json)
{
	char canon[MFA_USER_MAX + 1];
	char challenge[WA_CHALLENGE_B64_MAX + 1];
	struct store_factor *list = NULL;
	size_t n = 0, count;
	json_t *allow;
	int r;

	*options_json = NULL;
	if ((r = require_rp(ctx, &user, canon)) != MFA_OK ||
	    (r = user_credentials(ctx, user, &list, &n, &count)) != MFA_OK)
		goto out;
	if (count == 0) {
		r = ctx_fail(ctx, MFA_ERR_NO_FACTOR, "user %s has no security key or passkey "
		             "(register one with 'mfactl webauthn register-begin %s')", user, user);
		goto out;
	}
	if (!(allow = credential_list(list, n))) {
		r = ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = challenge_issue(ctx, user, WA_GET, challenge)) != MFA_OK) {
		json_decref(allow);
		goto out;
	}
	r = options_dump(ctx,
	                 json_pack("{s:s, s:I, s:s, s:o, s:s}", "challenge", challenge, "timeout",
	                           (json_int_t)ctx->cfg.webauthn_timeout * 1000, "rpId",
	                           ctx->cfg.webauthn_rp_id, "allowCredentials", allow,
	                           "userVerification",
	                           config_uv_name(ctx->cfg.webauthn_user_verification)),
	                 options_json);
out:
	store_factors_free(&list, n);
	return r;
}

/* Public keys already unsealed and turned into OpenSSL keys by libfido2,
 * per context: a login then costs the signature check and one write
 * transaction, not a store read, a decryption and a key import too. An
 * entry is trusted only while the stored record is byte for byte the one
 * it was made from: login_commit compares them inside the transaction. */
#define KEY_CACHE_SIZE 32

struct cached_key {
	unsigned char cred_id[STORE_CRED_ID_MAX];
	size_t cred_id_len;
	unsigned char sealed[STORE_SEALED_MAX];
	size_t sealed_len;
	char user[MFA_USER_MAX + 1];
	char factor_id[MFA_ID_LEN + 1];
	unsigned char user_handle[WA_USER_HANDLE_LEN];
	int alg;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *verify;   /* ES256, RS256: set up once, reused per login */
	/* EdDSA signs the message itself, so no digest context is reusable:
	 * a DigestVerifyInit'ed template is copied into verify_md instead
	 * (a copy costs far less than the init, which looks the key up). */
	EVP_MD_CTX *verify_template, *verify_md;
	uint64_t last_use;
};

struct key_cache {
	struct cached_key entry[KEY_CACHE_SIZE];
	uint64_t clock;
	EVP_MD *sha256;         /* fetched once: OpenSSL 3 fetches per use otherwise */
	size_t verify_setups;   /* verification contexts made, for the tests */
};

static void key_cache_free(void *p)
{
	struct key_cache *kc = p;

	if (!kc)
		return;
	for (size_t i = 0; i < KEY_CACHE_SIZE; i++) {
		EVP_PKEY_CTX_free(kc->entry[i].verify);
		EVP_MD_CTX_free(kc->entry[i].verify_template);
		EVP_MD_CTX_free(kc->entry[i].verify_md);
		EVP_PKEY_free(kc->entry[i].pkey);
	}
	EVP_MD_free(kc->sha256);
	free(kc);
}

static struct cached_key *key_cache_find(mfa_ctx *ctx, const unsigned char *cred_id, size_t len)
{
	struct key_cache *kc = ctx->webauthn_keys;

	for (size_t i = 0; kc && i < KEY_CACHE_SIZE; i++) {
		struct cached_key *e = &kc->entry[i];

		if (e->pkey && e->cred_id_len == len && !memcmp(e->cred_id, cred_id, len)) {
			e->last_use = ++kc->clock;
			return e;
		}
	}
	return NULL;
}

static void key_cache_drop(struct cached_key *e)
{
	EVP_PKEY_CTX_free(e->verify);
	EVP_MD_CTX_free(e->verify_template);
	EVP_MD_CTX_free(e->verify_md);
	EVP_PKEY_free(e->pkey);
	memset(e, 0, sizeof(*e));
}

/* The least recently used slot, emptied. */
static struct cached_key *key_cache_slot(mfa_ctx *ctx)
{
	struct key_cache *kc = ctx->webauthn_keys;
	struct cached_key *victim;

	if (!kc) {
		if (!(kc = calloc(1, sizeof(*kc))))
			return NULL;
		if (!(kc->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL))) {
			free(kc);
			return NULL;
		}
		ctx->webauthn_keys = kc;
		ctx->webauthn_keys_free = key_cache_free;
	}
	victim = &kc->entry[0];
	for (size_t i = 1; i < KEY_CACHE_SIZE; i++)
		if (kc->entry[i].last_use < victim->last_use)
			victim = &kc->entry[i];
	key_cache_drop(victim);
	victim->last_use = ++kc->clock;
	return victim;
}

/* SHA-256 as fetched by the key cache, else OpenSSL's (fetched per use). */
static const EVP_MD *ctx_sha256(const mfa_ctx *ctx)
{
	const struct key_cache *kc = ctx->webauthn_keys;

	return kc && kc->sha256 ? kc->sha256 : EVP_sha256();
}

/* The entry's verification context, made once for its key: ES256 and
 * RS256 sign SHA-256 of the message, and a context set up once verifies
 * any number of digests (EVP_PKEY_verify(3)); EdDSA gets a template. */
static bool verify_setup(mfa_ctx *ctx, struct cached_key *e)
{
	struct key_cache *kc = ctx->webauthn_keys;
	bool ok;

	if (e->alg == WA_ALG_EDDSA)
		ok = (e->verify_template = EVP_MD_CTX_new()) && (e->verify_md = EVP_MD_CTX_new()) &&
		     EVP_DigestVerifyInit(e->verify_template, NULL, NULL, NULL, e->pkey) == 1;
	else
		ok = (e->verify = EVP_PKEY_CTX_new_from_pkey(NULL, e->pkey, NULL)) &&
		     EVP_PKEY_verify_init(e->verify) == 1 &&
		     EVP_PKEY_CTX_set_signature_md(e->verify, ctx_sha256(ctx)) == 1;
	kc->verify_setups += ok;
	return ok;
}

size_t webauthn_verify_setups(const mfa_ctx *ctx)
{
	const struct key_cache *kc = ctx->webauthn_keys;

	return kc ? kc->verify_setups : 0;
}

/* An RSA public key of any size (libfido2's rs256_pk_t holds 2048 bits
 * only), checked by OpenSSL as a public key (odd modulus, odd e > 1). */
static EVP_PKEY *rsa_public_key(const unsigned char *n, size_t n_len, const unsigned char *e,
                                size_t e_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *bn_n = BN_bin2bn(n, (int)n_len, NULL), *bn_e = BN_bin2bn(e, (int)e_len, NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *check = NULL;

	if (!bld || !pctx || !bn_n || !bn_e ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1 ||
	    !(check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) ||
	    EVP_PKEY_public_check(check) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(check);
	OSSL_PARAM_free(params);
	BN_free(bn_n);
	BN_free(bn_e);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

/* libfido2 checks the COSE key's material (a P-256 point on the curve, ...)
 * and makes the OpenSSL key; OpenSSL does for RSA. */
static EVP_PKEY *public_key_from(const struct wa_cose_key *key)
{
	EVP_PKEY *pkey = NULL;

	if (key->alg == WA_ALG_ES256) {
		es256_pk_t *pk = es256_pk_new();

		if (pk && es256_pk_from_ptr(pk, key->raw, key->raw_len) == FIDO_OK)
			pkey = es256_pk_to_EVP_PKEY(pk);
		es256_pk_free(&pk);
	} else if (key->alg == WA_ALG_EDDSA) {
		eddsa_pk_t *pk = eddsa_pk_new();

		if (pk && eddsa_pk_from_ptr(pk, key->raw, key->raw_len) == FIDO_OK)
			pkey = eddsa_pk_to_EVP_PKEY(pk);
		eddsa_pk_free(&pk);
	} else if (key->alg == WA_ALG_RS256) {
		pkey = rsa_public_key(key->raw, key->rsa_n_len, key->raw + key->rsa_n_len,
		                      key->raw_len - key->rsa_n_len);
	}
	return pkey;
}

/* The credential of the response, from the cache or the store. */
static int credential_key(struct ceremony *c, struct cached_key **out)
{
	mfa_ctx *ctx = c->ctx;
	struct store_factor *f = NULL;
	unsigned char cose[STORE_COSE_KEY_MAX];
	size_t cose_len = 0;
	struct cached_key *e;
	bool found;
	int r;

	if ((*out = key_cache_find(ctx, c->resp.cred_id, c->resp.cred_id_len)))
		return MFA_OK;
	if (!(f = malloc(sizeof(*f))))
		return ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
	/* A read transaction of its own: the store reads only inside one. */
	if ((r = ctx->store->ops->begin(ctx->store, false)) != MFA_OK ||
	    (r = ctx->store->ops->factor_by_cred(ctx->store, c->resp.cred_id, c->resp.cred_id_len, f,
	                                         &found)) != MFA_OK) {
		r = tx_abort(ctx, r);
		goto out;
	}
	ctx->store->ops->rollback(ctx->store);
	if (!found || f->type != MFA_FACTOR_WEBAUTHN) {
		snprintf(c->err, sizeof(c->err), "this security key is not registered to %s",
		         c->req->user);
		r = MFA_ERR_WEBAUTHN;
		goto out;
	}
	if ((r = factor_unseal(ctx, f, cose, sizeof(cose), &cose_len)) != MFA_OK)
		goto out;
	if (wa_cose_key_parse(cose, cose_len, &c->key, c->err, sizeof(c->err)) != 0 ||
	    c->key.alg != f->cose_alg) {
		r = ctx_fail(ctx, MFA_ERR_CORRUPT, "factor %s of %s: the stored public key is "
		             "malformed (remove it and register the key again)", f->id, f->user);
		goto out;
	}
	if (!(e = key_cache_slot(ctx))) {
		r = ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = user_handle(ctx, f->user, e->user_handle)) != MFA_OK) {
		key_cache_drop(e);
		goto out;
	}
	if (!(e->pkey = public_key_from(&c->key))) {
		key_cache_drop(e);
		r = ctx_fail(ctx, MFA_ERR_CORRUPT, "factor %s of %s: libfido2 refuses the stored "
		             "public key (remove it and register the key again)", f->id, f->user);
		goto out;
	}
	e->alg = c->key.alg;
	if (!verify_setup(ctx, e)) {
		key_cache_drop(e);
		r = ctx_fail(ctx, MFA_ERR_SYSTEM, "OpenSSL cannot set up the verification of a "
		             "WebAuthn signature");
		goto out;
	}
	memcpy(e->cred_id, f->cred_id, f->cred_id_len);
	e->cred_id_len = f->cred_id_len;
	memcpy(e->sealed, f->sealed, f->sealed_len);
	e->sealed_len = f->sealed_len;
	str_copy(e->user, sizeof(e->user), f->user);
	str_copy(e->factor_id, sizeof(e->factor_id), f->id);
	*out = e;
out:
	OPENSSL_cleanse(cose, sizeof(cose));
	free(f);
	return r;
}

/* §7.2 step 20: the signature over authenticatorData || hash(clientData),
 * as libfido2's own verifiers check it: ES256 and RS256 over SHA-256,
 * EdDSA over the message itself. */
static int assertion_signature(struct ceremony *c, const struct cached_key *key)
{
	unsigned char msg[WA_AUTH_DATA_MAX + SHA256_DIGEST_LENGTH], digest[SHA256_DIGEST_LENGTH];
	size_t msg_len = c->resp.auth_data_len + SHA256_DIGEST_LENGTH;
	const EVP_MD *sha256 = ctx_sha256(c->ctx);
	int ok = 0;

	memcpy(msg, c->resp.auth_data, c->resp.auth_data_len);
	if (EVP_Digest(c->resp.client_data, c->resp.client_data_len, msg + c->resp.auth_data_len,
	               NULL, sha256, NULL) != 1)
		return ctx_fail(c->ctx, MFA_ERR_SYSTEM, "cannot hash the WebAuthn client data");
	if (key->verify) {
		ok = EVP_Digest(msg, msg_len, digest, NULL, sha256, NULL) == 1 &&
		     EVP_PKEY_verify(key->verify, c->resp.sig, c->resp.sig_len, digest,
		                     sizeof(digest)) == 1;
	} else {
		ok = EVP_MD_CTX_copy_ex(key->verify_md, key->verify_template) == 1 &&
		     EVP_DigestVerify(key->verify_md, c->resp.sig, c->resp.sig_len, msg, msg_len) == 1;
	}
	if (!ok)
		REFUSE("the signature does not verify");
	return MFA_OK;
}

/* Everything that needs no write: the response, the credential, the signature. */
static int login_verify(struct ceremony *c, struct cached_key **key)
{
	int r;

	if ((r = check_client_and_flags(c, WA_GET, c->resp.auth_data, c->resp.auth_data_len)) !=
	    MFA_OK)
		return r;
	if (c->ad.has_credential)
		REFUSE("an assertion's authenticator data must not hold a new credential");
	if ((r = credential_key(c, key)) != MFA_OK)
		return r;
	c->key.alg = (*key)->alg;
	if (strcmp((*key)->user, c->req->user) != 0)
		REFUSE("this security key is not registered to %s", c->req->user);
	/* The handle was derived for the key's owner, who is req->user. */
	if (c->resp.user_handle_len &&
	    (c->resp.user_handle_len != WA_USER_HANDLE_LEN ||
	     CRYPTO_memcmp((*key)->user_handle, c->resp.user_handle, WA_USER_HANDLE_LEN) != 0))
		REFUSE("the userHandle is not %s's", c->req->user);
	return assertion_signature(c, *key);
}

/* In the write transaction: the challenge is taken, the counter moves on,
 * if the credential is still the one whose key checked the signature. */
static int login_commit(struct ceremony *c, struct cached_key *key, struct store_factor *f)
{
	mfa_ctx *ctx = c->ctx;
	const char *why;
	bool found;
	int r;

	if ((why = challenge_consume(c, WA_GET, &r)) || r != MFA_OK) {
		if (why)
			snprintf(c->err, sizeof(c->err), "%s", why);
		return r != MFA_OK ? r : MFA_ERR_CHALLENGE;
	}
	if ((r = ctx->store->ops->factor_by_cred(ctx->store, c->resp.cred_id, c->resp.cred_id_len, f,
	                                         &found)) != MFA_OK)
		return r;
	if (!found || f->type != MFA_FACTOR_WEBAUTHN || strcmp(f->user, c->req->user) != 0 ||
	    !f->active || f->sealed_len != key->sealed_len ||
	    memcmp(f->sealed, key->sealed, key->sealed_len) != 0) {
		key_cache_drop(key);
		REFUSE("this security key was removed or registered again (start again)");
	}
	/* §7.2 step 21: both zero means the key keeps no counter. */
	if ((c->ad.sign_count != 0 || f->counter != 0) && c->ad.sign_count <= f->counter) {
		snprintf(c->err, sizeof(c->err), "signature counter %u is not above the %llu seen "
		         "before: the key may have been cloned (check it, then remove it with "
		         "'mfactl remove %s %s')", c->ad.sign_count, (unsigned long long)f->counter,
		         f->user, f->id);
		return MFA_ERR_CLONED;
	}
	f->counter = c->ad.sign_count;
	f->last_used = ctx_now(ctx);
	return ctx->store->ops->factor_update(ctx->store, f);
}

static int login_audit(struct ceremony *c, const struct store_factor *f)
{
	return audit_must_emit(c->ctx, &(struct audit_event){
		.event = "webauthn-login", .user = c->req->user, .factor = f->id,
		.source = c->req->source, .remote = c->req->remote, .outcome = "accepted",
		.detail = c->ad.flags & WA_FLAG_UV ? "user verified" : "user present" });
}

int mfa_webauthn_login_finish(mfa_ctx *ctx, const struct mfa_request *req_in,
                              const char *response_json, struct mfa_webauthn_result *out)
{
	struct mfa_request creq = *req_in;
	const struct mfa_request *req = &creq;
	char canon[MFA_USER_MAX + 1];
	struct ceremony c = { .ctx = ctx, .req = req };
	struct store_factor *f = NULL;
	struct cached_key *key = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = require_rp(ctx, &creq.user, canon)) != MFA_OK)
		goto out;
	if (!response_json ||
	    wa_response_parse(response_json, strlen(response_json), false, &c.resp, c.err,
	                      sizeof(c.err)) != 0) {
		r = ctx_fail(ctx, MFA_ERR_INVALID, "%s", response_json ? c.err : "no response");
		goto out;
	}
	if (!(f = malloc(sizeof(*f)))) {
		r = ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = login_verify(&c, &key)) != MFA_OK) {
		/* Another user's key: its factor id is none of this user's business. */
		r = refuse(&c, "webauthn-login", r,
		           key && key->factor_id[0] && !strcmp(key->user, req->user) ? key->factor_id
		                                                                       : NULL);
		goto out;
	}
	if ((r = store_begin_user(ctx->store, req->user)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	r = login_commit(&c, key, f);
	/* audit_required: the event before the commit, which a lost one stops. */
	if (r == MFA_OK && ctx->cfg.audit_required)
		r = login_audit(&c, f);
	if ((r = tx_finish(&c, "webauthn-login", r, key->factor_id[0] ? key->factor_id : NULL)) !=
	    MFA_OK)
		goto out;
	result_from(out, &c, f->id);
	if (!ctx->cfg.audit_required)
		login_audit(&c, f);
out:
	out->result = r;
	wa_response_free(&c.resp);
	free(f);
	return r;
}
