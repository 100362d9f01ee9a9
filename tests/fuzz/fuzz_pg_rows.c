/*
 * fuzz_pg_rows.c - the PostgreSQL store's row readers on whatever a server
 * (or someone who can write the database) sends: factor rows and user
 * rows in libpq's binary format. What is accepted must pass the same row
 * checks as SQLite's (store_*_ok); nothing may read past a value.
 *
 * Input: one byte picks the reader (even: factors, odd: user), one byte
 * the number of rows (up to 3); then each row's columns in order, each a
 * big-endian 16-bit length (0xffff: NULL) and that many bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

#define FACTOR_COLS 21
#define USER_COLS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A result of rows x cols binary columns from the input; NULL if short. */
static PGresult *result_from(const uint8_t **data, size_t *size, int rows, int cols)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc att[FACTOR_COLS];
	char names[FACTOR_COLS][8];

	if (!res)
		return NULL;
	memset(att, 0, sizeof(att));
	for (int c = 0; c < cols; c++) {
		snprintf(names[c], sizeof(names[c]), "c%d", c);
		att[c].name = names[c];
		att[c].format = 1;
		att[c].typlen = -1;
		att[c].atttypmod = -1;
	}
	if (!PQsetResultAttrs(res, cols, att))
		goto fail;
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++) {
			unsigned len;

			if (*size < 2)
				goto fail;
			len = (unsigned)(*data)[0] << 8 | (*data)[1];
			*data += 2;
			*size -= 2;
			if (len == 0xffff) {
				if (!PQsetvalue(res, r, c, NULL, -1))
					goto fail;
				continue;
			}
			if (len > *size)
				goto fail;
			if (!PQsetvalue(res, r, c, (char *)(uintptr_t)*data, (int)len))
				goto fail;
			*data += len;
			*size -= len;
		}
	return res;
fail:
	PQclear(res);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_pg *q;
	PGresult *res;
	bool user_rows;
	int rows;

	if (size < 2)
		return 0;
	user_rows = data[0] & 1;
	rows = data[1] % 4;
	data += 2;
	size -= 2;
	if (!(res = result_from(&data, &size, rows, user_rows ? USER_COLS : FACTOR_COLS)))
		return 0;
	if (!(q = calloc(1, sizeof(*q))))
		abort();
	snprintf(q->uri, sizeof(q->uri), "postgresql:///fuzz");
	if (user_rows) {
		struct store_user u;
		bool found = false;

		if (pg_user_parse(q, res, "fuzz", &u, &found) == MFA_OK && found && !store_user_ok(&u))
			abort();
	} else {
		struct store_factor *list = NULL;
		size_t n = 0;
		int r = pg_factors_parse(q, res, &list, &n);

		if (r == MFA_OK && n != (size_t)rows)
			abort();
		for (size_t i = 0; r == MFA_OK && i < n; i++)
			if (!store_factor_ok(&list[i]))
				abort();
		if (r != MFA_OK && (list || n || !q->base.err[0]))
			abort();
		store_factors_free(&list, n);
	}
	PQclear(res);
	free(q);
	return 0;
}
