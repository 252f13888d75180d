/* Work too long for an event loop on a short-lived thread, finished back on the loop. */
#include "offload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

/*
 * The thread says "done" by writing one byte into a pipe the loop watches, rather than
 * touching the event base: if the loop is gone (a shutdown that timed out), the byte is
 * simply never read.
 */
struct offload {
    offload_fn work, done;
    void *arg;
    int pipe_fds[2];     /* [0] watched by the loop, [1] written by the thread */
    struct event *ready; /* read event on pipe_fds[0] */
    pthread_t thread;
};

static atomic_int running;

static void *thread_main(void *p)
{
    struct offload *o = p;
    o->work(o->arg);
    int fd = o->pipe_fds[1]; /* o belongs to the loop once the byte is written */
    char byte = 1;
    while (write(fd, &byte, 1) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void release(struct offload *o)
{
    if (o->ready != NULL)
        event_free(o->ready);
    close(o->pipe_fds[0]);
    close(o->pipe_fds[1]);
    free(o);
    atomic_fetch_sub(&running, 1);
}

static void on_finished(evutil_socket_t fd, short what, void *p)
{
    struct offload *o = p;
    (void)fd;
    (void)what;
    pthread_join(o->thread, NULL); /* it has written its byte: only its return is left */
    offload_fn done = o->done;
    void *arg = o->arg;
    release(o);
    done(arg);
}

bool offload_start(struct event_base *base, offload_fn work, offload_fn done, void *arg)
{
    if (atomic_fetch_add(&running, 1) >= OFFLOAD_MAX_RUNNING) {
        atomic_fetch_sub(&running, 1);
        return false;
    }
    struct offload *o = calloc(1, sizeof(*o));
    if (o == NULL || pipe2(o->pipe_fds, O_CLOEXEC) != 0) {
        free(o);
        atomic_fetch_sub(&running, 1);
        return false;
    }
    o->work = work;
    o->done = done;
    o->arg = arg;
    o->ready = event_new(base, o->pipe_fds[0], EV_READ, on_finished, o);
    if (o->ready == NULL || event_add(o->ready, NULL) != 0) {
        release(o);
        return false;
    }
    int rc = pthread_create(&o->thread, NULL, thread_main, o);
    if (rc != 0) {
        log_error("offload_failed", "error=\"pthread_create: %d\"", rc);
        release(o);
        return false;
    }
    return true;
}
