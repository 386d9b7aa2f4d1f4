#pragma once
/* Accepts connections on a libmicrohttpd daemon's listening socket and
 * hands them to its worker pool, one worker after the other.
 *
 * In a thread pool every worker accepts on the shared socket itself, and a
 * worker that wakes first may take every connection of a burst: measured
 * here, one run in four of a 32-connection wrk left one worker with all of
 * them and the other idle (half the throughput, on a machine with a core to
 * spare). MHD_add_connection spreads connections over the workers by their
 * descriptor, so consecutive connections go to different workers. */

#include <microhttpd.h>

struct acceptor;

/* Takes over the daemon's listening socket (the daemon stops accepting on
 * it) and starts the accepting thread. NULL on failure: the daemon may then
 * accept nothing, so stop it. */
struct acceptor *acceptor_start(struct MHD_Daemon *daemon);

/* Stops accepting; the connections already handed over stay the daemon's.
 * Call before MHD_stop_daemon; then acceptor_free. */
void acceptor_stop(struct acceptor *acceptor);

/* Closes the listening socket: after MHD_stop_daemon, as libmicrohttpd asks
 * of a socket taken by MHD_quiesce_daemon. Accepts NULL. */
void acceptor_free(struct acceptor *acceptor);
