/*
 * qr.c - a QR code as text, in three styles:
 *   MFA_QR_TERMINAL  UTF-8 half blocks (two modules, one above the other, per
 *                    character cell, so the code stays square), forced black
 *                    on white with ANSI escapes: a local terminal;
 *   MFA_QR_UTF8      the same half blocks without any escape sequence: dark
 *                    modules in the text colour, as on paper (PAM prompts,
 *                    which ssh clients show with escapes spelled out);
 *   MFA_QR_ASCII     one text row per module row, "##" dark and "  " light
 *                    (two characters keep a module square): clients without
 *                    UTF-8;
 *   MFA_QR_SVG       an SVG image: one path, a unit square per dark module
 *                    (web pages).
 * Every style keeps the four-module quiet zone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <qrencode.h>

#include "mfa.h"

#define QUIET_ZONE 4   /* ISO/IEC 18004: four light modules around the code */

/* Dark modules are drawn in the foreground colour. Forcing black on white
 * keeps the code readable on dark terminal themes too. */
static const char colour_on[] = "\033[30;107m", colour_off[] = "\033[0m";

struct qr_text {
	char *p, *end;   /* end leaves room for the final NUL */
};

/* Appends n bytes; false (nothing written) if they would pass the capacity. */
static bool put(struct qr_text *t, const char *s, size_t n)
{
	if (n > (size_t)(t->end - t->p))
		return false;
	memcpy(t->p, s, n);
	t->p += n;
	return true;
}

/* Module (x, y) of the whole picture, quiet zone included: 1 if dark. */
static int dark(const QRcode *qr, int x, int y)
{
	x -= QUIET_ZONE;
	y -= QUIET_ZONE;
	return x >= 0 && x < qr->width && y >= 0 && y < qr->width &&
	       (qr->data[y * qr->width + x] & 1);
}

static bool draw_half_blocks(struct qr_text *t, const QRcode *qr, int size, bool colours)
{
	static const char *const cell[4] = { " ", "\u2584", "\u2580", "\u2588" };

	for (int y = 0; y < size; y += 2) {
		if (colours && !put(t, colour_on, sizeof(colour_on) - 1))
			return false;
		for (int x = 0; x < size; x++) {
			const char *c = cell[dark(qr, x, y) * 2 + dark(qr, x, y + 1)];

			if (!put(t, c, strlen(c)))
				return false;
		}
		if (colours && !put(t, colour_off, sizeof(colour_off) - 1))
			return false;
		if (!put(t, "\n", 1))
			return false;
	}
	return true;
}

static bool draw_ascii(struct qr_text *t, const QRcode *qr, int size)
{
	for (int y = 0; y < size; y++) {
		for (int x = 0; x < size; x++)
			if (!put(t, dark(qr, x, y) ? "##" : "  ", 2))
				return false;
		if (!put(t, "\n", 1))
			return false;
	}
	return true;
}

static bool draw_svg(struct qr_text *t, const QRcode *qr, int size)
{
	static const char head[] = "shape-rendering=\"crispEdges\"><rect width=\"100%\" "
	                           "height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
	static const char tail[] = "\"/></svg>\n";
	char cell[96];
	int n;

	n = snprintf(cell, sizeof(cell),
	             "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" ", size, size);
	if (n < 0 || (size_t)n >= sizeof(cell) || !put(t, cell, (size_t)n))
		return false;
	if (!put(t, head, sizeof(head) - 1))
		return false;
	for (int y = 0; y < size; y++)
		for (int x = 0; x < size; x++) {
			if (!dark(qr, x, y))
				continue;
			n = snprintf(cell, sizeof(cell), "M%d %dh1v1h-1z", x, y);
			if (n < 0 || (size_t)n >= sizeof(cell) || !put(t, cell, (size_t)n))
				return false;
		}
	return put(t, tail, sizeof(tail) - 1);
}

int mfa_qr_render(const char *text, mfa_qr_style style, char **out)
{
	QRcode *qr;
	struct qr_text t;
	char *buf;
	int size;
	size_t rows, row_max, cap;
	bool drawn;

	if (!out)
		return MFA_ERR_INVALID;
	*out = NULL;
	if (!text || (style != MFA_QR_TERMINAL && style != MFA_QR_UTF8 && style != MFA_QR_ASCII &&
	              style != MFA_QR_SVG))
		return MFA_ERR_INVALID;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return MFA_ERR_INVALID;
	size = qr->width + 2 * QUIET_ZONE;
	/* The most bytes a text row can take, newline included. */
	if (style == MFA_QR_SVG) {
		/* "M123 123h1v1h-1z" a module, and the document around them. */
		rows = (size_t)size;
		row_max = (size_t)size * 17 + 256 / (size_t)size + 1;
	} else if (style == MFA_QR_ASCII) {
		rows = (size_t)size;
		row_max = (size_t)size * 2 + 1;
	} else {
		rows = ((size_t)size + 1) / 2;
		row_max = (size_t)size * 3 + 1;   /* a half block is 3 bytes */
		if (style == MFA_QR_TERMINAL)
			row_max += sizeof(colour_on) - 1 + sizeof(colour_off) - 1;
	}
	cap = rows * row_max + 1;
	if (!(buf = malloc(cap))) {
		QRcode_free(qr);
		return MFA_ERR_NOMEM;
	}
	t.p = buf;
	t.end = buf + cap - 1;
	if (style == MFA_QR_SVG)
		drawn = draw_svg(&t, qr, size);
	else if (style == MFA_QR_ASCII)
		drawn = draw_ascii(&t, qr, size);
	else
		drawn = draw_half_blocks(&t, qr, size, style == MFA_QR_TERMINAL);
	QRcode_free(qr);
	if (!drawn) {
		/* The capacity above is wrong: a bug, never a truncated code. */
		OPENSSL_cleanse(buf, cap);   /* it spells out the secret */
		free(buf);
		return MFA_ERR_SYSTEM;
	}
	*t.p = '\0';
	*out = buf;
	return MFA_OK;
}
