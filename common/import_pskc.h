/*
 * import_pskc.h - what the PSKC importer (import_pskc.c) and its decryption
 * of RFC 6030 §6 files (import_pskc_crypt.c) share.
 */
#ifndef MFA_IMPORT_PSKC_H
#define MFA_IMPORT_PSKC_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "import.h"
#include "mfa.h"

#define PSKC_NS "urn:ietf:params:xml:ns:keyprov:pskc"
#define PSKC_SECRET_MIN 10      /* 80 bits; RFC 4226 §4 R6 wants 128 */

/* A secret decrypted from the KeyPackage of the same index. */
struct pskc_plain {
	unsigned char secret[MFA_SECRET_MAX];
	size_t len;
	bool set;
};

/* How messages and labels name a key: serial number, else key Id, else its
 * position in the file. */
void pskc_name(const char *serial, const char *id, size_t index, char *name, size_t size);

/* RFC 6030 §6.1 and §6.2. Encrypted secrets go to (*plain)[KeyPackage
 * index]; the document loses EncryptionKey, MACMethod and ValueMAC, and
 * each EncryptedValue becomes a placeholder PlainValue for libpskc.
 * *changed tells whether the document was touched. */
int pskc_decrypt(xmlDoc *doc, const struct import_pskc_opts *opts, struct pskc_plain **plain,
                 size_t *nplain, bool *changed, char *err, size_t errlen);

#endif
