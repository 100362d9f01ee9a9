/* test_vault.c - AES-GCM sealing bound to user and factor; key files. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "vault.h"

static void vault_roundtrip_and_binding(void)
{
	unsigned char key[VAULT_KEY_LEN], other[VAULT_KEY_LEN];
	unsigned char sealed[MFA_SECRET_MAX + VAULT_OVERHEAD], plain[MFA_SECRET_MAX];
	const unsigned char secret[20] = "12345678901234567890";
	size_t sealed_len = 0, plain_len = 0;

	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	CHECK_EQ_INT(vault_seal(key, "alice", "abcdefgh", secret, 20, sealed, &sealed_len), MFA_OK);
	CHECK_EQ_INT(sealed_len, 20 + VAULT_OVERHEAD);
	CHECK(memmem(sealed, sealed_len, secret, 20) == NULL);
	CHECK_EQ_INT(vault_open(key, "alice", "abcdefgh", sealed, sealed_len, plain, sizeof(plain), &plain_len), MFA_OK);
	CHECK_EQ_INT(plain_len, 20);
	CHECK(memcmp(plain, secret, 20) == 0);
	/* Moved to another user or factor, or opened with another key: refused. */
	CHECK_EQ_INT(vault_open(key, "bob", "abcdefgh", sealed, sealed_len, plain, sizeof(plain), &plain_len),
	             MFA_ERR_DECRYPT);
	CHECK_EQ_INT(vault_open(key, "alice", "abcdefgi", sealed, sealed_len, plain, sizeof(plain), &plain_len),
	             MFA_ERR_DECRYPT);
	CHECK_EQ_INT(vault_open(other, "alice", "abcdefgh", sealed, sealed_len, plain, sizeof(plain), &plain_len),
	             MFA_ERR_DECRYPT);
	CHECK_EQ_INT(plain_len, 0);
	/* One flipped bit anywhere: refused. */
	for (size_t i = 1; i < sealed_len; i++) {
		sealed[i] ^= 0x10;
		CHECK_EQ_INT(vault_open(key, "alice", "abcdefgh", sealed, sealed_len, plain, sizeof(plain), &plain_len),
		             MFA_ERR_DECRYPT);
		sealed[i] ^= 0x10;
	}
	/* Truncated or unknown version: corrupt. */
	CHECK_EQ_INT(vault_open(key, "alice", "abcdefgh", sealed, 10, plain, sizeof(plain), &plain_len), MFA_ERR_CORRUPT);
	sealed[0] = 9;
	CHECK_EQ_INT(vault_open(key, "alice", "abcdefgh", sealed, sealed_len, plain, sizeof(plain), &plain_len),
	             MFA_ERR_CORRUPT);
}

static void vault_key_files(void)
{
	const char *dir = test_tmpdir();
	char path[300], err[512];
	unsigned char key[VAULT_KEY_LEN];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/key", dir);
	CHECK_EQ_INT(vault_key_load(path, NO_GROUP, key, err, sizeof(err)), MFA_ERR_KEY);
	CHECK(strstr(err, "mfactl init") != NULL);
	CHECK_EQ_INT(vault_key_create(path, NO_GROUP, err, sizeof(err)), MFA_OK);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == VAULT_KEY_LEN);
	CHECK_EQ_INT(vault_key_create(path, NO_GROUP, err, sizeof(err)), MFA_ERR_KEY);  /* never overwritten */
	CHECK_EQ_INT(vault_key_load(path, NO_GROUP, key, err, sizeof(err)), MFA_OK);
	/* Readable by others: refused, with the fix in the message. */
	chmod(path, 0644);
	CHECK_EQ_INT(vault_key_load(path, NO_GROUP, key, err, sizeof(err)), MFA_ERR_KEY);
	CHECK(strstr(err, "chmod 600") != NULL);
	chmod(path, 0600);
	/* Wrong length: not a key. */
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK_EQ_INT(vault_key_load(path, NO_GROUP, key, err, sizeof(err)), MFA_ERR_KEY);
	CHECK(strstr(err, "not an mfa key") != NULL);
	/* 0640 is refused too, unless that group is the configured one. */
	chmod(path, 0640);
	CHECK_EQ_INT(vault_key_load(path, NO_GROUP, key, err, sizeof(err)), MFA_ERR_KEY);
	{
		struct stat kst;

		CHECK(stat(path, &kst) == 0);
		CHECK_EQ_INT(vault_key_load(path, kst.st_gid, key, err, sizeof(err)), MFA_ERR_KEY);  /* bad size */
		CHECK(strstr(err, "not an mfa key") != NULL);
		chmod(path, 0660);  /* group-writable: never */
		CHECK_EQ_INT(vault_key_load(path, kst.st_gid, key, err, sizeof(err)), MFA_ERR_KEY);
		CHECK(strstr(err, "chmod 600") != NULL);
	}
	chmod(path, 0600);
	/* A symlink is not followed. */
	{
		char link[320];

		snprintf(link, sizeof(link), "%s/link", dir);
		CHECK(symlink(path, link) == 0);
		CHECK_EQ_INT(vault_key_load(link, NO_GROUP, key, err, sizeof(err)), MFA_ERR_KEY);
	}
	/* A FIFO in its place fails at once: opening one for reading waits for
	 * a writer (the alarm ends a hang). */
	{
		char fifo[320];

		snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
		CHECK(mkfifo(fifo, 0600) == 0);
		alarm(10);
		CHECK_EQ_INT(vault_key_load(fifo, NO_GROUP, key, err, sizeof(err)), MFA_ERR_KEY);
		alarm(0);
		CHECK(strstr(err, "not a regular file") != NULL);
	}
}

const struct test_case vault_tests[] = {
	{ "vault_roundtrip_and_binding", vault_roundtrip_and_binding },
	{ "vault_key_files", vault_key_files },
	{ NULL, NULL },
};
