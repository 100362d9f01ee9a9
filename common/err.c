/* err.c - names of the core's error codes. */
#include "mfa.h"

static const char *const err_text[MFA_ERR__COUNT] = {
	[MFA_OK] = "success",
	[MFA_ERR_BAD_CODE] = "wrong code",
	[MFA_ERR_REPLAY] = "code already used",
	[MFA_ERR_CLOCK_DRIFT] = "code valid at another time: device clock is off",
	[MFA_ERR_LOCKED] = "locked after too many failures",
	[MFA_ERR_NO_FACTOR] = "no active factor enrolled",
	[MFA_ERR_CHALLENGE] = "unknown, expired or used challenge",
	[MFA_ERR_WEBAUTHN] = "security key response refused",
	[MFA_ERR_CLONED] = "security key counter went back: possibly cloned",
	[MFA_ERR_CONFIG] = "configuration error",
	[MFA_ERR_KEY] = "key file error",
	[MFA_ERR_STORE] = "token store error",
	[MFA_ERR_CORRUPT] = "corrupt record in the token store",
	[MFA_ERR_DECRYPT] = "secret does not decrypt (wrong key file or moved record)",
	[MFA_ERR_NOMEM] = "out of memory",
	[MFA_ERR_SYSTEM] = "system error",
	[MFA_ERR_INVALID] = "invalid argument",
	[MFA_ERR_NOT_FOUND] = "not found",
	[MFA_ERR_IMPORT] = "malformed import file",
	[MFA_ERR_BAD_PASSWORD] = "wrong user name or password",
	[MFA_ERR_INVITE] = "invite link unknown, used or expired: ask for a new one",
	[MFA_ERR_PENDING] = "not approved yet",
};

const char *mfa_strerror(int err)
{
	if (err < 0 || err >= MFA_ERR__COUNT || !err_text[err])
		return "unknown error";
	return err_text[err];
}

bool mfa_err_is_verdict(int err)
{
	return MFA_ERR_IS_VERDICT(err);
}
