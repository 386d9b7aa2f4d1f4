#pragma once
/* Checking request parameters the same way on every endpoint. Each check
 * either stores the value and returns true, or writes a 400/404 problem
 * naming the parameter into rep and returns false; the handler then returns
 * rep->status. */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "server/reply.h"
#include "server/request.h"

#define LIMIT_DEFAULT 20
#define LIMIT_MAX 100

/* Refuses any query parameter not in `allowed` (NULL-terminated): a typo in
 * a filter name must not silently return everything. */
bool params_only(const struct request *req, struct reply *rep, const char *const *allowed);

/* limit: an integer 1..LIMIT_MAX, LIMIT_DEFAULT when absent. */
bool params_limit(const struct request *req, struct reply *rep, int *limit);

/* cursor: absent (after->set false) or a cursor of list `tag` whose key
 * passes key_ok (NULL accepts any key). */
bool params_cursor(const struct request *req, struct reply *rep, const char *tag,
                   bool (*key_ok)(const char *key), struct keyset *after);

/* A YYYY-MM-DD date, or NULL when absent. */
bool params_date(const struct request *req, struct reply *rep, const char *name,
                 const char **out);

/* since/until dates, with until not before since. */
bool params_date_range(const struct request *req, struct reply *rep, const char **since,
                       const char **until);

/* One of `values` (NULL-terminated), or NULL when absent. */
bool params_enum(const struct request *req, struct reply *rep, const char *name,
                 const char *const *values, const char **out);

/* Free text of 1..max bytes, or NULL when absent. */
bool params_text(const struct request *req, struct reply *rep, const char *name, size_t max,
                 const char **out);

/* The id of the record of `kind` that parameter `name` names (id or slug),
 * or 0 when absent; 400 if no such record exists. */
bool params_ref(const struct request *req, struct reply *rep, const char *name, enum db_kind kind,
                int64_t *id);

/* The id of the record the path's {id} names: 400 if it is neither an id
 * nor a slug, 404 if there is no such record. */
bool params_path_ref(const struct request *req, struct reply *rep, enum db_kind kind,
                     int64_t *id);

/* The same, looked up on `db`: a write resolves the id inside its own
 * transaction, so it changes the record the path names at that moment. */
bool params_path_ref_in(const struct request *req, struct reply *rep, struct db *db,
                        enum db_kind kind, int64_t *id);

/* Replies 200 {"data": items, "next_cursor": cursor-or-null}, keeping only
 * the ?fields= the server put in rep->fields, and leaves the cursor in
 * rep->next_cursor for the Link header. Takes items. */
int reply_page(struct reply *rep, json_t *items, const char *tag, const struct keyset *next);
/* reply_page with the members of `extra` (taken, may be NULL) added to the
 * page beside "data" and "next_cursor". */
int reply_page_with(struct reply *rep, json_t *items, const char *tag, const struct keyset *next,
                    json_t *extra);

/* The strong ETag of `target` (path and query) at `store_version`, in the
 * gzip variant or not: "s<version>-<hash>[-gz]". */
void etag_format(char *out, size_t len, int64_t store_version, const char *target, bool gzip);

/* True when an If-None-Match list holds `etag` (weak comparison; "*" is
 * not honoured, see the definition). */
bool etag_list_matches(const char *list, const char *etag);

/* True when an If-Match list holds one of our tags taken at a store version
 * at or after `record_version`: the record has not changed since the
 * client read it (other records may have). */
bool etag_list_predates(const char *list, int64_t record_version);

/* Replies with the problem for a failed db_* call: 404 for DB_NOT_FOUND
 * (detail names `what`), 503 when busy, else 500. */
int reply_db_error(struct reply *rep, enum db_status status, const char *what);
