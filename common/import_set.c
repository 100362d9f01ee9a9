/*
 * import_set.c - the in-memory result of parsing an import file: tokens,
 * scratch codes and notes. Both arrays hold secrets, so they never go
 * through realloc(), which could leave a copy behind in freed memory: they
 * grow by copy-and-wipe, and import_set_free() wipes them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "import.h"

/* Moves *arr (cap elements of size bytes, n in use) to a zeroed array of
 * twice the capacity (at least first_cap, at most max), wiping the old one. */
static int secret_array_grow(void **arr, size_t *cap, size_t n, size_t size, size_t first_cap,
                             size_t max)
{
	size_t new_cap = *cap ? *cap * 2 : first_cap;
	void *grown;

	if (new_cap > max)
		new_cap = max;
	if (new_cap <= *cap || new_cap > SIZE_MAX / size)
		return MFA_ERR_NOMEM;
	grown = calloc(new_cap, size);
	if (!grown)
		return MFA_ERR_NOMEM;
	if (*arr) {
		memcpy(grown, *arr, n * size);
		OPENSSL_cleanse(*arr, *cap * size);
		free(*arr);
	}
	*arr = grown;
	*cap = new_cap;
	return MFA_OK;
}

int import_set_add(struct import_set *set, struct import_token **tok)
{
	void *tokens;
	int r;

	if (!tok)
		return MFA_ERR_INVALID;
	*tok = NULL;
	if (!set)
		return MFA_ERR_INVALID;
	/* The parsers turn this into a message naming the line. */
	if (set->n >= IMPORT_MAX_TOKENS)
		return MFA_ERR_IMPORT;
	if (set->n == set->cap) {
		tokens = set->tokens;
		r = secret_array_grow(&tokens, &set->cap, set->n, sizeof(*set->tokens), 8,
		                      IMPORT_MAX_TOKENS);
		set->tokens = tokens;
		if (r != MFA_OK)
			return r;
	}
	*tok = &set->tokens[set->n++];
	memset(*tok, 0, sizeof(**tok));
	(*tok)->last_step = -1;
	return MFA_OK;
}

int import_set_add_scratch(struct import_set *set, const char *code)
{
	void *scratch;
	size_t code_len;
	int r;

	if (!set || !code)
		return MFA_ERR_INVALID;
	code_len = strlen(code);
	if (code_len == 0 || code_len > IMPORT_SCRATCH_MAX)
		return MFA_ERR_INVALID;
	if (set->nscratch >= IMPORT_MAX_TOKENS)
		return MFA_ERR_IMPORT;
	if (set->nscratch == set->scratch_cap) {
		scratch = set->scratch;
		r = secret_array_grow(&scratch, &set->scratch_cap, set->nscratch,
		                      sizeof(*set->scratch), 8, IMPORT_MAX_TOKENS);
		set->scratch = scratch;
		if (r != MFA_OK)
			return r;
	}
	memcpy(set->scratch[set->nscratch], code, code_len + 1);
	set->nscratch++;
	return MFA_OK;
}

/* True if note is already one of the "; "-separated entries of notes. */
static bool note_present(const char *notes, const char *note)
{
	size_t note_len = strlen(note);

	for (const char *entry = notes; *entry;) {
		const char *end = strstr(entry, "; ");
		size_t entry_len = end ? (size_t)(end - entry) : strlen(entry);

		if (entry_len == note_len && memcmp(entry, note, note_len) == 0)
			return true;
		if (!end)
			break;
		entry = end + 2;
	}
	return false;
}

void import_set_note(struct import_set *set, const char *note)
{
	/* Room for this marker is always kept, so a reader sees that notes
	 * were left out rather than a list that looks complete. */
	static const char more[] = "; ...";
	const char *marker;
	size_t used, sep, note_len, marker_len;

	if (!set || !note || !*note || note_present(set->notes, note))
		return;
	used = strnlen(set->notes, sizeof(set->notes) - 1);
	sep = used ? 2 : 0;
	note_len = strlen(note);
	if (used + sep + note_len + sizeof(more) <= sizeof(set->notes)) {
		memcpy(set->notes + used, "; ", sep);
		memcpy(set->notes + used + sep, note, note_len + 1);
		return;
	}
	if (used >= 3 && strcmp(set->notes + used - 3, "...") == 0)
		return;
	marker = used ? more : more + 2;
	marker_len = strlen(marker);
	if (used + marker_len < sizeof(set->notes))
		memcpy(set->notes + used, marker, marker_len + 1);
}

void import_set_free(struct import_set *set)
{
	if (!set)
		return;
	if (set->tokens) {
		OPENSSL_cleanse(set->tokens, set->cap * sizeof(*set->tokens));
		free(set->tokens);
	}
	if (set->scratch) {
		OPENSSL_cleanse(set->scratch, set->scratch_cap * sizeof(*set->scratch));
		free(set->scratch);
	}
	memset(set, 0, sizeof(*set));
}
