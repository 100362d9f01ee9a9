/*
 * config.h - the one config file every front end reads: defaults, then the
 * file, then front-end options, all through config_set().
 */
#ifndef MFA_CONFIG_H
#define MFA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "mfa.h"

#define CONFIG_PATH_MAX 4096
#define CONFIG_MAX_BYTES (64u * 1024)

struct mfa_config {
	char store[CONFIG_PATH_MAX];      /* "sqlite:/var/lib/mfa/mfa.db" */
	char key_file[CONFIG_PATH_MAX];
	char group[64];                   /* may read the key, write the store */
	char audit_file[CONFIG_PATH_MAX]; /* "" = none */
	bool audit_syslog;
	bool audit_required;              /* deny a login whose event audit_file cannot take */
	bool user_case_lower;             /* user_case = lower: names are lower-cased */
	char issuer[64];
	unsigned default_digits;
	unsigned default_period;
	int default_algorithm;            /* mfa_algorithm */
	unsigned totp_window_behind;      /* steps */
	unsigned totp_window_ahead;
	unsigned drift_report;            /* seconds beyond the window to diagnose */
	unsigned hotp_lookahead;
	unsigned resync_window;           /* HOTP counters / TOTP steps searched */
	unsigned lockout_threshold;       /* failures before a lock; 0 = never */
	unsigned lockout_delay;           /* first lock, seconds */
	unsigned lockout_max_delay;
	bool sqlite_sync_full;            /* fsync every commit */
	unsigned store_busy_timeout;      /* milliseconds (SQLite) */
	unsigned store_timeout;           /* seconds: connecting and each statement (PostgreSQL) */
	unsigned group_commit;            /* logins a transaction may hold; 0 = the store's choice */
	/* WebAuthn relying party; off while webauthn_rp_id is empty. */
	char webauthn_rp_id[254];         /* a DNS name */
	char webauthn_rp_name[64];        /* "" = issuer */
	char webauthn_origins[1024];      /* space separated; "" = https://rp_id */
	int webauthn_user_verification;   /* enum webauthn_uv */
	unsigned webauthn_timeout;        /* seconds a challenge lives */
	char webauthn_trust_anchors[CONFIG_PATH_MAX]; /* PEM roots; "" = any attestation */
	/* The portal, mfa-web (docs/mfa-web.md). */
	char web_listen[MFA_WEB_LISTEN_MAX];  /* ADDR:PORT, [v6]:PORT */
	char web_tls_cert[CONFIG_PATH_MAX];   /* PEM; "" = plain HTTP */
	char web_tls_key[CONFIG_PATH_MAX];
	char admin_group[64];                 /* support staff; "" = none */
	char web_user[64];                    /* the portal drops root for it; mfad lets it
	                                       * check passwords; "" = only root may ask */
	char web_pam_service[64];             /* the PAM service mfad checks with */
	unsigned web_session_idle;            /* seconds */
	unsigned web_session_max;
	bool web_behind_proxy;                /* trust X-Forwarded-For from loopback */
	char web_url[512];                    /* https://host[:port][/path], no trailing '/' */
	unsigned invite_expires;              /* seconds an invite link lives */
	unsigned approve_timeout;             /* seconds an approval of a login lives */
	unsigned signin_code_expires;         /* seconds a portal sign-in code lives */
};

enum webauthn_uv { WEBAUTHN_UV_DISCOURAGED, WEBAUTHN_UV_PREFERRED, WEBAUTHN_UV_REQUIRED };
const char *config_uv_name(int uv);

void config_defaults(struct mfa_config *cfg);
/* One key/value. On error writes a message naming the key. */
int config_set(struct mfa_config *cfg, const char *key, const char *value, char *err,
               size_t errlen);
/* Parses `key = value` lines; errors name `name` and the line. */
int config_parse(struct mfa_config *cfg, const char *buf, size_t len, const char *name,
                 char *err, size_t errlen);
/* Checks settings against each other once all are read. */
int config_check(const struct mfa_config *cfg, const char *name, char *err, size_t errlen);
/* A text setting's value (paths, names), or NULL for another key. */
const char *config_text(const struct mfa_config *cfg, const char *key);
/* The commented default file that `mfactl init` writes. */
const char *config_default_text(void);

#endif
