#pragma once
/* The route table: every endpoint wirebase serves, in one place. */

#include <stddef.h>

#include "server/router.h"

extern const struct route routes[];
extern const size_t route_count;

/* The browser dashboard's paths, matched only when no API route does and
 * the server was not started with --no-dashboard. */
extern const struct route dashboard_routes[];
extern const size_t dashboard_route_count;
