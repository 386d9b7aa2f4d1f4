#pragma once
/* Text keys the store derives from names: folded keys and slugs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Folds `in` for case-insensitive matching and ordering: ASCII letters are
 * lowered, everything else is kept byte for byte (so UTF-8 stays valid).
 * Writes at most outlen-1 bytes and a NUL; returns false if it did not fit. */
bool text_fold(const char *in, char *out, size_t outlen);

/* Makes a slug from `in`: lower-case ASCII letters and digits, runs of
 * anything else become one hyphen, no leading or trailing hyphen, at most
 * maxlen bytes cut at a hyphen where possible. A result that would be empty
 * or all digits gets `fallback` prefixed so it can never be read as an id. */
void text_slugify(const char *in, const char *fallback, char *out, size_t maxlen);

/* True for a well-formed slug: [a-z0-9]+ joined by single hyphens, not all
 * digits, at most 120 bytes. */
bool text_is_slug(const char *s);

/* True if s is a positive decimal id that fits in int64; writes it to *id. */
bool text_parse_id(const char *s, long long *id);

/* True for a real calendar date written YYYY-MM-DD. */
bool text_is_date(const char *s);

/* True for YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), with a real date and
 * time: the forms published_at is stored in, which sort as text. */
bool text_is_timestamp(const char *s);

/* An updated_at (YYYY-MM-DDTHH:MM:SSZ, text_is_timestamp with a time) as
 * an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 5.6.7) in out;
 * false, and out empty, for anything else. Written by hand: every record
 * read sends one. */
bool text_http_date(const char *timestamp, char out[30]);

/* Copies src into out (cap bytes, cap >= 1), cut short if it must be;
 * false when it was. */
bool text_copy(char *out, size_t cap, const char *src);

/* True if s is well-formed UTF-8 with no NUL and no C0 control other than
 * tab, newline and carriage return. */
bool text_is_clean_utf8(const char *s, size_t len);

/* The SHA-256 of data as 64 lower-case hex digits and a NUL. */
void text_sha256_hex(const void *data, size_t len, char out[65]);

/* FNV-1a of a NUL-terminated string: a cheap hash for in-memory tables
 * (statement cache, term counts), never for anything an attacker picks to
 * collide with a purpose. */
uint64_t text_hash(const char *s);
