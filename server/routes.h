#pragma once
/* The route table: every endpoint wirebase serves, in one place. */

#include <stddef.h>

#include "server/router.h"

extern const struct route routes[];
extern const size_t route_count;
