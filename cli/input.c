/* input.c - secrets and codes read from a file or standard input, so that
 * they never show in `ps` or in the shell's history as arguments do. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* One line from fd, without its newline (or CR LF). Byte by byte, so that
 * nothing after the newline is consumed: the rest of standard input stays
 * for what reads it next (enroll's confirmation code). -1 on a read error
 * or a line that does not fit (errno EFBIG). */
static int fd_read_line(int fd, char *buf, size_t size, size_t *len)
{
	*len = 0;
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0 || c == '\n')
			break;
		if (*len + 1 >= size) {
			errno = EFBIG;
			return -1;
		}
		buf[(*len)++] = c;
	}
	if (*len > 0 && buf[*len - 1] == '\r')
		(*len)--;
	buf[*len] = '\0';
	return 0;
}

int cli_read_line(const char *path, const char *what, char *buf, size_t size)
{
	bool from_stdin = !strcmp(path, "-");
	const char *from = from_stdin ? "standard input" : path;
	int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	size_t len = 0;
	char more;
	int r = -1;

	buf[0] = '\0';
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "mfactl: %s: cannot read %s: %s\n", what, from, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mfactl: %s: %s is a directory\n", what, from);
		goto out;
	}
	if (fd_read_line(fd, buf, size, &len) < 0) {
		if (errno == EFBIG)
			fprintf(stderr, "mfactl: %s: the line in %s is longer than %zu bytes\n", what,
			        from, size - 1);
		else
			fprintf(stderr, "mfactl: %s: cannot read %s: %s\n", what, from, strerror(errno));
		goto out;
	}
	/* A file holds that one line; standard input may go on (codes). */
	if (!from_stdin && read(fd, &more, 1) != 0) {
		fprintf(stderr, "mfactl: %s: %s holds more than one line\n", what, from);
		goto out;
	}
	if (len == 0) {
		fprintf(stderr, "mfactl: %s: nothing in %s\n", what, from);
		goto out;
	}
	r = 0;
out:
	if (r < 0)
		explicit_bzero(buf, size);
	explicit_bzero(&more, sizeof(more));
	if (fd >= 0 && !from_stdin)
		close(fd);
	return r;
}
