#pragma once
/* A small libcurl client for the tests: one request, whole answer. */

#include <stddef.h>

#include <jansson.h>

#include "support/test_server.h"

struct http_result {
    long status;
    char *body;
    size_t body_len;
    char *headers; /* the raw header block */
    json_t *json;  /* the parsed body, or NULL if it is not JSON */
};

/* GET http://127.0.0.1:PORT/path; path may hold a query string. */
struct http_result http_get(const struct test_server *ts, const char *path);

/* Any method, with an optional body and extra header lines ("Name: value",
 * NULL-terminated list, may be NULL). */
struct http_result http_request(const struct test_server *ts, const char *method,
                                const char *path, const char *body, size_t body_len,
                                const char *const *headers);

/* A response header's value (copied into a static-per-call buffer of the
 * result; valid until http_result_free), or NULL. Case-insensitive name. */
const char *http_header(struct http_result *res, const char *name);

void http_result_free(struct http_result *res);

/* errors[0].field of a problem body, or NULL. */
const char *problem_field(const json_t *problem);

/* Asserts res is an RFC 9457 problem with this status, and, when field is
 * not NULL, that errors[0].field names it. */
void http_assert_problem(struct http_result *res, long status, const char *field);

/* The ids of a list page's "data" items, in order (caller owns). */
json_t *http_page_ids(const json_t *page);

/* Follows next_cursor from the list at `first` to its end and returns the
 * ids of every item seen, in order (caller owns). Fails the test if a page
 * is not 200 or the walk does not end within 100 pages. */
json_t *http_walk(const struct test_server *ts, const char *first);

/* A write as a client with the test server's admin key: method, path and a
 * JSON body (NULL for none), with optional extra header lines. */
struct http_result http_write(const struct test_server *ts, const char *method, const char *path,
                              const char *json, const char *const *headers);

/* A request with the test server's admin key and a body of exactly body_len
 * bytes (NULs and invalid UTF-8 included), sent as `content_type`; NULL
 * sends no Content-Type at all. Optional extra header lines as in
 * http_request. */
struct http_result http_send(const struct test_server *ts, const char *method, const char *path,
                             const char *content_type, const char *body, size_t body_len,
                             const char *const *headers);

/* A status and body gathered by libcurl on a thread of the test, where
 * nothing may assert: CURLOPT_WRITEFUNCTION answer_collect with
 * CURLOPT_WRITEDATA the answer, zeroed first. The caller frees body. */
struct answer {
    long status;
    char *body;
    size_t len;
};

size_t answer_collect(char *data, size_t size, size_t n, void *ctx);
