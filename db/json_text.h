#pragma once
/* Private to db/: JSON written straight into one growing buffer from column
 * values, for the documents read most often, where building a tree of
 * json_t values (or SQLite's JSON functions, which make and parse a string
 * per nested object) would cost more than the query. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct json_text {
    char *text; /* malloc'd, NUL-terminated; the caller takes it when done */
    size_t len, cap;
    bool failed; /* out of memory: everything after is dropped */
};

/* Appends n bytes as they are (syntax: braces, keys with their colons).
 * JSON_TEXT_LIT takes a string literal only (anything else does not compile):
 * its length is sizeof's. */
void json_text_raw(struct json_text *t, const char *s, size_t n);
#define JSON_TEXT_LIT(t, lit) json_text_raw((t), "" lit, sizeof(lit) - 1)

/* A string with JSON's escapes; UTF-8 passes through as it is. */
void json_text_string(struct json_text *t, const char *s, size_t n);
void json_text_int(struct json_text *t, int64_t value);

/* Column `col` of a stepped statement: text as a string, integer as a
 * number, NULL as null. */
void json_text_col_string(struct json_text *t, sqlite3_stmt *st, int col);
void json_text_col_int(struct json_text *t, sqlite3_stmt *st, int col);
