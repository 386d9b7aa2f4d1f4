#pragma once
/* API keys: who may write (and, with --auth=all, read).
 *
 * A key reads "wb_<public_id>_<secret>": public_id is 12 lower-case hex
 * characters that find the key's row, secret is 32 random bytes in base64url
 * without padding (43 characters). The store keeps only the SHA-256 of the
 * secret, so a copy of the database file grants nothing; the key itself is
 * shown once, when it is created. */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "db/db.h"

/* Each scope includes the ones before it: admin can write, write can read. */
enum key_scope { KEY_SCOPE_READ, KEY_SCOPE_WRITE, KEY_SCOPE_ADMIN };

/* Bytes of a key's text, and of a buffer that holds it with its NUL:
 * "wb_" + 12 + "_" + 43. */
#define KEY_TEXT_LEN  59
#define KEY_TEXT_SIZE (KEY_TEXT_LEN + 1)

/* Longest key name, in bytes. */
#define KEY_NAME_MAX 64

/* Reads "read", "write" or "admin" into *out. False (and *out untouched)
 * for anything else, including other spellings of case. */
bool key_scope_parse(const char *text, enum key_scope *out);

/* The scope's name as key_scope_parse reads it (a static string). */
const char *key_scope_name(enum key_scope scope);

/* True when name is 1 to KEY_NAME_MAX bytes of A-Z a-z 0-9 . _ -: names
 * appear in command lines and logs, so nothing there needs quoting. */
bool key_name_is_valid(const char *name);

/* Makes a new key called `name` with `scope` and writes its text (NUL
 * terminated) into key_out, which must hold KEY_TEXT_SIZE bytes; this is the
 * only time the text exists outside the client, and the caller should wipe
 * its buffer once the key is shown. Takes the store's writer.
 * DB_INVALID: the name breaks key_name_is_valid. DB_CONFLICT: a key has this
 * name, revoked or not (names are never reused, so logs stay unambiguous).
 * DB_READ_ONLY: the store is read-only. DB_ERR: no randomness, key_len too
 * small, or the database failed (logged). */
enum db_status db_key_create(struct store *store, const char *name, enum key_scope scope,
                             char *key_out, size_t key_len);

/* Every key, revoked or not, ordered by name, as a JSON array (caller owns)
 * of {name, scope, key_prefix: "wb_<public_id>", created_at, revoked_at
 * (null while valid)}. Never the secret or its hash. Uses this thread's
 * reader. DB_ERR when the database fails. */
enum db_status db_key_list(struct store *store, json_t **out);

/* Revokes the key called `name`: from now on db_key_check refuses it. The
 * row stays, so the name is not reused. DB_NOT_FOUND when no unrevoked key
 * has this name; DB_READ_ONLY for a read-only store; DB_ERR on failure. */
enum db_status db_key_revoke(struct store *store, const char *name);

/* Checks the key text a client presented, on a read connection. DB_OK and
 * *scope when it is a valid unrevoked key; DB_NOT_FOUND when it is
 * malformed (the database is not touched), unknown, revoked or its secret
 * does not match; DB_BUSY or DB_ERR when the database fails. The secret is
 * compared through its hash in constant time, and `presented` is never
 * logged. */
enum db_status db_key_check(struct db *db, const char *presented, enum key_scope *scope);
