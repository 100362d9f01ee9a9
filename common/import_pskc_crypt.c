/*
 * import_pskc_crypt.c - encrypted PSKC files (RFC 6030 §6.1 pre-shared key,
 * §6.2 PBKDF2 password), with OpenSSL, in the document libxml2 read: each
 * secret's MAC is checked first, the plaintext goes to our own wiped
 * buffer, and libpskc is handed the document without its encryption
 * elements and with a placeholder for each secret, so no decrypted secret
 * reaches libxml2's or libpskc's unwiped memory.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "import_pskc.h"
#include "internal.h"

#define XMLENC "http://www.w3.org/2001/04/xmlenc#"
#define XMLDSIG "http://www.w3.org/2000/09/xmldsig#"
#define XMLDSIG_MORE "http://www.w3.org/2001/04/xmldsig-more#"
#define PKCS5_PBKDF2 "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2"
#define PSKC_CIPHER_MAX 1024          /* bytes of one decoded CipherValue */
#define PSKC_ITERATIONS_MAX 10000000u /* PBKDF2: ~10 s, not a denial of service */

/* The keys of an encrypted file, wiped after use. */
struct pskc_crypto {
	unsigned char key[32];
	size_t key_len;
	unsigned char mac_key[PSKC_CIPHER_MAX];
	size_t mac_key_len;
	const EVP_MD *mac_md;
};

static bool xml_is(const xmlNode *node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)node->name, name) == 0;
}

/* First child element of that local name; the schema fixed the namespaces. */
static xmlNode *xml_child(const xmlNode *parent, const char *name)
{
	for (xmlNode *node = parent ? parent->children : NULL; node; node = node->next)
		if (xml_is(node, name))
			return node;
	return NULL;
}

static const char *xml_text(const xmlNode *node)
{
	return node && node->children && node->children->type == XML_TEXT_NODE ?
	               (const char *)node->children->content : NULL;
}

static const char *xml_attr(const xmlNode *node, const char *name)
{
	xmlAttr *attr = node ? xmlHasProp(node, (const xmlChar *)name) : NULL;

	return attr && attr->children ? (const char *)attr->children->content : NULL;
}

static void xml_remove(xmlNode *node)
{
	if (node) {
		xmlUnlinkNode(node);
		xmlFreeNode(node);
	}
}

/* Base64 with the whitespace PSKC files wrap it in; -1 if not base64 or
 * longer than max. */
static int b64_decode(const char *in, unsigned char *out, size_t max, size_t *len)
{
	EVP_ENCODE_CTX *ctx;
	size_t in_len = in ? strlen(in) : 0;
	int n = 0, last = 0, r = -1;

	*len = 0;
	if (!in || in_len > INT_MAX / 2 || (in_len + 3) / 4 * 3 > max)
		return -1;
	if (!(ctx = EVP_ENCODE_CTX_new()))
		return -1;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out, &n, (const unsigned char *)in, (int)in_len) >= 0 &&
	    EVP_DecodeFinal(ctx, out + n, &last) == 1) {
		*len = (size_t)n + (size_t)last;
		r = 0;
	}
	EVP_ENCODE_CTX_free(ctx);
	return r;
}

/* An EncryptedValue or MACKey: IV and ciphertext (what the MAC covers). */
static int pskc_cipher_value(const xmlNode *enc, const struct pskc_crypto *c, const char *what,
                             unsigned char *data, size_t *len, char *err, size_t errlen)
{
	static const struct {
		const char *uri;
		size_t key_len;
	} ciphers[] = {{XMLENC "aes128-cbc", 16}, {XMLENC "aes192-cbc", 24}, {XMLENC "aes256-cbc", 32}};
	const char *method = xml_attr(xml_child(enc, "EncryptionMethod"), "Algorithm");
	size_t i;

	for (i = 0; method && i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (strcmp(method, ciphers[i].uri) == 0)
			break;
	if (!method || i == sizeof(ciphers) / sizeof(ciphers[0])) {
		snprintf(err, errlen,
		         "%s: encryption method is not AES-CBC (aes128-cbc, aes192-cbc, aes256-cbc): "
		         "mfa cannot decrypt it",
		         what);
		return MFA_ERR_IMPORT;
	}
	if (ciphers[i].key_len != c->key_len) {
		snprintf(err, errlen, "%s: the file uses AES-%zu but the key is %zu bytes: wrong key?",
		         what, ciphers[i].key_len * 8, c->key_len);
		return MFA_ERR_IMPORT;
	}
	if (b64_decode(xml_text(xml_child(xml_child(enc, "CipherData"), "CipherValue")), data,
	               PSKC_CIPHER_MAX, len) != 0 ||
	    *len < 32 || *len % 16 != 0) {
		snprintf(err, errlen,
		         "%s: CipherValue is not base64 of an IV and whole AES blocks: fix the file or "
		         "export it again",
		         what);
		return MFA_ERR_IMPORT;
	}
	return MFA_OK;
}

/* AES-CBC with the IV in front and PKCS#7 padding; false when the padding
 * is wrong, which is what a wrong key mostly gives. */
static bool pskc_cbc_decrypt(const struct pskc_crypto *c, const unsigned char *data, size_t len,
                             unsigned char *out, size_t *out_len)
{
	const EVP_CIPHER *cipher = c->key_len == 16 ? EVP_aes_128_cbc() :
	                           c->key_len == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, last = 0;
	bool ok;

	*out_len = 0;
	ok = ctx && EVP_DecryptInit_ex(ctx, cipher, NULL, c->key, data) == 1 &&
	     EVP_DecryptUpdate(ctx, out, &n, data + 16, (int)(len - 16)) == 1 &&
	     EVP_DecryptFinal_ex(ctx, out + n, &last) == 1;
	if (ok)
		*out_len = (size_t)n + (size_t)last;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* RFC 6030 §6.2: the key from the password and the PBKDF2 parameters. */
static int pskc_derive(const xmlNode *derived, const struct import_pskc_opts *opts,
                       struct pskc_crypto *c, char *err, size_t errlen)
{
	const xmlNode *method = xml_child(derived, "KeyDerivationMethod");
	const xmlNode *params = xml_child(method, "PBKDF2-params"), *prf;
	const char *alg = xml_attr(method, "Algorithm"), *text, *prf_alg;
	const EVP_MD *md;
	unsigned char salt[64];
	size_t salt_len = 0;
	unsigned long iterations = 0, key_len = 0;
	char *end;

	if (!alg || strcmp(alg, PKCS5_PBKDF2) != 0 || !params) {
		snprintf(err, errlen, "the file's key is derived with another method than PBKDF2: mfa "
		                      "cannot derive it");
		return MFA_ERR_IMPORT;
	}
	if (b64_decode(xml_text(xml_child(xml_child(params, "Salt"), "Specified")), salt,
	               sizeof(salt), &salt_len) != 0 || salt_len == 0) {
		snprintf(err, errlen, "PBKDF2: Salt/Specified is missing or not base64 (at most %zu "
		                      "bytes)", sizeof(salt));
		return MFA_ERR_IMPORT;
	}
	text = xml_text(xml_child(params, "IterationCount"));
	if (text)
		iterations = strtoul(text, &end, 10);
	if (!text || *end != '\0' || *text == '-' || iterations < 1 ||
	    iterations > PSKC_ITERATIONS_MAX) {
		snprintf(err, errlen, "PBKDF2: IterationCount must be 1 to %u", PSKC_ITERATIONS_MAX);
		return MFA_ERR_IMPORT;
	}
	text = xml_text(xml_child(params, "KeyLength"));
	if (text)
		key_len = strtoul(text, &end, 10);
	if (!text || *end != '\0' || (key_len != 16 && key_len != 24 && key_len != 32)) {
		snprintf(err, errlen, "PBKDF2: KeyLength must be 16, 24 or 32 (an AES key)");
		return MFA_ERR_IMPORT;
	}
	/* An empty PRF is PBKDF2's default, HMAC-SHA1. */
	prf = xml_child(params, "PRF");
	prf_alg = xml_attr(prf, "Algorithm");
	md = !prf_alg ? EVP_sha1() :
	                   strcmp(prf_alg, XMLDSIG "hmac-sha1") == 0 ? EVP_sha1() :
	                   strcmp(prf_alg, XMLDSIG_MORE "hmac-sha256") == 0 ? EVP_sha256() :
	                   strcmp(prf_alg, XMLDSIG_MORE "hmac-sha512") == 0 ? EVP_sha512() : NULL;
	if (!md) {
		snprintf(err, errlen, "PBKDF2: PRF is not HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512");
		return MFA_ERR_IMPORT;
	}
	if (opts->password_len > INT_MAX ||
	    PKCS5_PBKDF2_HMAC(opts->password, (int)opts->password_len, salt, (int)salt_len,
	                      (int)iterations, md, (int)key_len, c->key) != 1) {
		snprintf(err, errlen, "PBKDF2 failed");
		return MFA_ERR_SYSTEM;
	}
	c->key_len = key_len;
	return MFA_OK;
}

/* Only printable ASCII of a KeyName or MasterKeyName goes into a message. */
static void pskc_safe_text(const char *text, char *out, size_t size)
{
	size_t n = 0;

	for (; text && *text && n + 1 < size; text++)
		out[n++] = *text >= 0x20 && *text <= 0x7e ? *text : '?';
	out[n] = '\0';
}

/* The encryption key (pre-shared or derived) and the MAC key. */
static int pskc_keys(xmlNode *root, const struct import_pskc_opts *opts, struct pskc_crypto *c,
                     char *err, size_t errlen)
{
	const xmlNode *enc = xml_child(root, "EncryptionKey"), *mac = xml_child(root, "MACMethod");
	const xmlNode *derived = xml_child(enc, "DerivedKey"), *mac_key;
	const char *mac_alg;
	unsigned char data[PSKC_CIPHER_MAX];
	char label[65];
	size_t len;
	int r;

	if (!enc) {
		snprintf(err, errlen, "a secret is encrypted but the file has no EncryptionKey: export "
		                      "it again");
		return MFA_ERR_IMPORT;
	}
	if (derived) {
		pskc_safe_text(xml_text(xml_child(derived, "MasterKeyName")), label, sizeof(label));
		if (!opts->password) {
			snprintf(err, errlen, "the file is encrypted with a password (PBKDF2%s%s%s): give "
			                      "it with --password-file FILE",
			         *label ? ", \"" : "", label, *label ? "\"" : "");
			return MFA_ERR_IMPORT;
		}
		if ((r = pskc_derive(derived, opts, c, err, errlen)) != MFA_OK)
			return r;
	} else if (xml_child(enc, "KeyName")) {
		pskc_safe_text(xml_text(xml_child(enc, "KeyName")), label, sizeof(label));
		if (!opts->key) {
			snprintf(err, errlen, "the file is encrypted with the pre-shared key \"%s\": give "
			                      "it with --key-file FILE (hex or raw)",
			         label);
			return MFA_ERR_IMPORT;
		}
		memcpy(c->key, opts->key, opts->key_len);
		c->key_len = opts->key_len;
	} else {
		snprintf(err, errlen, "the file is encrypted with a public key (RFC 6030 §6.3), which "
		                      "mfa does not support: ask for a file encrypted with a pre-shared "
		                      "key or a password");
		return MFA_ERR_IMPORT;
	}

	/* AES-CBC has no integrity of its own: RFC 6030 §6.1.1 wants a MAC. */
	mac_alg = xml_attr(mac, "Algorithm");
	c->mac_md = !mac_alg ? NULL :
	            strcmp(mac_alg, XMLDSIG "hmac-sha1") == 0 ? EVP_sha1() :
	            strcmp(mac_alg, XMLDSIG_MORE "hmac-sha256") == 0 ? EVP_sha256() :
	            strcmp(mac_alg, XMLDSIG_MORE "hmac-sha512") == 0 ? EVP_sha512() : NULL;
	if (!mac) {
		snprintf(err, errlen, "the file has no MACMethod: mfa does not decrypt secrets it "
		                      "cannot check (RFC 6030 §6.1.1)");
		return MFA_ERR_IMPORT;
	}
	if (!c->mac_md) {
		snprintf(err, errlen, "MACMethod is not HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512");
		return MFA_ERR_IMPORT;
	}
	/* Without a MACKey the encryption key is the MAC key. */
	if (!(mac_key = xml_child(mac, "MACKey"))) {
		memcpy(c->mac_key, c->key, c->key_len);
		c->mac_key_len = c->key_len;
		return MFA_OK;
	}
	if ((r = pskc_cipher_value(mac_key, c, "MACKey", data, &len, err, errlen)) != MFA_OK)
		return r;
	if (!pskc_cbc_decrypt(c, data, len, c->mac_key, &c->mac_key_len) || c->mac_key_len == 0) {
		snprintf(err, errlen, "cannot decrypt the MACKey: wrong %s?",
		         derived ? "password" : "key");
		return MFA_ERR_IMPORT;
	}
	return MFA_OK;
}

/* One encrypted Secret: its ValueMAC checked, then decrypted into plain. */
static int pskc_secret_decrypt(const xmlNode *secret, const struct pskc_crypto *c,
                               const char *name, bool derived, struct pskc_plain *plain,
                               char *err, size_t errlen)
{
	unsigned char data[PSKC_CIPHER_MAX], out[PSKC_CIPHER_MAX];
	unsigned char mac[EVP_MAX_MD_SIZE], expected[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	size_t len = 0, expected_len = 0, out_len = 0;
	char what[MFA_LABEL_MAX + 16];
	int r = MFA_ERR_IMPORT;

	snprintf(what, sizeof(what), "key %s", name);
	if ((r = pskc_cipher_value(xml_child(secret, "EncryptedValue"), c, what, data, &len, err,
	                           errlen)) != MFA_OK)
		goto out;
	r = MFA_ERR_IMPORT;
	if (b64_decode(xml_text(xml_child(secret, "ValueMAC")), expected, sizeof(expected),
	               &expected_len) != 0 || expected_len == 0) {
		snprintf(err, errlen, "key %s: the encrypted secret has no ValueMAC: mfa does not "
		                      "decrypt secrets it cannot check (RFC 6030 §6.1.1)", name);
		goto out;
	}
	if (!HMAC(c->mac_md, c->mac_key, (int)c->mac_key_len, data, len, mac, &mac_len)) {
		r = MFA_ERR_SYSTEM;
		snprintf(err, errlen, "key %s: cannot compute the MAC", name);
		goto out;
	}
	if (expected_len != mac_len || CRYPTO_memcmp(mac, expected, mac_len) != 0) {
		snprintf(err, errlen, "key %s: the MAC does not match: wrong %s, or the file was "
		                      "altered",
		         name, derived ? "password" : "key");
		goto out;
	}
	if (!pskc_cbc_decrypt(c, data, len, out, &out_len)) {
		snprintf(err, errlen, "key %s: cannot decrypt the secret: wrong %s?", name,
		         derived ? "password" : "key");
		goto out;
	}
	if (out_len < PSKC_SECRET_MIN || out_len > MFA_SECRET_MAX) {
		snprintf(err, errlen, "key %s: secret is %zu bytes, not %d to %d", name, out_len,
		         PSKC_SECRET_MIN, MFA_SECRET_MAX);
		goto out;
	}
	memcpy(plain->secret, out, out_len);
	plain->len = out_len;
	plain->set = true;
	r = MFA_OK;
out:
	OPENSSL_cleanse(out, sizeof(out));
	return r;
}

int pskc_decrypt(xmlDoc *doc, const struct import_pskc_opts *opts,
                        struct pskc_plain **plain, size_t *nplain, bool *changed, char *err,
                        size_t errlen)
{
	xmlNode *root = xmlDocGetRootElement(doc), *kp, *data, *item;
	struct pskc_crypto c;
	size_t n = 0, encrypted = 0, i;
	char name[MFA_LABEL_MAX + 1];
	int r = MFA_OK;

	memset(&c, 0, sizeof(c));
	*plain = NULL;
	*nplain = 0;
	*changed = false;
	for (kp = root->children; kp; kp = kp->next) {
		if (!xml_is(kp, "KeyPackage"))
			continue;
		data = xml_child(xml_child(kp, "Key"), "Data");
		for (item = data ? data->children : NULL; item; item = item->next) {
			if (item->type != XML_ELEMENT_NODE || !xml_child(item, "EncryptedValue"))
				continue;
			if (!xml_is(item, "Secret")) {
				pskc_name(xml_text(xml_child(xml_child(kp, "DeviceInfo"), "SerialNo")),
				          xml_attr(xml_child(kp, "Key"), "Id"), n, name, sizeof(name));
				snprintf(err, errlen, "key %s: its %s is encrypted; mfa decrypts only "
				                      "secrets: export it with a plain %s",
				         name, (const char *)item->name, (const char *)item->name);
				return MFA_ERR_IMPORT;
			}
			encrypted++;
		}
		n++;
	}
	if (encrypted == 0) {
		/* libpskc refuses these elements even when nothing is encrypted. */
		if (xml_child(root, "EncryptionKey") || xml_child(root, "MACMethod")) {
			xml_remove(xml_child(root, "EncryptionKey"));
			xml_remove(xml_child(root, "MACMethod"));
			*changed = true;
		}
		return MFA_OK;
	}
	if ((r = pskc_keys(root, opts, &c, err, errlen)) != MFA_OK)
		goto out;
	if (!(*plain = calloc(n, sizeof(**plain)))) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	*nplain = n;
	for (kp = root->children, i = 0; kp; kp = kp->next) {
		xmlNode *secret, *value, *placeholder;

		if (!xml_is(kp, "KeyPackage"))
			continue;
		secret = xml_child(xml_child(xml_child(kp, "Key"), "Data"), "Secret");
		if ((value = xml_child(secret, "EncryptedValue"))) {
			pskc_name(xml_text(xml_child(xml_child(kp, "DeviceInfo"), "SerialNo")),
			          xml_attr(xml_child(kp, "Key"), "Id"), i, name, sizeof(name));
			if ((r = pskc_secret_decrypt(secret, &c, name,
			                             xml_child(xml_child(root, "EncryptionKey"),
			                                       "DerivedKey") != NULL,
			                             &(*plain)[i], err, errlen)) != MFA_OK)
				goto out;
			placeholder = xmlNewDocNode(doc, value->ns, (const xmlChar *)"PlainValue",
			                            (const xmlChar *)"AA==");
			if (!placeholder) {
				r = MFA_ERR_NOMEM;
				goto out;
			}
			xmlReplaceNode(value, placeholder);
			xmlFreeNode(value);
			xml_remove(xml_child(secret, "ValueMAC"));
		}
		i++;
	}
	xml_remove(xml_child(root, "EncryptionKey"));
	xml_remove(xml_child(root, "MACMethod"));
	*changed = true;
out:
	OPENSSL_cleanse(&c, sizeof(c));
	if (r != MFA_OK && *plain) {
		OPENSSL_cleanse(*plain, *nplain * sizeof(**plain));
		free(*plain);
		*plain = NULL;
		*nplain = 0;
	}
	return r;
}

int import_pskc_key_parse(const char *buf, size_t len, unsigned char key[32], size_t *key_len,
                          char *err, size_t errlen)
{
	size_t text_len = len, hex_len = 0;

	*key_len = 0;
	/* Hex, one line: a trailing newline is not part of it. */
	if (text_len > 0 && buf[text_len - 1] == '\n')
		text_len--;
	if (text_len > 0 && buf[text_len - 1] == '\r')
		text_len--;
	if ((text_len == 32 || text_len == 48 || text_len == 64) &&
	    strspn(buf, "0123456789abcdefABCDEF") >= text_len) {
		char hex[65];

		memcpy(hex, buf, text_len);
		hex[text_len] = '\0';
		if (OPENSSL_hexstr2buf_ex(key, 32, &hex_len, hex, '\0') == 1)
			*key_len = hex_len;
		OPENSSL_cleanse(hex, sizeof(hex));
		if (*key_len == text_len / 2)
			return MFA_OK;
	}
	if (len == 16 || len == 24 || len == 32) {
		memcpy(key, buf, len);
		*key_len = len;
		return MFA_OK;
	}
	*key_len = 0;
	snprintf(err, errlen, "the key must be 16, 24 or 32 bytes (AES), raw or as 32, 48 or 64 hex "
	                      "digits on one line");
	return MFA_ERR_IMPORT;
}
