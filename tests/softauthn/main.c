/* softauthn command line (see README.md): options JSON on stdin, response JSON on
 * stdout, exit 0 on success and 2 on any error. */
#include "softauthn.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_MAX (1 << 20)	/* options and responses are small */

static int usage(void)
{
	fputs("usage: softauthn create KEYFILE --origin O [--alg es256|eddsa|rs256|es384]\n"
	      "         [--fmt none|packed-self|packed|fido-u2f] [--ca DIR] [--cred-id-len N]\n"
	      "         [--no-uv] [--no-up] [--counter N] [--rp-id ID] [--type T] [--challenge B64]\n"
	      "         [--rsa-bits N] [--cred-protect 1|2|3] [--hmac-secret] [--cred-blob]\n"
	      "         [--min-pin-length N]\n"
	      "       softauthn get KEYFILE --origin O [--no-uv] [--no-up] [--counter N]\n"
	      "         [--rp-id ID] [--type T] [--challenge B64]\n"
	      "       softauthn ca DIR\n"
	      "       softauthn flip FIELD BIT\n", stderr);
	return 2;
}

static char *read_stdin(void)
{
	char *buf = malloc(INPUT_MAX + 1);
	size_t n = buf != NULL ? fread(buf, 1, INPUT_MAX + 1, stdin) : 0;

	if (buf == NULL || ferror(stdin) || n > INPUT_MAX) {
		fputs("softauthn: cannot read stdin, or it is over 1 MiB\n", stderr);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static bool number(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno == 0 && end != s && *end == '\0' && *v <= max && s[0] != '-')
		return true;
	fprintf(stderr, "softauthn: bad number \"%s\"\n", s);
	return false;
}

static int lookup(const char *s, const char *const names[4])
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	fprintf(stderr, "softauthn: unknown value \"%s\"\n", s);
	return -1;
}

int main(int argc, char **argv)
{
	static const char *const algs[4] = { "es256", "eddsa", "rs256", "es384" };
	static const enum sa_alg alg_ids[4] = { SA_ES256, SA_EDDSA, SA_RS256, SA_ES384 };
	static const char *const fmts[4] = { "none", "packed-self", "packed", "fido-u2f" };
	struct sa_opts o = { 0 };
	struct sa_cred *cred = NULL;
	char key[PATH_MAX], cert[PATH_MAX], *in = NULL, *out = NULL;
	unsigned long long num;
	int alg = 0, fmt = 0, rc = 2;
	bool create = argc >= 3 && strcmp(argv[1], "create") == 0;

	if (argc == 3 && strcmp(argv[1], "ca") == 0)
		return sa_make_ca(argv[2]) == 0 ? 0 : 2;
	if (argc == 4 && strcmp(argv[1], "flip") == 0) {
		if (number(argv[3], SIZE_MAX, &num) && (in = read_stdin()) != NULL &&
		    sa_flip_bit(in, argv[2], (size_t)num, &out) == 0 && printf("%s\n", out) > 0)
			rc = 0;
		goto out;
	}
	if (!create && (argc < 3 || strcmp(argv[1], "get") != 0))
		return usage();
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--no-uv") == 0 || strcmp(a, "--no-up") == 0) {
			o.no_uv |= strcmp(a, "--no-uv") == 0;
			o.no_up |= strcmp(a, "--no-up") == 0;
			continue;
		}
		if (create && (strcmp(a, "--hmac-secret") == 0 || strcmp(a, "--cred-blob") == 0)) {
			o.hmac_secret |= strcmp(a, "--hmac-secret") == 0;
			o.cred_blob |= strcmp(a, "--cred-blob") == 0;
			continue;
		}
		if (v == NULL)
			return usage();
		i++;
		if (strcmp(a, "--origin") == 0)
			o.origin = v;
		else if (strcmp(a, "--rp-id") == 0)
			o.rp_id_override = v;
		else if (strcmp(a, "--type") == 0)
			o.type_override = v;
		else if (strcmp(a, "--challenge") == 0)
			o.challenge_override = v;
		else if (strcmp(a, "--counter") == 0) {
			if (!number(v, UINT32_MAX, &num))
				return 2;
			o.set_counter = true;
			o.counter = (uint32_t)num;
		} else if (create && strcmp(a, "--cred-id-len") == 0) {
			if (!number(v, 1023, &num) || num == 0)
				return 2;
			o.cred_id_len = (size_t)num;
		} else if (create && strcmp(a, "--rsa-bits") == 0) {
			if (!number(v, 8192, &num) || num < 1024)
				return 2;
			o.rsa_bits = (unsigned)num;
		} else if (create && strcmp(a, "--cred-protect") == 0) {
			if (!number(v, 3, &num) || num == 0)
				return 2;
			o.cred_protect = (uint8_t)num;
		} else if (create && strcmp(a, "--min-pin-length") == 0) {
			if (!number(v, 255, &num) || num == 0)
				return 2;
			o.min_pin_length = (uint8_t)num;
		} else if (create && strcmp(a, "--alg") == 0) {
			if ((alg = lookup(v, algs)) < 0)
				return 2;
		} else if (create && strcmp(a, "--fmt") == 0) {
			if ((fmt = lookup(v, fmts)) < 0)
				return 2;
		} else if (create && strcmp(a, "--ca") == 0) {
			/* a cut path would name another file */
			if ((size_t)snprintf(key, sizeof(key), "%s/attest.key", v) >= sizeof(key) ||
			    (size_t)snprintf(cert, sizeof(cert), "%s/attest.pem", v) >= sizeof(cert))
				return usage();
			o.attest_key_pem = key;
			o.attest_cert_pem = cert;
		} else
			return usage();
	}
	if (o.origin == NULL)
		return usage();
	if ((in = read_stdin()) == NULL ||
	    (create ? sa_create(in, alg_ids[alg], (enum sa_fmt)fmt, &o, &cred, &out) :
		      sa_cred_load(argv[2], &cred) < 0 ? -1 : sa_get(cred, in, &o, &out)) < 0)
		goto out;
	/* save before printing: a response whose counter is lost would lie */
	if (sa_cred_save(cred, argv[2]) == 0 && printf("%s\n", out) > 0 && fflush(stdout) == 0)
		rc = 0;
out:
	sa_cred_free(&cred);
	free(in);
	free(out);
	return rc;
}
