/* util.c - small helpers the core's files share: names, files, randomness. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "internal.h"

bool str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return false;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

/* Length of the UTF-8 character at p if it is well formed (no overlong form,
 * surrogate or code point past U+10FFFF) and no control character (C0, DEL,
 * C1); 0 otherwise. */
static size_t printable_char_len(const unsigned char *p)
{
	size_t n;
	unsigned cp;

	if (p[0] < 0x20 || p[0] == 0x7f)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/* What every name and label must be, so that JSON output and a terminal
 * show it as it is: 1..max bytes of UTF-8 text without control characters
 * (nor spaces, unless space_ok). */
static bool text_valid(const char *s, size_t max, bool space_ok)
{
	size_t n, len;

	if (!s || (len = strlen(s)) == 0 || len > max)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p += n)
		if ((!space_ok && *p == ' ') || (n = printable_char_len(p)) == 0)
			return false;
	return true;
}

bool user_name_valid(const char *user)
{
	return text_valid(user, MFA_USER_MAX, false);
}

bool label_valid(const char *label)
{
	return text_valid(label, MFA_LABEL_MAX, true);
}

bool mfa_text_escape(const char *text, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t o = 0, n;
	bool clean = true;

	if (size == 0)
		return false;
	for (; *p; p += n) {
		if ((n = printable_char_len(p)) == 0) {
			n = 1;
			clean = false;
			if (o + 4 >= size)
				break;
			snprintf(out + o, 5, "\\x%02x", *p);
			o += 4;
			continue;
		}
		if (o + n >= size) {
			clean = false;
			break;
		}
		memcpy(out + o, p, n);
		o += n;
	}
	out[o] = '\0';
	return clean;
}

int user_name_require(mfa_ctx *ctx, const char *user)
{
	char shown[MFA_TEXT_ESCAPED_MAX];

	if (user_name_valid(user))
		return MFA_OK;
	mfa_text_escape(user ? user : "", shown, sizeof(shown));
	return ctx_fail(ctx, MFA_ERR_INVALID,
	                "invalid user name '%s': 1 to %d bytes of UTF-8 text, no spaces or control "
	                "characters (give the name in UTF-8)", shown, MFA_USER_MAX);
}

int label_require(mfa_ctx *ctx, const char *label)
{
	char shown[MFA_TEXT_ESCAPED_MAX];

	if (label_valid(label))
		return MFA_OK;
	mfa_text_escape(label ? label : "", shown, sizeof(shown));
	return ctx_fail(ctx, MFA_ERR_INVALID,
	                "invalid label '%s': 1 to %d bytes of UTF-8 text without control characters",
	                shown, MFA_LABEL_MAX);
}

/* Looser than user_name_valid: names that older versions stored without
 * being UTF-8 stay reachable, to be listed, exported and deleted. */
static bool user_name_reachable(const char *user)
{
	size_t n = user ? strlen(user) : 0;

	if (n == 0 || n > MFA_USER_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)user; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

int mfa_user_canonical(mfa_ctx *ctx, const char *user, char out[MFA_USER_MAX + 1])
{
	out[0] = '\0';
	if (!user_name_reachable(user))
		return ctx_fail(ctx, MFA_ERR_INVALID,
		                "invalid user name: 1 to %d characters, no spaces or control characters",
		                MFA_USER_MAX);
	str_copy(out, MFA_USER_MAX + 1, user);
	if (ctx->cfg.user_case_lower)
		for (char *p = out; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return MFA_OK;
}

int file_check_writers(const char *path, const struct stat *st, bool any_owner, gid_t shared_gid,
                       const char *fix, char *err, size_t errlen)
{
	mode_t mode = st->st_mode & 07777;

	if (!any_owner && st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s is owned by uid %u, not by root or the running user (uid %u): run %s",
		         path, (unsigned)st->st_uid, (unsigned)geteuid(), fix);
		return MFA_ERR_INVALID;
	}
	if (mode & S_IWOTH) {
		snprintf(err, errlen, "%s is writable by others (mode %04o): run %s", path,
		         (unsigned)mode, fix);
		return MFA_ERR_INVALID;
	}
	if ((mode & S_IWGRP) && (shared_gid == NO_GROUP || st->st_gid != shared_gid)) {
		snprintf(err, errlen, "%s is writable by group %u (mode %04o)%s: run %s", path,
		         (unsigned)st->st_gid, (unsigned)mode,
		         shared_gid == NO_GROUP ? "" : ", not by the configured group", fix);
		return MFA_ERR_INVALID;
	}
	return MFA_OK;
}

const char *access_hint(int errnum, const char *group, char *buf, size_t size)
{
	if (errnum != EACCES || geteuid() == 0)
		return "";
	if (group && group[0])
		/* The group reads the key: it is for services. People doing
		 * support have the portal's staff view (admin_group) instead. */
		snprintf(buf, size, " (run as root or a member of %s, the services' group; support "
		         "staff without root: the portal's staff view, not that group)", group);
	else
		snprintf(buf, size, " (run as root)");
	return buf;
}

int path_share(const char *path, gid_t gid, const char *group, mode_t mode, char *err,
               size_t errlen)
{
	struct stat st;

	if (gid == NO_GROUP)
		return MFA_OK;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return MFA_OK;
		snprintf(err, errlen, "cannot use %s: %s", path, strerror(errno));
		return MFA_ERR_SYSTEM;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s is a symbolic link: not followed", path);
		return MFA_ERR_SYSTEM;
	}
	if ((st.st_gid != gid && lchown(path, (uid_t)-1, gid) < 0) ||
	    ((st.st_mode & 07777) != mode && chmod(path, mode) < 0)) {
		snprintf(err, errlen, "cannot give %s to group %s: %s", path, group, strerror(errno));
		return MFA_ERR_SYSTEM;
	}
	return MFA_OK;
}

int dir_make_parent(const char *path, char copy[CONFIG_PATH_MAX], const char **dir, char *err,
                    size_t errlen)
{
	if (!str_copy(copy, CONFIG_PATH_MAX, path)) {
		snprintf(err, errlen, "path too long: %s", path);
		return MFA_ERR_CONFIG;
	}
	*dir = dirname(copy);
	if (mkdir(*dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create directory %s: %s", *dir, strerror(errno));
		return MFA_ERR_SYSTEM;
	}
	return MFA_OK;
}

int group_id(const char *name, gid_t *gid)
{
	struct group grp, *found = NULL;
	char buf[4096];
	int rc;

	*gid = NO_GROUP;
	rc = getgrnam_r(name, &grp, buf, sizeof(buf), &found);
	if (rc != 0)
		return rc;
	if (!found)
		return ENOENT;
	*gid = found->gr_gid;
	return 0;
}

int file_read_safely(const char *path, size_t max, enum file_guard guard, gid_t shared_gid,
                     char **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd, r = MFA_ERR_SYSTEM;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO in its place must not hang the open. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return errno == ENOMEM ? MFA_ERR_NOMEM : MFA_ERR_NOT_FOUND;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		r = MFA_ERR_INVALID;
		goto out;
	}
	if (guard == FILE_SECRET && ((st.st_mode & 007) ||
	                ((st.st_mode & 070) && (st.st_gid != shared_gid || (st.st_mode & 030))))) {
		snprintf(err, errlen, "%s is accessible by group or others (mode %03o): run chmod 600 %s",
		         path, (unsigned)(st.st_mode & 0777), path);
		r = MFA_ERR_INVALID;
		goto out;
	}
	if (guard == FILE_SECRET && st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s is owned by uid %u, not by root or uid %u: run chown root %s",
		         path, (unsigned)st.st_uid, (unsigned)geteuid(), path);
		r = MFA_ERR_INVALID;
		goto out;
	}
	if (guard == FILE_TRUSTED) {
		char fix[1024];   /* err is shorter anyway */

		snprintf(fix, sizeof(fix), "chown root %s; chmod go-w %s", path, path);
		if (file_check_writers(path, &st, false, NO_GROUP, fix, err, errlen) != MFA_OK) {
			r = MFA_ERR_INVALID;
			goto out;
		}
	}
	if ((size_t)st.st_size > max) {
		snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
		r = MFA_ERR_INVALID;
		goto out;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	while (got <= (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > (size_t)st.st_size) {
		snprintf(err, errlen, "%s changed while being read", path);
		goto out;
	}
	data[got] = '\0';
	*buf = data;
	*len = got;
	data = NULL;
	r = MFA_OK;
out:
	if (data) {
		OPENSSL_cleanse(data, (size_t)st.st_size + 1);
		free(data);
	}
	close(fd);
	return r;
}

bool words_next(const char **p, const char **word, size_t *len)
{
	while (**p == ' ')
		(*p)++;
	if (!**p)
		return false;
	*word = *p;
	*len = strcspn(*p, " ");
	*p += *len;
	return true;
}

int random_bytes(void *buf, size_t len)
{
	if (len > (size_t)INT32_MAX || RAND_bytes(buf, (int)len) != 1)
		return MFA_ERR_SYSTEM;
	return MFA_OK;
}

int factor_id_new(char id[MFA_ID_LEN + 1])
{
	unsigned char raw[5];
	char *b32 = NULL;
	size_t b32len = 0;
	int r;

	/* 5 bytes are 8 base32 characters: 40 bits, easy to type. */
	if ((r = random_bytes(raw, sizeof(raw))) != MFA_OK)
		return r;
	if (oath_base32_encode((const char *)raw, sizeof(raw), &b32, &b32len) != OATH_OK ||
	    b32len < MFA_ID_LEN) {
		free(b32);
		return MFA_ERR_SYSTEM;
	}
	for (size_t i = 0; i < MFA_ID_LEN; i++)
		id[i] = (char)((b32[i] >= 'A' && b32[i] <= 'Z') ? b32[i] - 'A' + 'a' : b32[i]);
	id[MFA_ID_LEN] = '\0';
	free(b32);
	return MFA_OK;
}

int config_group_id(mfa_ctx *ctx, gid_t *gid)
{
	int rc;

	*gid = NO_GROUP;
	if (!ctx->cfg.group[0])
		return MFA_OK;
	if ((rc = group_id(ctx->cfg.group, gid)) != 0)
		return ctx_fail(ctx, MFA_ERR_CONFIG, "%s: group '%s' does not exist%s%s",
		                ctx->config_path, ctx->cfg.group, rc != ENOENT ? ": " : "",
		                rc != ENOENT ? strerror(rc) : "");
	return MFA_OK;
}

int b64url_decode(const char *in, unsigned char *out, size_t max, size_t *len)
{
	size_t n = strlen(in), padded, raw;
	unsigned char *tmp = NULL, *dec = NULL;
	int r = -1;

	*len = 0;
	/* Length 1 mod 4 is never base64; padding and '+' '/' are not base64url. */
	if (n % 4 == 1 || n > 4 * ((max + 2) / 3) || strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                                      "abcdefghijklmnopqrstuvwxyz0123456789-_") != n)
		return -1;
	padded = (n + 3) / 4 * 4;
	raw = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	if (raw > max || !(tmp = malloc(padded + 1)) || !(dec = malloc(padded / 4 * 3 + 1)))
		goto out;
	for (size_t i = 0; i < padded; i++)
		tmp[i] = i >= n ? '=' : in[i] == '-' ? '+' : in[i] == '_' ? '/' : (unsigned char)in[i];
	tmp[padded] = '\0';
	/* EVP_DecodeBlock counts padding as zero bytes; raw is the real length. */
	if (padded && EVP_DecodeBlock(dec, tmp, (int)padded) < 0)
		goto out;
	memcpy(out, dec, raw);
	*len = raw;
	r = 0;
out:
	free(tmp);
	free(dec);
	return r;
}

void b64url_encode(const unsigned char *in, size_t len, char *out)
{
	int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (char *p = out; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
}
