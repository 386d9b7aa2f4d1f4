#pragma once
/* Dropping root: wirebase serve --user NAME. */

#include <stdbool.h>
#include <stddef.h>

/* Switches the process to `user` (its uid, primary gid and supplementary
 * groups) for good. Must run before any thread starts. True when the
 * process runs as `user` afterwards; when it already does, nothing changes.
 * Otherwise false, with err saying why (no such user, not started as root,
 * a call refused, or root still recoverable). */
bool privileges_drop(const char *user, char *err, size_t errlen);
