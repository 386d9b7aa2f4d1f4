#pragma once
/* Who may make a request: the Bearer API key check in front of handlers.
 * Reads are open unless the service runs with --auth=all; every write needs
 * a key with write (or admin) scope. */

#include <stdbool.h>

#include "server/reply.h"
#include "server/request.h"

/* True when the request may go on: a read while reads_need_key is false
 * needs nothing; anything else needs "Authorization: Bearer <key>" (scheme
 * in any case) naming a valid unrevoked key, checked on req->db, and a
 * write needs write or admin scope. False when refused, with the problem
 * already in rep: 401 and WWW-Authenticate when there is no valid key
 * (error="invalid_token" when a Bearer key was sent but is wrong), 403 with
 * error="insufficient_scope" when a read key tries to write, 503 or 500
 * when the database cannot answer. Neither the reply nor the log ever
 * holds the presented key. */
bool auth_check(const struct request *req, struct reply *rep, bool is_write, bool reads_need_key);

/* The public id of the request's Bearer key (the part after "wb_"), or
 * "anonymous": who a client is, without its secret. */
void auth_client(const struct request *req, char *out, size_t len);
