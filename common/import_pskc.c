/*
 * import_pskc.c - RFC 6030 PSKC key containers through libpskc.
 *
 * libxml2 reads the file first, quietly, and checks it against the PSKC
 * schema that libpskc installs; only then does libpskc parse it. Two
 * reasons: libxml2's default error output quotes the offending line, which
 * may hold a secret, and libpskc 2.6.7 dereferences the text of an empty
 * <Manufacturer/> (a NULL pointer). The schema also catches what libpskc
 * reads with bare strtoul(): a Counter of "abc" would otherwise be 0.
 *
 * libpskc does not decrypt (RFC 6030 §6): import_pskc_crypt.c does, in the
 * document libxml2 read, before libpskc sees it.
 */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pskc/pskc.h>

#include "import.h"
#include "import_pskc.h"
#include "internal.h"

#define PSKC_ALG_PIN PSKC_NS ":pin"

/* Set once per process, never changed after: libpskc's global state and
 * the compiled schema, which validation only reads. */
static pthread_once_t pskc_once = PTHREAD_ONCE_INIT;
static int pskc_init_result = MFA_ERR_SYSTEM;
static xmlSchemaPtr pskc_schema;

static void pskc_quiet(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

/* Keeps the line of the first schema violation; never its message, which
 * may quote a value. */
static void pskc_first_error_line(void *ctx, xmlErrorPtr error)
{
	int *line = ctx;

	if (*line == 0 && error)
		*line = error->line > 0 ? error->line : -1;
}

static void pskc_global_setup(void)
{
	xmlSchemaParserCtxtPtr parser;

	/* Loads the catalog that maps the PSKC namespace to the schema. */
	if (pskc_global_init() != PSKC_OK)
		return;
	parser = xmlSchemaNewParserCtxt(PSKC_NS);
	if (!parser)
		return;
	xmlSchemaSetParserStructuredErrors(parser, pskc_quiet, NULL);
	pskc_schema = xmlSchemaParse(parser);
	xmlSchemaFreeParserCtxt(parser);
	if (pskc_schema)
		pskc_init_result = MFA_OK;
}

/* libpskc reads an element's first child's text without a NULL check for
 * Manufacturer (and for dates and KeyUsage, which the schema already
 * requires to be non-empty). Returns the line of an offending element. */
static long pskc_empty_text_line(xmlNode *node)
{
	for (; node; node = node->next) {
		long line;

		if (node->type != XML_ELEMENT_NODE)
			continue;
		if ((strcmp((const char *)node->name, "Manufacturer") == 0 ||
		     strcmp((const char *)node->name, "StartDate") == 0 ||
		     strcmp((const char *)node->name, "ExpiryDate") == 0 ||
		     strcmp((const char *)node->name, "KeyUsage") == 0) &&
		    (!node->children || !node->children->content))
			return xmlGetLineNo(node);
		if ((line = pskc_empty_text_line(node->children)) != 0)
			return line;
	}
	return 0;
}

/* Well-formed, no DTD (nothing to expand), valid, and safe for libpskc.
 * The document goes to *out, for the caller to free. */
static int pskc_check_xml(const char *buf, size_t len, xmlDocPtr *out, char *err, size_t errlen)
{
	xmlParserCtxtPtr parser = NULL;
	xmlSchemaValidCtxtPtr validator = NULL;
	xmlDocPtr doc = NULL;
	int r = MFA_ERR_IMPORT, line = 0;
	long empty_line;

	parser = xmlNewParserCtxt();
	if (!parser) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	doc = xmlCtxtReadMemory(parser, buf, (int)len, NULL, NULL,
	                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		if (parser->lastError.line > 0)
			snprintf(err, errlen, "line %d: not well-formed XML: not a PSKC file?",
			         parser->lastError.line);
		else
			snprintf(err, errlen, "not well-formed XML: not a PSKC file?");
		goto out;
	}
	if (doc->intSubset || doc->extSubset) {
		snprintf(err, errlen, "the file has a DOCTYPE, which PSKC never needs: remove it");
		goto out;
	}
	validator = xmlSchemaNewValidCtxt(pskc_schema);
	if (!validator) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	xmlSchemaSetValidStructuredErrors(validator, pskc_first_error_line, &line);
	switch (xmlSchemaValidateDoc(validator, doc)) {
	case 0:
		break;
	case -1:
		r = MFA_ERR_SYSTEM;
		snprintf(err, errlen, "cannot check the file against the PSKC schema");
		goto out;
	default:
		if (line > 0)
			snprintf(err, errlen,
			         "line %d: does not follow the PSKC schema (RFC 6030): fix the file "
			         "or export it again",
			         line);
		else
			snprintf(err, errlen,
			         "does not follow the PSKC schema (RFC 6030): fix the file or export "
			         "it again");
		goto out;
	}
	if ((empty_line = pskc_empty_text_line(xmlDocGetRootElement(doc))) != 0) {
		snprintf(err, errlen, "line %ld: empty element: fill it in or remove it",
		         empty_line);
		goto out;
	}
	*out = doc;
	doc = NULL;
	r = MFA_OK;
out:
	xmlSchemaFreeValidCtxt(validator);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(parser);
	return r;
}

/* How messages and labels name a key: serial number, else key Id, else its
 * place in the file. Only printable ASCII from the file is shown. */
void pskc_name(const char *serial, const char *id, size_t index, char *name, size_t size)
{
	const char *candidates[] = {serial, id};

	for (size_t i = 0; i < 2; i++) {
		const char *s = candidates[i];
		bool ok = s && *s && strlen(s) <= MFA_LABEL_MAX;

		for (const char *p = s; ok && *p; p++)
			ok = *p >= 0x21 && *p <= 0x7e;
		if (ok) {
			snprintf(name, size, "%s", s);
			return;
		}
	}
	snprintf(name, size, "#%zu", index + 1);
}

static void pskc_key_name(pskc_key_t *key, size_t index, char *name, size_t size)
{
	pskc_name(pskc_get_device_serialno(key), pskc_get_key_id(key), index, name, size);
}

/* "HMAC-SHA256", "SHA256", "HMAC-SHA-256"... */
static bool pskc_suite_parse(const char *suite, mfa_algorithm *alg)
{
	char compact[16];
	size_t n = 0;

	if (strncasecmp(suite, "HMAC-", 5) == 0)
		suite += 5;
	for (; *suite && n < sizeof(compact) - 1; suite++)
		if (*suite != '-')
			compact[n++] = *suite;
	compact[n] = '\0';
	if (*suite)
		return false;
	if (strcasecmp(compact, "SHA1") == 0)
		*alg = MFA_ALG_SHA1;
	else if (strcasecmp(compact, "SHA256") == 0)
		*alg = MFA_ALG_SHA256;
	else if (strcasecmp(compact, "SHA512") == 0)
		*alg = MFA_ALG_SHA512;
	else
		return false;
	return true;
}

/* A past ExpiryDate, of the key's Policy or of its device. */
static const struct tm *pskc_expired(pskc_key_t *key, time_t now, const char **which)
{
	const struct tm *dates[] = {pskc_get_key_policy_expirydate(key),
	                            pskc_get_device_expirydate(key)};
	static const char *const names[] = {"Policy", "DeviceInfo"};

	for (size_t i = 0; i < 2; i++) {
		struct tm copy;

		if (!dates[i])
			continue;
		copy = *dates[i];
		if (timegm(&copy) <= now) {
			*which = names[i];
			return dates[i];
		}
	}
	return NULL;
}

static int pskc_key(struct import_set *set, pskc_key_t *key, const char *name,
                    const struct import_pskc_opts *opts, const struct pskc_plain *plain,
                    char *err, size_t errlen)
{
	const char *algorithm = pskc_get_key_algorithm(key), *secret, *suite, *owner, *which;
	const char *user = opts->user;
	const struct tm *expiry;
	struct import_token *tok;
	mfa_factor_type type;
	mfa_algorithm alg = MFA_ALG_SHA1;
	pskc_pinusagemode pin_mode;
	unsigned digits = 6, period = 0;
	uint64_t counter = 0;
	uint32_t length, interval, drift, t0;
	size_t secret_len = 0;
	char note[MFA_LABEL_MAX + 160];
	int present, r;

	if (plain && plain->set) {
		secret = (const char *)plain->secret;
		secret_len = plain->len;
	} else {
		secret = pskc_get_key_data_secret(key, &secret_len);
	}
	if (!secret) {
		if (pskc_get_key_reference(key) || pskc_get_key_profileid(key))
			snprintf(err, errlen,
			         "key %s has no secret: it is derived from a master key "
			         "(KeyProfileId/KeyReference), which mfa does not hold: ask the "
			         "vendor for the key's own secret",
			         name);
		else
			snprintf(err, errlen, "key %s has no Secret: mfa needs the key's secret", name);
		return MFA_ERR_IMPORT;
	}
	/* RFC 6030 §10 registers "pskc:hotp"; TOTP's URN comes from the
	 * PSKC algorithm profiles; some vendors wrote "pskc#". */
	if (algorithm && (strcmp(algorithm, PSKC_NS ":hotp") == 0 ||
	                  strcmp(algorithm, PSKC_NS "#hotp") == 0))
		type = MFA_FACTOR_HOTP;
	else if (algorithm && (strcmp(algorithm, PSKC_NS ":totp") == 0 ||
	                       strcmp(algorithm, PSKC_NS "#totp") == 0))
		type = MFA_FACTOR_TOTP;
	else {
		snprintf(err, errlen, "key %s: algorithm is not HOTP or TOTP: mfa cannot use it",
		         name);
		return MFA_ERR_IMPORT;
	}
	if ((suite = pskc_get_key_algparm_suite(key)) && !pskc_suite_parse(suite, &alg)) {
		snprintf(err, errlen,
		         "key %s: Suite is not HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512", name);
		return MFA_ERR_IMPORT;
	}
	length = pskc_get_key_algparm_resp_length(key, &present);
	if (present) {
		if (length < 6 || length > 8) {
			snprintf(err, errlen, "key %s: ResponseFormat Length %" PRIu32
			         " is not supported: 6 to 8 digits", name, length);
			return MFA_ERR_IMPORT;
		}
		digits = length;
	}
	if (pskc_get_key_algparm_resp_encoding(key, &present) != PSKC_VALUEFORMAT_DECIMAL &&
	    present) {
		snprintf(err, errlen, "key %s: codes are not DECIMAL: mfa cannot check them", name);
		return MFA_ERR_IMPORT;
	}
	if (type == MFA_FACTOR_HOTP) {
		/* Data/Counter: the moving factor the next code uses. */
		counter = pskc_get_key_data_counter(key, &present);
		if (present && counter > INT64_MAX) {
			snprintf(err, errlen, "key %s: Counter is out of range", name);
			return MFA_ERR_IMPORT;
		}
	} else {
		interval = pskc_get_key_data_timeinterval(key, &present);
		period = present ? interval : 30;
		if (period < MFA_PERIOD_MIN || period > MFA_PERIOD_MAX) {
			snprintf(err, errlen, "key %s: TimeInterval must be %d to %d seconds", name,
			         MFA_PERIOD_MIN, MFA_PERIOD_MAX);
			return MFA_ERR_IMPORT;
		}
		t0 = pskc_get_key_data_time(key, &present);
		if (present && t0 != 0) {
			snprintf(note, sizeof(note),
			         "key %s: Time %" PRIu32 " ignored: mfa counts TOTP steps from 1970",
			         name, t0);
			import_set_note(set, note);
		}
		drift = pskc_get_key_data_timedrift(key, &present);
		if (present && drift != 0) {
			snprintf(note, sizeof(note),
			         "key %s: TimeDrift not imported: if codes are refused, run mfactl "
			         "resync",
			         name);
			import_set_note(set, note);
		}
	}
	if (secret_len < PSKC_SECRET_MIN || secret_len > MFA_SECRET_MAX) {
		snprintf(err, errlen, "key %s: secret is %zu bytes, not %d to %d", name, secret_len,
		         PSKC_SECRET_MIN, MFA_SECRET_MAX);
		return MFA_ERR_IMPORT;
	}
	/* Append/Prepend: the token's user types PIN and code together, and
	 * the server checks the PIN. mfa would accept the code alone. */
	pin_mode = pskc_get_key_policy_pinusagemode(key, &present);
	if (present && pin_mode == PSKC_PINUSAGEMODE_ALGORITHMIC) {
		snprintf(err, errlen,
		         "key %s: PINUsageMode Algorithmic: its codes depend on a PIN that mfa "
		         "does not have",
		         name);
		return MFA_ERR_IMPORT;
	}
	if (present && (pin_mode == PSKC_PINUSAGEMODE_APPEND ||
	                pin_mode == PSKC_PINUSAGEMODE_PREPEND)) {
		const char *mode = pskc_pinusagemode2str(pin_mode);

		if (!opts->force) {
			snprintf(err, errlen,
			         "key %s: PINUsageMode %s: mfa does not check the PIN, so the code "
			         "alone would be accepted: give --force to import it anyway",
			         name, mode);
			return MFA_ERR_IMPORT;
		}
		snprintf(note, sizeof(note),
		         "key %s: PINUsageMode %s ignored (--force): the code alone is accepted",
		         name, mode);
		import_set_note(set, note);
	}
	if ((expiry = pskc_expired(key, opts->now, &which))) {
		char date[16];

		strftime(date, sizeof(date), "%Y-%m-%d", expiry);
		if (!opts->force) {
			snprintf(err, errlen,
			         "key %s: %s ExpiryDate %s has passed: give --force to import it "
			         "anyway",
			         name, which, date);
			return MFA_ERR_IMPORT;
		}
		snprintf(note, sizeof(note), "key %s: ExpiryDate %s passed, imported (--force)", name,
		         date);
		import_set_note(set, note);
	}
	owner = user ? user : pskc_get_key_userid(key);
	if (!owner)
		owner = pskc_get_device_userid(key);
	if (!owner) {
		snprintf(err, errlen, "key %s has no UserId: give --user", name);
		return MFA_ERR_IMPORT;
	}
	if (!user_name_valid(owner)) {
		snprintf(err, errlen, "key %s: UserId is not a valid user name: give --user", name);
		return MFA_ERR_IMPORT;
	}

	r = import_set_add(set, &tok);
	if (r == MFA_ERR_NOMEM)
		return r;
	if (r != MFA_OK) {
		snprintf(err, errlen, "key %s: more than %u keys: split the file", name,
		         (unsigned)IMPORT_MAX_TOKENS);
		return MFA_ERR_IMPORT;
	}
	str_copy(tok->user, sizeof(tok->user), owner);
	snprintf(tok->label, sizeof(tok->label), "pskc:%s", name);
	tok->type = type;
	tok->algorithm = alg;
	tok->digits = digits;
	tok->period = period;
	tok->counter = counter;
	memcpy(tok->secret, secret, secret_len);
	tok->secret_len = secret_len;
	return MFA_OK;
}

/* pskc_done() frees libpskc's copies of the secrets without wiping them. */
static void pskc_wipe_secrets(pskc_t *container)
{
	pskc_key_t *key;

	for (size_t i = 0; (key = pskc_get_keypackage(container, i)); i++) {
		size_t secret_len = 0;
		char *secret = (char *)pskc_get_key_data_secret(key, &secret_len);
		char *b64 = (char *)pskc_get_key_data_b64secret(key);

		if (secret)
			OPENSSL_cleanse(secret, secret_len);
		if (b64)
			OPENSSL_cleanse(b64, strlen(b64));
	}
}


int import_pskc_parse(const char *buf, size_t len, const struct import_pskc_opts *opts,
                      struct import_set *set, char *err, size_t errlen)
{
	static const struct import_pskc_opts none;
	pskc_t *container = NULL;
	pskc_key_t *key;
	xmlDocPtr doc = NULL;
	xmlChar *plain_xml = NULL;
	struct pskc_plain *plain = NULL;
	size_t nplain = 0, matched = 0, pins = 0;
	char name[MFA_LABEL_MAX + 1], note[MFA_LABEL_MAX + 96];
	const char *user, *serial;
	bool changed = false;
	int r, plain_len = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!buf || !set || !err || errlen == 0)
		return MFA_ERR_INVALID;
	if (!opts)
		opts = &none;
	user = opts->user;
	serial = opts->serial;
	if (user && !user_name_valid(user)) {
		snprintf(err, errlen, "user name is not valid");
		return MFA_ERR_INVALID;
	}
	if (serial && *serial == '\0') {
		snprintf(err, errlen, "serial number is empty");
		return MFA_ERR_INVALID;
	}
	if ((opts->key && opts->key_len != 16 && opts->key_len != 24 && opts->key_len != 32) ||
	    (opts->password && opts->password_len == 0)) {
		snprintf(err, errlen, "the key must be 16, 24 or 32 bytes, the password not empty");
		return MFA_ERR_INVALID;
	}
	if (len > IMPORT_MAX_BYTES) {
		snprintf(err, errlen, "the file is larger than %u bytes", IMPORT_MAX_BYTES);
		return MFA_ERR_IMPORT;
	}
	pthread_once(&pskc_once, pskc_global_setup);
	if (pskc_init_result != MFA_OK) {
		snprintf(err, errlen, "cannot load libpskc or its PSKC schema (libpskc0 installed?)");
		return pskc_init_result;
	}
	if ((r = pskc_check_xml(buf, len, &doc, err, errlen)) != MFA_OK)
		return r;
	if ((r = pskc_decrypt(doc, opts, &plain, &nplain, &changed, err, errlen)) != MFA_OK)
		goto out;
	if (changed) {
		/* Holds placeholders, never a decrypted secret. */
		xmlDocDumpMemory(doc, &plain_xml, &plain_len);
		if (!plain_xml || plain_len <= 0) {
			r = MFA_ERR_NOMEM;
			goto out;
		}
		buf = (const char *)plain_xml;
		len = (size_t)plain_len;
	}

	if (pskc_init(&container) != PSKC_OK) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	switch (pskc_parse_from_memory(container, len, buf)) {
	case PSKC_OK:
		break;
	case PSKC_MALLOC_ERROR:
		r = MFA_ERR_NOMEM;
		goto out;
	case PSKC_BASE64_ERROR:
		snprintf(err, errlen, "a secret is not valid base64: fix the file or export it again");
		r = MFA_ERR_IMPORT;
		goto out;
	default:
		snprintf(err, errlen, "libpskc cannot read an element of the file: not PSKC 1.0?");
		r = MFA_ERR_IMPORT;
		goto out;
	}

	for (size_t i = 0; (key = pskc_get_keypackage(container, i)); i++) {
		const char *key_serial = pskc_get_device_serialno(key);
		const char *algorithm = pskc_get_key_algorithm(key);

		if (serial && (!key_serial || strcmp(key_serial, serial) != 0)) {
			set->skipped++;
			continue;
		}
		pskc_key_name(key, i, name, sizeof(name));
		/* Key Id is required: none means a KeyPackage without a Key. */
		if (!pskc_get_key_id(key)) {
			snprintf(err, errlen,
			         "KeyPackage %s holds no Key: remove it or export the file again", name);
			r = MFA_ERR_IMPORT;
			goto out;
		}
		/* RFC 6030 figure 5: the PIN of another key travels as a key. */
		if (algorithm && strcmp(algorithm, PSKC_ALG_PIN) == 0) {
			snprintf(note, sizeof(note), "key %s skipped: it is a PIN, not an OTP key", name);
			import_set_note(set, note);
			pins++;
			continue;
		}
		matched++;
		if ((r = pskc_key(set, key, name, opts, i < nplain ? &plain[i] : NULL, err,
		                  errlen)) != MFA_OK)
			goto out;
	}
	if (serial && matched == 0 && pins == 0) {
		snprintf(err, errlen, "no key with serial %.64s in the file", serial);
		r = MFA_ERR_IMPORT;
		goto out;
	}
	if (matched == 0) {
		snprintf(err, errlen, pins ? "the file holds only PIN keys, no OTP key" :
		                             "the file holds no keys");
		r = MFA_ERR_IMPORT;
		goto out;
	}
	/* libpskc only reads a signature; checking one needs the signer's
	 * certificate, which no option gives. */
	if (pskc_get_signed_p(container))
		import_set_note(set, "the file is signed: signature present, not checked");
	r = MFA_OK;
out:
	if (container) {
		pskc_wipe_secrets(container);
		pskc_done(container);
	}
	xmlFree(plain_xml);
	xmlFreeDoc(doc);
	if (plain) {
		OPENSSL_cleanse(plain, nplain * sizeof(*plain));
		free(plain);
	}
	return r;
}
