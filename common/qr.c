/*
 * qr.c - a QR code drawn with UTF-8 half blocks: each character cell holds
 * two modules, one above the other, so the code stays square in a terminal.
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "mfa.h"

#define QUIET_ZONE 4   /* ISO/IEC 18004: four light modules around the code */

int mfa_qr_render(const char *text, mfa_qr_style style, char **out)
{
	bool ansi_colours = style == MFA_QR_TERMINAL;

	/* Dark modules are drawn in the foreground colour. Forcing black on
	 * white keeps the code readable on dark terminal themes too. */
	static const char colour_on[] = "\033[30;107m", colour_off[] = "\033[0m";
	static const char *const cell[4] = { " ", "\u2584", "\u2580", "\u2588" };
	QRcode *qr;
	char *buf, *p;
	int size, rows;
	size_t cap;

	*out = NULL;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return MFA_ERR_INVALID;
	size = qr->width + 2 * QUIET_ZONE;
	rows = (size + 1) / 2;
	/* Each cell is at most 3 bytes; each row adds colours and a newline. */
	cap = (size_t)rows * ((size_t)size * 3 + sizeof(colour_on) + sizeof(colour_off) + 1) + 1;
	if (!(buf = malloc(cap))) {
		QRcode_free(qr);
		return MFA_ERR_NOMEM;
	}
	p = buf;
	for (int y = 0; y < size; y += 2) {
		if (ansi_colours) {
			memcpy(p, colour_on, sizeof(colour_on) - 1);
			p += sizeof(colour_on) - 1;
		}
		for (int x = 0; x < size; x++) {
			int mx = x - QUIET_ZONE, top = y - QUIET_ZONE, bottom = top + 1;
			bool in_x = mx >= 0 && mx < qr->width;
			int upper = in_x && top >= 0 && top < qr->width &&
			            (qr->data[top * qr->width + mx] & 1);
			int lower = in_x && bottom >= 0 && bottom < qr->width &&
			            (qr->data[bottom * qr->width + mx] & 1);
			const char *c = cell[upper * 2 + lower];
			size_t n = strlen(c);

			memcpy(p, c, n);
			p += n;
		}
		if (ansi_colours) {
			memcpy(p, colour_off, sizeof(colour_off) - 1);
			p += sizeof(colour_off) - 1;
		}
		*p++ = '\n';
	}
	*p = '\0';
	QRcode_free(qr);
	*out = buf;
	return MFA_OK;
}
