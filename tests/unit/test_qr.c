/*
 * test_qr.c - the three QR styles: each draws the same modules as libqrencode
 * with the four-module quiet zone; UTF8 and ASCII hold no escape sequence;
 * ASCII is printable ASCII only; an unknown style is refused.
 * (tests/cli/test_qr.sh scans mfactl's output with zbarimg.)
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "check.h"
#include "mfa.h"

#define QUIET 4
#define URI "otpauth://totp/Example%20VPN:zoe%40example.com?secret=JBSWY3DPEHPK3PXP" \
	    "&issuer=Example%20VPN&algorithm=SHA1&digits=6&period=30"

static const char on[] = "\033[30;107m", off[] = "\033[0m";

/* The modules libqrencode gives for URI, as the reference. */
static QRcode *reference(void)
{
	QRcode *qr = QRcode_encodeString(URI, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	CHECK(qr != NULL);
	return qr;
}

/* Module (x, y) of the picture with its quiet zone: 1 dark, 0 light. */
static int ref_dark(const QRcode *qr, int x, int y)
{
	x -= QUIET;
	y -= QUIET;
	return x >= 0 && x < qr->width && y >= 0 && y < qr->width &&
	       (qr->data[y * qr->width + x] & 1);
}

/* Reads half-block text back into modules; false if anything else is in it. */
static bool half_blocks_match(const char *text, const QRcode *qr)
{
	int size = qr->width + 2 * QUIET, y = 0;
	const char *p = text;

	for (; *p; y += 2) {
		for (int x = 0; x < size; x++) {
			int top, bottom;

			if (p[0] == ' ') {
				top = bottom = 0;
				p++;
			} else if (!strncmp(p, "\u2584", 3)) {
				top = 0, bottom = 1;
				p += 3;
			} else if (!strncmp(p, "\u2580", 3)) {
				top = 1, bottom = 0;
				p += 3;
			} else if (!strncmp(p, "\u2588", 3)) {
				top = bottom = 1;
				p += 3;
			} else {
				return false;
			}
			if (top != ref_dark(qr, x, y) || bottom != ref_dark(qr, x, y + 1))
				return false;
		}
		if (*p++ != '\n')
			return false;
	}
	return y == size + 1 || y == size;   /* an odd size ends on a half row */
}

static void styles_render(void)
{
	static const mfa_qr_style styles[] = { MFA_QR_TERMINAL, MFA_QR_UTF8, MFA_QR_ASCII, MFA_QR_SVG };

	for (size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++) {
		char *out = (char *)"untouched";

		CHECK_EQ_INT(mfa_qr_render(URI, styles[i], &out), MFA_OK);
		CHECK(out != NULL && out[0] && out[strlen(out) - 1] == '\n');
		free(out);
	}
}

/* TERMINAL: every row wrapped in black on white; without the escapes it is
 * exactly the UTF8 drawing. */
static void terminal_colours_every_row(void)
{
	QRcode *qr = reference();
	char *term = NULL, *plain = NULL, *stripped;
	size_t rows = 0, n = 0;

	CHECK_EQ_INT(mfa_qr_render(URI, MFA_QR_TERMINAL, &term), MFA_OK);
	CHECK_EQ_INT(mfa_qr_render(URI, MFA_QR_UTF8, &plain), MFA_OK);
	if (!qr || !term || !plain)
		goto out;
	stripped = calloc(1, strlen(term) + 1);
	CHECK(stripped != NULL);
	if (!stripped)
		goto out;
	for (const char *line = term; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		CHECK(nl != NULL);
		CHECK(len > strlen(on) + strlen(off));
		CHECK(!strncmp(line, on, strlen(on)));
		CHECK(!strncmp(line + len - strlen(off), off, strlen(off)));
		if (len > strlen(on) + strlen(off)) {
			size_t body = len - strlen(on) - strlen(off);

			CHECK(memchr(line + strlen(on), '\033', body) == NULL);
			memcpy(stripped + n, line + strlen(on), body);
			n += body;
		}
		stripped[n++] = '\n';
		rows++;
		line += len + (nl != NULL);
	}
	CHECK_EQ_INT(rows, (size_t)(qr->width + 2 * QUIET + 1) / 2);
	CHECK_STR(stripped, plain);
	free(stripped);
out:
	free(term);
	free(plain);
	QRcode_free(qr);
}

/* UTF8: no escape byte, nothing but half blocks, the modules of the code. */
static void utf8_has_no_escapes(void)
{
	QRcode *qr = reference();
	char *out = NULL;

	CHECK_EQ_INT(mfa_qr_render(URI, MFA_QR_UTF8, &out), MFA_OK);
	if (qr && out) {
		CHECK(strchr(out, '\033') == NULL);
		CHECK(half_blocks_match(out, qr));
	}
	free(out);
	QRcode_free(qr);
}

/* ASCII: only 0x20-0x7e and '\n'; one line per module row, "##" or "  " per
 * module, the quiet zone blank, the modules of the code. */
static void ascii_is_printable(void)
{
	QRcode *qr = reference();
	char *out = NULL;
	int size, y = 0;
	bool same = true;

	CHECK_EQ_INT(mfa_qr_render(URI, MFA_QR_ASCII, &out), MFA_OK);
	if (!qr || !out)
		goto out;
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if (*p != '\n' && (*p < 0x20 || *p > 0x7e)) {
			CHECK(!"a byte outside 0x20-0x7e and newline");
			break;
		}
	size = qr->width + 2 * QUIET;
	CHECK_EQ_INT(strlen(out), (size_t)size * (2 * (size_t)size + 1));
	if (strlen(out) != (size_t)size * (2 * (size_t)size + 1))
		goto out;
	for (const char *p = out; y < size; y++) {
		for (int x = 0; x < size; x++, p += 2) {
			if (strncmp(p, ref_dark(qr, x, y) ? "##" : "  ", 2) != 0)
				same = false;
		}
		if (*p++ != '\n')
			same = false;
	}
	CHECK(same);
	/* Quiet zone: the first and last four lines are blank. */
	for (int i = 0; i < QUIET; i++) {
		CHECK(strspn(out + (size_t)i * (2 * size + 1), " ") == (size_t)2 * size);
		CHECK(strspn(out + (size_t)(size - 1 - i) * (2 * size + 1), " ") ==
		      (size_t)2 * size);
	}
out:
	free(out);
	QRcode_free(qr);
}

/* SVG: an image of the code's modules, the quiet zone in its viewBox; each
 * "Mx yh1v1h-1z" is one dark module, exactly those of the reference. */
static void svg_draws_the_modules(void)
{
	QRcode *qr = reference();
	char *out = NULL, view[64];
	const char *p;
	int size, x, y, n, dark_drawn = 0, dark_ref = 0;
	bool same = true;

	CHECK_EQ_INT(mfa_qr_render(URI, MFA_QR_SVG, &out), MFA_OK);
	if (!qr || !out)
		goto out;
	size = qr->width + 2 * QUIET;
	snprintf(view, sizeof(view), "viewBox=\"0 0 %d %d\"", size, size);
	CHECK(strncmp(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" ", 40) == 0);
	CHECK(strstr(out, view) != NULL);
	CHECK(strchr(out, '<') && !strstr(out, "<script"));
	p = strstr(out, " d=\"");
	CHECK(p != NULL);
	for (p = p ? p + 4 : ""; sscanf(p, "M%d %dh1v1h-1z%n", &x, &y, &n) == 2; p += n) {
		dark_drawn++;
		same &= ref_dark(qr, x, y) == 1;
	}
	CHECK(strcmp(p, "\"/></svg>\n") == 0);
	for (y = 0; y < size; y++)
		for (x = 0; x < size; x++)
			dark_ref += ref_dark(qr, x, y);
	CHECK(same);
	CHECK_EQ_INT(dark_drawn, dark_ref);
out:
	free(out);
	QRcode_free(qr);
}

static void unknown_style_refused(void)
{
	char *out = (char *)"untouched";

	CHECK_EQ_INT(mfa_qr_render(URI, (mfa_qr_style)4, &out), MFA_ERR_INVALID);
	CHECK(out == NULL);
	out = (char *)"untouched";
	CHECK_EQ_INT(mfa_qr_render(URI, (mfa_qr_style)-1, &out), MFA_ERR_INVALID);
	CHECK(out == NULL);
	CHECK_EQ_INT(mfa_qr_render(NULL, MFA_QR_ASCII, &out), MFA_ERR_INVALID);
	CHECK(out == NULL);
	CHECK_EQ_INT(mfa_qr_render(URI, MFA_QR_ASCII, NULL), MFA_ERR_INVALID);
}

/* Larger than the largest code (version 40-M holds 2331 bytes). */
static void text_too_long_refused(void)
{
	char *text = malloc(4001), *out = (char *)"untouched";

	CHECK(text != NULL);
	if (!text)
		return;
	memset(text, 'a', 4000);
	text[4000] = '\0';
	CHECK_EQ_INT(mfa_qr_render(text, MFA_QR_UTF8, &out), MFA_ERR_INVALID);
	CHECK(out == NULL);
	free(text);
}

/* The largest code (version 40, 177 modules) in every style: the computed
 * capacity holds it (ASan checks the writes). */
static void largest_code_fits(void)
{
	static const mfa_qr_style styles[] = { MFA_QR_TERMINAL, MFA_QR_UTF8, MFA_QR_ASCII, MFA_QR_SVG };
	char *text = malloc(2332);

	CHECK(text != NULL);
	if (!text)
		return;
	memset(text, 'z', 2331);
	text[2331] = '\0';
	for (size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++) {
		char *out = NULL;

		CHECK_EQ_INT(mfa_qr_render(text, styles[i], &out), MFA_OK);
		if (out && styles[i] == MFA_QR_ASCII)
			CHECK_EQ_INT(strlen(out), (size_t)185 * (2 * 185 + 1));
		free(out);
	}
	free(text);
}

const struct test_case qr_tests[] = {
	{ "qr_styles_render", styles_render },
	{ "qr_svg_draws_the_modules", svg_draws_the_modules },
	{ "qr_terminal_colours_every_row", terminal_colours_every_row },
	{ "qr_utf8_has_no_escapes", utf8_has_no_escapes },
	{ "qr_ascii_is_printable", ascii_is_printable },
	{ "qr_unknown_style_refused", unknown_style_refused },
	{ "qr_text_too_long_refused", text_too_long_refused },
	{ "qr_largest_code_fits", largest_code_fits },
	{ NULL, NULL },
};
