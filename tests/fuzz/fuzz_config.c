/* fuzz_config.c - the config parser on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mfa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mfa_config cfg;
	char err[512];

	config_defaults(&cfg);
	if (config_parse(&cfg, (const char *)data, size, "fuzz", err, sizeof(err)) == MFA_OK) {
		/* Whatever parses must hold values in range. */
		if (cfg.default_digits < 6 || cfg.default_digits > 8 ||
		    cfg.lockout_max_delay < cfg.lockout_delay || !memchr(cfg.store, '\0', sizeof(cfg.store)) ||
		    cfg.invite_expires < MFA_INVITE_EXPIRES_MIN || cfg.invite_expires > MFA_INVITE_EXPIRES_MAX ||
		    cfg.approve_timeout < MFA_APPROVAL_TTL_MIN || cfg.approve_timeout > MFA_APPROVAL_TTL_MAX ||
		    cfg.signin_code_expires < MFA_SIGNIN_EXPIRES_MIN ||
		    cfg.signin_code_expires > MFA_SIGNIN_EXPIRES_MAX ||
		    !memchr(cfg.web_url, '\0', sizeof(cfg.web_url)) || strchr(cfg.web_url, '#'))
			abort();
	} else if (!memchr(err, '\0', sizeof(err)) || err[0] == '\0') {
		abort();
	}
	return 0;
}
