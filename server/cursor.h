#pragma once
/* Opaque pagination cursors. A cursor carries a list tag (so a cursor from
 * one list or sort order is refused by another), the last row's id and its
 * sort key, base64url-encoded. Clients must treat it as opaque. */

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

#define CURSOR_MAX 1024

/* Writes the cursor for position `at` of list `tag` into out; false if it
 * does not fit. */
bool cursor_encode(const char *tag, const struct keyset *at, char *out, size_t outlen);

/* Reads a cursor of list `tag` into *at (at->set = true). False for anything
 * that is not a cursor this server made for that list. */
bool cursor_decode(const char *text, const char *tag, struct keyset *at);
