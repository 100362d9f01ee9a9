/*
 * config.c - `key = value` lines, one table of settings. An unknown key or a
 * bad value is an error that names file and line: in an authentication
 * module a typo must never quietly weaken policy.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "internal.h"
#include "store.h"

enum setting_kind { SET_PATH, SET_STORE, SET_TEXT, SET_UINT, SET_BOOL, SET_ALG, SET_UV, SET_CASE,
	            SET_DURATION, SET_URL };

struct setting {
	const char *key;
	enum setting_kind kind;
	size_t offset;
	size_t size;          /* strings: buffer size */
	unsigned long min, max;
};

#define S_STR(k, kind, f) { k, kind, offsetof(struct mfa_config, f), sizeof(((struct mfa_config *)0)->f), 0, 0 }
#define S_UINT(k, f, lo, hi) { k, SET_UINT, offsetof(struct mfa_config, f), 0, lo, hi }
#define S_BOOL(k, f) { k, SET_BOOL, offsetof(struct mfa_config, f), 0, 0, 0 }

static const struct setting settings[] = {
	S_STR("store", SET_STORE, store),
	S_STR("key_file", SET_PATH, key_file),
	S_STR("group", SET_TEXT, group),
	S_STR("audit_file", SET_PATH, audit_file),
	S_BOOL("audit_syslog", audit_syslog),
	S_BOOL("audit_required", audit_required),
	{ "user_case", SET_CASE, offsetof(struct mfa_config, user_case_lower), 0, 0, 0 },
	S_STR("issuer", SET_TEXT, issuer),
	S_UINT("digits", default_digits, 6, 8),
	S_UINT("period", default_period, MFA_PERIOD_MIN, MFA_PERIOD_MAX),
	{ "algorithm", SET_ALG, offsetof(struct mfa_config, default_algorithm), 0, 0, 0 },
	S_UINT("totp_window_behind", totp_window_behind, 0, 10),
	S_UINT("totp_window_ahead", totp_window_ahead, 0, 10),
	S_UINT("drift_report", drift_report, 0, 3600),
	S_UINT("hotp_lookahead", hotp_lookahead, 0, 100),
	S_UINT("resync_window", resync_window, 1, 10000),
	S_UINT("lockout_threshold", lockout_threshold, 0, 1000),
	S_UINT("lockout_delay", lockout_delay, 1, 86400),
	S_UINT("lockout_max_delay", lockout_max_delay, 1, 7 * 86400),
	S_BOOL("sqlite_sync_full", sqlite_sync_full),
	S_UINT("store_busy_timeout", store_busy_timeout, 10, 600000),
	S_UINT("store_timeout", store_timeout, 1, 60),
	S_UINT("group_commit", group_commit, 0, 64),
	S_STR("webauthn_rp_id", SET_TEXT, webauthn_rp_id),
	S_STR("webauthn_rp_name", SET_TEXT, webauthn_rp_name),
	S_STR("webauthn_origins", SET_TEXT, webauthn_origins),
	{ "webauthn_user_verification", SET_UV, offsetof(struct mfa_config, webauthn_user_verification),
	  0, 0, 0 },
	S_UINT("webauthn_timeout", webauthn_timeout, 30, 600),
	S_STR("webauthn_trust_anchors", SET_PATH, webauthn_trust_anchors),
	S_STR("web_listen", SET_TEXT, web_listen),
	S_STR("web_tls_cert", SET_PATH, web_tls_cert),
	S_STR("web_tls_key", SET_PATH, web_tls_key),
	S_STR("admin_group", SET_TEXT, admin_group),
	S_STR("web_user", SET_TEXT, web_user),
	S_UINT("web_session_idle", web_session_idle, 60, 86400),
	S_UINT("web_session_max", web_session_max, 300, 7 * 86400),
	S_BOOL("web_behind_proxy", web_behind_proxy),
	S_STR("web_pam_service", SET_TEXT, web_pam_service),
	S_STR("web_url", SET_URL, web_url),
	{ "invite_expires", SET_DURATION, offsetof(struct mfa_config, invite_expires), 0,
	  MFA_INVITE_EXPIRES_MIN, MFA_INVITE_EXPIRES_MAX },
	S_UINT("approve_timeout", approve_timeout, MFA_APPROVAL_TTL_MIN, MFA_APPROVAL_TTL_MAX),
	{ "signin_code_expires", SET_DURATION, offsetof(struct mfa_config, signin_code_expires), 0,
	  MFA_SIGNIN_EXPIRES_MIN, MFA_SIGNIN_EXPIRES_MAX },
};

static const char *const uv_names[] = { "discouraged", "preferred", "required" };

const char *config_uv_name(int uv)
{
	return uv >= 0 && uv <= WEBAUTHN_UV_REQUIRED ? uv_names[uv] : "preferred";
}

void config_defaults(struct mfa_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	str_copy(cfg->store, sizeof(cfg->store), "sqlite:/var/lib/mfa/mfa.db");
	str_copy(cfg->key_file, sizeof(cfg->key_file), "/etc/mfa/mfa.key");
	cfg->audit_syslog = true;
	str_copy(cfg->issuer, sizeof(cfg->issuer), "mfa");
	cfg->default_digits = 6;
	cfg->default_period = 30;
	cfg->default_algorithm = MFA_ALG_SHA1;
	/* RFC 6238 §5.2: at most one step of network delay either way. */
	cfg->totp_window_behind = 1;
	cfg->totp_window_ahead = 1;
	str_copy(cfg->web_listen, sizeof(cfg->web_listen), "127.0.0.1:8080");
	cfg->web_session_idle = 15 * 60;
	cfg->web_session_max = 8 * 3600;
	cfg->drift_report = 0;   /* off: a wrong code costs what a right one does */
	cfg->hotp_lookahead = 10;
	cfg->resync_window = 100;
	cfg->lockout_threshold = 5;
	cfg->lockout_delay = 30;
	cfg->lockout_max_delay = 3600;
	cfg->sqlite_sync_full = false;
	cfg->store_busy_timeout = 5000;
	cfg->store_timeout = 5;
	cfg->webauthn_user_verification = WEBAUTHN_UV_PREFERRED;
	/* WebAuthn §5.4.6 recommends 300 s while user verification may be asked. */
	cfg->webauthn_timeout = 300;
	str_copy(cfg->web_pam_service, sizeof(cfg->web_pam_service), "mfa-web");
	cfg->invite_expires = 24 * 3600;
	cfg->approve_timeout = 120;
	cfg->signin_code_expires = 5 * 60;
}

int mfa_duration_parse(const char *text, unsigned *seconds)
{
	static const struct { char unit; unsigned long scale; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	unsigned long n, scale = 1;
	char *end;

	*seconds = 0;
	if (!text || !isdigit((unsigned char)text[0]))
		return MFA_ERR_INVALID;
	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || n > UINT_MAX)
		return MFA_ERR_INVALID;
	if (*end) {
		size_t i = 0;

		while (i < sizeof(units) / sizeof(units[0]) && units[i].unit != *end)
			i++;
		if (i == sizeof(units) / sizeof(units[0]) || end[1] != '\0')
			return MFA_ERR_INVALID;
		scale = units[i].scale;
	}
	if (n > UINT_MAX / scale)
		return MFA_ERR_INVALID;
	*seconds = (unsigned)(n * scale);
	return MFA_OK;
}

/* The portal's address as a browser reaches it: https://host[:port][/path]
 * (http:// only on loopback: a link sent in clear could be read on the
 * way), no query, fragment, user or spaces: "/invite#TOKEN" is appended. */
static bool web_url_valid(const char *url)
{
	static const char *const loopback[] = { "localhost", "127.0.0.1", "[::1]" };
	const char *h;
	size_t n = strlen(url), hn;
	bool clear = false;

	if (!strncmp(url, "https://", 8)) {
		h = url + 8;
	} else if (!strncmp(url, "http://", 7)) {
		h = url + 7;
		clear = true;
	} else {
		return false;
	}
	if (n >= 400 || !h[0] || h[0] == '/' || h[0] == ':' ||
	    strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/[]%") !=
	            strlen(h))
		return false;
	if (!clear)
		return true;
	hn = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
		if (hn == strlen(loopback[i]) && !strncmp(h, loopback[i], hn) &&
		    (h[hn] == '\0' || h[hn] == ':' || h[hn] == '/'))
			return true;
	return false;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

static bool text_printable(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

#define SETTINGS_COUNT (sizeof(settings) / sizeof(settings[0]))

static const struct setting *setting_find(const char *key)
{
	for (size_t i = 0; i < SETTINGS_COUNT; i++)
		if (!strcmp(settings[i].key, key))
			return &settings[i];
	return NULL;
}

int config_set(struct mfa_config *cfg, const char *key, const char *value, char *err,
               size_t errlen)
{
	const struct setting *s = setting_find(key);
	char *field;

	if (!s) {
		snprintf(err, errlen, "unknown setting '%s' (see mfa.conf(5) in mfactl(1))", key);
		return MFA_ERR_CONFIG;
	}
	field = (char *)cfg + s->offset;
	switch (s->kind) {
	case SET_STORE:
		if (store_uri_check(value, err, errlen) != MFA_OK)
			return MFA_ERR_CONFIG;
		/* fall through */
	case SET_PATH:
		if (s->kind == SET_PATH && value[0] != '\0' && value[0] != '/') {
			snprintf(err, errlen, "%s: '%s' is not an absolute path", key, value);
			return MFA_ERR_CONFIG;
		}
		/* fall through */
	case SET_TEXT:
		if (!text_printable(value) || !str_copy(field, s->size, value)) {
			snprintf(err, errlen, "%s: value too long or not printable", key);
			return MFA_ERR_CONFIG;
		}
		return MFA_OK;
	case SET_UINT: {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)value[0]) || *end || errno || n < s->min || n > s->max) {
			snprintf(err, errlen, "%s: '%s' is not a number from %lu to %lu", key, value,
			         s->min, s->max);
			return MFA_ERR_CONFIG;
		}
		*(unsigned *)(void *)field = (unsigned)n;
		return MFA_OK;
	}
	case SET_BOOL:
		if (parse_bool(value, (bool *)(void *)field) < 0) {
			snprintf(err, errlen, "%s: '%s' is not yes or no", key, value);
			return MFA_ERR_CONFIG;
		}
		return MFA_OK;
	case SET_ALG: {
		mfa_algorithm alg;

		if (mfa_algorithm_parse(value, &alg) != MFA_OK) {
			snprintf(err, errlen, "%s: '%s' is not SHA1, SHA256 or SHA512", key, value);
			return MFA_ERR_CONFIG;
		}
		*(int *)(void *)field = (int)alg;
		return MFA_OK;
	}
	case SET_CASE:
		if (strcmp(value, "exact") != 0 && strcmp(value, "lower") != 0) {
			snprintf(err, errlen, "%s: '%s' is not exact or lower", key, value);
			return MFA_ERR_CONFIG;
		}
		*(bool *)(void *)field = !strcmp(value, "lower");
		return MFA_OK;
	case SET_DURATION: {
		unsigned n;

		if (mfa_duration_parse(value, &n) != MFA_OK || n < s->min || n > s->max) {
			snprintf(err, errlen, "%s: '%s' is not a duration from %lus to %lud (a number of "
			         "seconds, or with s, m, h or d)", key, value, s->min, s->max / 86400);
			return MFA_ERR_CONFIG;
		}
		*(unsigned *)(void *)field = n;
		return MFA_OK;
	}
	case SET_URL: {
		char url[sizeof(((struct mfa_config *)0)->web_url)];
		size_t n;

		if (!str_copy(url, sizeof(url), value) || (value[0] && !web_url_valid(value))) {
			snprintf(err, errlen, "%s: '%s' is not https://HOST[:PORT][/PATH] (no query, "
			         "fragment or spaces; http:// only on localhost)", key, value);
			return MFA_ERR_CONFIG;
		}
		/* One form: links are url + "/invite#...". */
		n = strlen(url);
		while (n > 0 && url[n - 1] == '/')
			url[--n] = '\0';
		str_copy(field, s->size, url);
		return MFA_OK;
	}
	case SET_UV:
		for (int i = 0; i <= WEBAUTHN_UV_REQUIRED; i++)
			if (!strcmp(value, uv_names[i])) {
				*(int *)(void *)field = i;
				return MFA_OK;
			}
		snprintf(err, errlen, "%s: '%s' is not required, preferred or discouraged", key, value);
		return MFA_ERR_CONFIG;
	}
	return MFA_ERR_CONFIG;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int config_parse(struct mfa_config *cfg, const char *buf, size_t len, const char *name,
                 char *err, size_t errlen)
{
	char line[CONFIG_PATH_MAX + 128];
	char msg[CONFIG_PATH_MAX + 64];
	size_t pos = 0;
	unsigned lineno = 0;
	unsigned set_on[SETTINGS_COUNT] = { 0 };   /* line of each setting, 0 = not yet */

	while (pos < len) {
		const struct setting *s;
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		char *key, *value, *eq;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%u: line too long", name, lineno);
			return MFA_ERR_CONFIG;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (memchr(line, '\0', n)) {
			snprintf(err, errlen, "%s:%u: NUL byte in line", name, lineno);
			return MFA_ERR_CONFIG;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected 'key = value'", name, lineno);
			return MFA_ERR_CONFIG;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		/* A second line for a key is a mistake either way: which one did
		 * the admin mean? Never let the later one win quietly. */
		if ((s = setting_find(key)) && set_on[s - settings]) {
			snprintf(err, errlen, "%s:%u: %s is already set on line %u: keep one of the two lines",
			         name, lineno, key, set_on[s - settings]);
			return MFA_ERR_CONFIG;
		}
		if (config_set(cfg, key, value, msg, sizeof(msg)) != MFA_OK) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, msg);
			return MFA_ERR_CONFIG;
		}
		set_on[s - settings] = lineno;
	}
	return config_check(cfg, name, err, errlen);
}

const char *config_text(const struct mfa_config *cfg, const char *key)
{
	const struct setting *s = setting_find(key);

	if (!s || (s->kind != SET_PATH && s->kind != SET_STORE && s->kind != SET_TEXT &&
	           s->kind != SET_URL))
		return NULL;
	return (const char *)cfg + s->offset;
}

/* A user, group or PAM service name: letters, digits, '_', '-', '.' (and
 * no "..": a PAM service name is a file in /etc/pam.d). */
static bool name_valid(const char *name)
{
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
	               strlen(name) &&
	       name[0] != '.' && name[0] != '-';
}

/* A DNS name of letters, digits, '-' and '.', in lower case. */
static bool rp_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && id[0] != '.' && id[n - 1] != '.' && !strstr(id, "..") &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

/* An origin a browser would send for rp_id: https://host[:port], or
 * http://localhost[:port] (a secure context too), where host is rp_id or
 * one of its subdomains (WebAuthn §5.1.3 step 8), in DNS labels of
 * [a-z0-9-]: no fragment, query, backslash or empty label can make
 * "evil.com#.example.com" end in rp_id. */
static bool origin_fits(const char *origin, size_t n, const char *rp_id)
{
	char host[256];
	const char *h;
	size_t hn, rn = strlen(rp_id);

	if (n > 8 && !strncmp(origin, "https://", 8))
		h = origin + 8;
	else if (n > 7 && !strncmp(origin, "http://", 7))
		h = origin + 7;
	else
		return false;
	hn = strcspn(h, ":/ ");
	if (hn == 0 || hn >= sizeof(host) || (size_t)(h - origin) + hn > n)
		return false;
	memcpy(host, h, hn);
	host[hn] = '\0';
	if (!rp_id_valid(host))
		return false;
	if (h[hn] == ':') {
		size_t pn = n - (size_t)(h + hn + 1 - origin);

		if (pn == 0 || pn > 5 || strspn(h + hn + 1, "0123456789") < pn ||
		    strtoul(h + hn + 1, NULL, 10) == 0 || strtoul(h + hn + 1, NULL, 10) > 65535)
			return false;
	} else if ((size_t)(h - origin) + hn != n) {
		return false;                       /* a path: origins have none */
	}
	if (h == origin + 7 && strcmp(host, "localhost") != 0)
		return false;
	return !strcmp(host, rp_id) ||
	       (hn > rn + 1 && host[hn - rn - 1] == '.' && !strcmp(host + hn - rn, rp_id));
}

static int webauthn_check(const struct mfa_config *cfg, const char *name, char *err,
                          size_t errlen)
{
	const char *p = cfg->webauthn_origins, *origin;
	size_t n;

	if (!cfg->webauthn_rp_id[0]) {
		if (cfg->webauthn_origins[0] || cfg->webauthn_trust_anchors[0]) {
			snprintf(err, errlen, "%s: webauthn settings need webauthn_rp_id", name);
			return MFA_ERR_CONFIG;
		}
		return MFA_OK;
	}
	if (!rp_id_valid(cfg->webauthn_rp_id)) {
		snprintf(err, errlen, "%s: webauthn_rp_id: '%s' is not a lower-case DNS name", name,
		         cfg->webauthn_rp_id);
		return MFA_ERR_CONFIG;
	}
	while (words_next(&p, &origin, &n))
		if (!origin_fits(origin, n, cfg->webauthn_rp_id)) {
			snprintf(err, errlen,
			         "%s: webauthn_origins: '%.*s' is not https://%s (or a subdomain, or "
			         "http://localhost) with an optional port and no path",
			         name, (int)n, origin, cfg->webauthn_rp_id);
			return MFA_ERR_CONFIG;
		}
	return MFA_OK;
}

static bool group_name_ok(const char *g)
{
	for (const char *p = g; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

int config_check(const struct mfa_config *cfg, const char *name, char *err, size_t errlen)
{
	int r;

	if ((r = webauthn_check(cfg, name, err, errlen)) != MFA_OK)
		return r;
	if (cfg->lockout_max_delay < cfg->lockout_delay) {
		snprintf(err, errlen, "%s: lockout_max_delay (%u) is below lockout_delay (%u)", name,
		         cfg->lockout_max_delay, cfg->lockout_delay);
		return MFA_ERR_CONFIG;
	}
	if (!group_name_ok(cfg->group)) {
		snprintf(err, errlen, "%s: group: '%s' is not a group name", name, cfg->group);
		return MFA_ERR_CONFIG;
	}
	if (!name_valid(cfg->web_user)) {
		snprintf(err, errlen, "%s: web_user: '%s' is not a user name", name, cfg->web_user);
		return MFA_ERR_CONFIG;
	}
	if (!cfg->web_pam_service[0] || !name_valid(cfg->web_pam_service)) {
		snprintf(err, errlen, "%s: web_pam_service: '%s' is not a PAM service name (a file in "
		         "/etc/pam.d, such as mfa-web)", name, cfg->web_pam_service);
		return MFA_ERR_CONFIG;
	}
	if (!group_name_ok(cfg->admin_group)) {
		snprintf(err, errlen, "%s: admin_group: '%s' is not a group name", name,
		         cfg->admin_group);
		return MFA_ERR_CONFIG;
	}
	if (!cfg->web_tls_cert[0] != !cfg->web_tls_key[0]) {
		snprintf(err, errlen, "%s: web_tls_cert and web_tls_key go together: set both for "
		         "HTTPS, or neither for plain HTTP behind a proxy or on loopback", name);
		return MFA_ERR_CONFIG;
	}
	if (cfg->web_session_idle > cfg->web_session_max) {
		snprintf(err, errlen, "%s: web_session_idle (%u) is above web_session_max (%u)", name,
		         cfg->web_session_idle, cfg->web_session_max);
		return MFA_ERR_CONFIG;
	}
	if (cfg->audit_required && !cfg->audit_file[0]) {
		/* syslog(3) never says whether a line got through. */
		snprintf(err, errlen, "%s: audit_required = yes needs audit_file: a lost syslog line "
		         "cannot be noticed", name);
		return MFA_ERR_CONFIG;
	}
	if (cfg->key_file[0] == '\0') {
		snprintf(err, errlen, "%s: key_file must be set", name);
		return MFA_ERR_CONFIG;
	}
	return MFA_OK;
}

const char *config_default_text(void)
{
	return "# mfa.conf - read by pam_mfa, rlm_mfa and mfactl. See mfactl(1).\n"
	       "# Lines are 'key = value'; an unknown key or a bad value is an error.\n"
	       "\n"
	       "# Where tokens live, and the key that encrypts their secrets.\n"
	       "store = sqlite:/var/lib/mfa/mfa.db\n"
	       "key_file = /etc/mfa/mfa.key\n"
	       "# A service that runs as another user (FreeRADIUS runs as freerad) needs\n"
	       "# its group here; then run mfactl init again to set the permissions.\n"
	       "#group = freerad\n"
	       "\n"
	       "# Audit events go to syslog (authpriv); audit_file adds JSON lines.\n"
	       "audit_syslog = yes\n"
	       "#audit_file = /var/log/mfa/audit.json\n"
	       "# yes: refuse a login whose event audit_file cannot take.\n"
	       "#audit_required = no\n"
	       "\n"
	       "# User names as typed (exact), or lower-cased by every front end and\n"
	       "# mfactl (lower: for password backends that ignore case, as LDAP and AD).\n"
	       "user_case = exact\n"
	       "\n"
	       "# Defaults for new authenticator-app factors.\n"
	       "issuer = mfa\n"
	       "digits = 6\n"
	       "period = 30\n"
	       "algorithm = SHA1\n"
	       "\n"
	       "# Steps of clock difference accepted, and how far beyond that a code\n"
	       "# is recognised (and refused) to tell the user their clock is off:\n"
	       "# drift_report = 900 does, at the price of 60 more HMACs a wrong code.\n"
	       "totp_window_behind = 1\n"
	       "totp_window_ahead = 1\n"
	       "drift_report = 0\n"
	       "hotp_lookahead = 10\n"
	       "resync_window = 100\n"
	       "\n"
	       "# After lockout_threshold failures in a row, refuse for lockout_delay\n"
	       "# seconds, doubling with each further failure up to lockout_max_delay.\n"
	       "lockout_threshold = 5\n"
	       "lockout_delay = 30\n"
	       "lockout_max_delay = 3600\n"
	       "\n"
	       "# Security keys and passkeys (mfactl webauthn; docs/webauthn.md): the\n"
	       "# site's DNS name, the origins a browser may send, and policy.\n"
	       "#webauthn_rp_id = example.com\n"
	       "#webauthn_origins = https://example.com https://login.example.com\n"
	       "#webauthn_user_verification = preferred\n"
	       "#webauthn_timeout = 300\n"
	       "#webauthn_trust_anchors = /etc/mfa/webauthn-roots.pem\n"
	       "\n"
	       "# The portal (mfa-web) as users reach it: 'mfactl invite' links point\n"
	       "# there, and live invite_expires (s, m, h or d).\n"
	       "#web_url = https://mfa.example.com\n"
	       "#invite_expires = 24h\n"
	       "# Seconds a user has to approve a login on the portal (30 to 600).\n"
	       "#approve_timeout = 120\n"
	       "# How long a sign-in code from the portal lives (1m to 15m).\n"
	       "#signin_code_expires = 5m\n";
}
