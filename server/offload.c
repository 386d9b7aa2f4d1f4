#include "server/offload.h"

#include <pthread.h>
#include <stdlib.h>

struct offload_job {
    offload_fn run;
    void *job;
};

struct offload {
    pthread_mutex_t lock;
    pthread_cond_t ready; /* a job was queued, or the pool is draining */
    struct offload_job *ring;
    size_t capacity, head, count;
    size_t reserved; /* places taken whose job is not queued yet */
    bool draining;
    bool drained; /* the threads are joined */
    pthread_t *threads;
    unsigned started;
    /* A batch pool: its thread hands run_batch up to max_batch jobs at a
     * time, gathered in batch. */
    offload_batch_fn run_batch;
    void *batch_ctx;
    size_t max_batch;
    void **batch;
};

/* The oldest queued job, taken off the ring; under the lock. */
static struct offload_job take_job(struct offload *pool)
{
    struct offload_job next = pool->ring[pool->head];
    pool->head = (pool->head + 1) % pool->capacity;
    pool->count--;
    return next;
}

static void *work(void *arg)
{
    struct offload *pool = arg;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->count == 0 && (!pool->draining || pool->reserved > 0))
            pthread_cond_wait(&pool->ready, &pool->lock);
        /* A draining pool still runs what was queued or reserved: each job
         * owes its caller an answer. */
        if (pool->count == 0)
            break;
        if (pool->run_batch != NULL) {
            size_t taken = 0;
            while (pool->count > 0 && taken < pool->max_batch)
                pool->batch[taken++] = take_job(pool).job;
            pthread_mutex_unlock(&pool->lock);
            pool->run_batch(pool->batch_ctx, pool->batch, taken);
            pthread_mutex_lock(&pool->lock);
            continue;
        }
        struct offload_job next = take_job(pool);
        pthread_mutex_unlock(&pool->lock);
        next.run(next.job);
        pthread_mutex_lock(&pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

/* The pool with its queue and no threads yet. */
static struct offload *pool_new(unsigned threads, size_t max_queued)
{
    struct offload *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return NULL;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->ready, NULL);
    pool->capacity = max_queued > 0 ? max_queued : 1;
    pool->ring = calloc(pool->capacity, sizeof *pool->ring);
    pool->threads = calloc(threads > 0 ? threads : 1, sizeof *pool->threads);
    if (pool->ring == NULL || pool->threads == NULL) {
        offload_free(pool);
        return NULL;
    }
    return pool;
}

static struct offload *pool_run(struct offload *pool, unsigned threads)
{
    for (unsigned i = 0; i < (threads > 0 ? threads : 1); i++) {
        if (pthread_create(&pool->threads[i], NULL, work, pool) != 0) {
            offload_free(pool);
            return NULL;
        }
        pool->started++;
    }
    return pool;
}

struct offload *offload_start(unsigned threads, size_t max_queued)
{
    struct offload *pool = pool_new(threads, max_queued);
    return pool != NULL ? pool_run(pool, threads) : NULL;
}

struct offload *offload_start_batches(size_t max_queued, size_t max_batch,
                                      offload_batch_fn run_batch, void *ctx)
{
    struct offload *pool = pool_new(1, max_queued);
    if (pool == NULL)
        return NULL;
    pool->run_batch = run_batch;
    pool->batch_ctx = ctx;
    pool->max_batch = max_batch > 0 ? max_batch : 1;
    pool->batch = calloc(pool->max_batch, sizeof *pool->batch);
    if (pool->batch == NULL) {
        offload_free(pool);
        return NULL;
    }
    return pool_run(pool, 1);
}

bool offload_reserve(struct offload *pool)
{
    pthread_mutex_lock(&pool->lock);
    bool taken = !pool->draining && pool->count + pool->reserved < pool->capacity;
    if (taken)
        pool->reserved++;
    pthread_mutex_unlock(&pool->lock);
    return taken;
}

void offload_submit(struct offload *pool, offload_fn run, void *job)
{
    pthread_mutex_lock(&pool->lock);
    pool->ring[(pool->head + pool->count) % pool->capacity] =
        (struct offload_job){.run = run, .job = job};
    pool->count++;
    pool->reserved--;
    /* Broadcast: while draining, every thread waits for the last
     * reserved place to be filled before it may leave. */
    pthread_cond_broadcast(&pool->ready);
    pthread_mutex_unlock(&pool->lock);
}

void offload_drain(struct offload *pool)
{
    pthread_mutex_lock(&pool->lock);
    bool joined = pool->drained;
    pool->draining = true;
    pool->drained = true;
    pthread_cond_broadcast(&pool->ready);
    pthread_mutex_unlock(&pool->lock);
    if (joined)
        return;
    for (unsigned i = 0; i < pool->started; i++)
        pthread_join(pool->threads[i], NULL);
}

void offload_free(struct offload *pool)
{
    if (pool == NULL)
        return;
    offload_drain(pool);
    pthread_cond_destroy(&pool->ready);
    pthread_mutex_destroy(&pool->lock);
    free(pool->threads);
    free(pool->ring);
    free(pool->batch);
    free(pool);
}
