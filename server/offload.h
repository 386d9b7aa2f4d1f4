#pragma once
/* A few threads of their own for work too slow for a libmicrohttpd worker:
 * a worker that spends 30 ms building one answer holds up every other
 * connection it polls, cache hits included. */

#include <stdbool.h>
#include <stddef.h>

struct offload;

typedef void (*offload_fn)(void *job);

/* Starts `threads` threads and a queue of at most `max_queued` jobs. NULL
 * when a thread cannot be started. */
struct offload *offload_start(unsigned threads, size_t max_queued);

/* Queues run(job) for one of the threads. False when the queue is full or
 * stopping: the caller then runs the job itself. */
bool offload_submit(struct offload *pool, offload_fn run, void *job);

/* Runs every job still queued, then joins the threads and frees the pool.
 * NULL is ignored. */
void offload_stop(struct offload *pool);
