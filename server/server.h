#pragma once
/* The HTTP daemon: accepts requests, routes them to handlers, sends replies
 * and logs each one. Used the same way by main and by the tests. */

#include <stdbool.h>

#include "db/db.h"
#include "server/config.h"

struct server;

/* Starts serving `store` (borrowed; it must outlive the server) with the
 * settings in cfg (copied). NULL on failure, with the reason logged. */
struct server *server_start(const struct config *cfg, struct store *store);

/* The port actually bound (useful when cfg asked for port 0). */
unsigned short server_port(const struct server *srv);

/* Stops accepting, lets requests in flight finish (up to `grace_ms`), then
 * stops the daemon and frees the server. Accepts NULL. */
void server_stop(struct server *srv, int grace_ms);
