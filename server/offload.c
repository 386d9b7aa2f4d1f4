#include "server/offload.h"

#include <pthread.h>
#include <stdlib.h>

struct offload_job {
    offload_fn run;
    void *job;
};

struct offload {
    pthread_mutex_t lock;
    pthread_cond_t ready; /* a job was queued, or the pool is stopping */
    struct offload_job *ring;
    size_t capacity, head, count;
    bool stopping;
    pthread_t *threads;
    unsigned started;
};

static void *work(void *arg)
{
    struct offload *pool = arg;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->count == 0 && !pool->stopping)
            pthread_cond_wait(&pool->ready, &pool->lock);
        /* A stopping pool still runs what was queued: each job owes its
         * caller an answer. */
        if (pool->count == 0)
            break;
        struct offload_job next = pool->ring[pool->head];
        pool->head = (pool->head + 1) % pool->capacity;
        pool->count--;
        pthread_mutex_unlock(&pool->lock);
        next.run(next.job);
        pthread_mutex_lock(&pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

struct offload *offload_start(unsigned threads, size_t max_queued)
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
        offload_stop(pool);
        return NULL;
    }
    for (unsigned i = 0; i < (threads > 0 ? threads : 1); i++) {
        if (pthread_create(&pool->threads[i], NULL, work, pool) != 0) {
            offload_stop(pool);
            return NULL;
        }
        pool->started++;
    }
    return pool;
}

bool offload_submit(struct offload *pool, offload_fn run, void *job)
{
    pthread_mutex_lock(&pool->lock);
    bool queued = !pool->stopping && pool->count < pool->capacity;
    if (queued) {
        pool->ring[(pool->head + pool->count) % pool->capacity] =
            (struct offload_job){.run = run, .job = job};
        pool->count++;
        pthread_cond_signal(&pool->ready);
    }
    pthread_mutex_unlock(&pool->lock);
    return queued;
}

void offload_stop(struct offload *pool)
{
    if (pool == NULL)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->ready);
    pthread_mutex_unlock(&pool->lock);
    for (unsigned i = 0; i < pool->started; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->ready);
    pthread_mutex_destroy(&pool->lock);
    free(pool->threads);
    free(pool->ring);
    free(pool);
}
