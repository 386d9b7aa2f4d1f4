#pragma once
/* A few threads of their own for work too slow for a libmicrohttpd worker:
 * a worker that spends 30 ms building one answer holds up every other
 * connection it polls, cache hits included. */

#include <stdbool.h>
#include <stddef.h>

struct offload;

typedef void (*offload_fn)(void *job);

/* Runs `count` queued jobs at once (see offload_start_batches). */
typedef void (*offload_batch_fn)(void *ctx, void *const *jobs, size_t count);

/* Starts `threads` threads and a queue of at most `max_queued` jobs. NULL
 * when a thread cannot be started. */
struct offload *offload_start(unsigned threads, size_t max_queued);

/* One thread that takes the jobs in batches: whatever is queued when it
 * comes back for more, up to `max_batch`, goes to run_batch(ctx, ...) in
 * one call, in the order queued. A batch is as large as the work that
 * piled up while the last one ran, so nothing waits for one to fill.
 * NULL when the thread cannot be started. */
struct offload *offload_start_batches(size_t max_queued, size_t max_batch,
                                      offload_batch_fn run_batch, void *ctx);

/* Takes a place in the queue for one job. False when the queue is full or
 * the pool is draining: the caller then does the work itself. A place is
 * taken first so that the caller can prepare for the job (suspend its
 * connection) knowing the job will run. */
bool offload_reserve(struct offload *pool);

/* Queues run(job) in a place taken by offload_reserve; it always runs. A
 * batch pool ignores run: its run_batch gets the job. */
void offload_submit(struct offload *pool, offload_fn run, void *job);

/* Stops taking jobs (offload_reserve says false from now on), runs every
 * job queued or reserved, and joins the threads. The pool stays valid for
 * offload_reserve until offload_free. Calling it again does nothing. */
void offload_drain(struct offload *pool);

/* Drains the pool if that was not done, and frees it. NULL is ignored. */
void offload_free(struct offload *pool);
