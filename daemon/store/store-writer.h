/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store's writer thread
 *
 * A commit with synchronous=FULL waits for fdatasync, which takes from a
 * tenth of a millisecond to several on a loaded disk: the event loop must not
 * wait for it. The writer is one thread that applies one batch at a time to
 * the database and says so through an eventfd the loop watches. While it
 * works, the loop goes on and the next writes gather in a new batch.
 *
 * The thread owns nothing: the caller hands it a batch and an apply function
 * and gets both back with the result. While a job is out, the caller must not
 * touch the database nor the batch it handed over; that is the only rule that
 * makes sharing one SQLite connection (opened SQLITE_OPEN_NOMUTEX) safe. The
 * two threads share no lock (two eventfds and atomics pass the job and its
 * result), so that the loop never waits for the writer, not even briefly.
 */
#pragma once

#include <stdbool.h>

#include "common/util.h"
#include "store/store-batch.h"

/* Applies b to the database; on failure returns a negative errno and sets *ret_error (g_free). */
typedef int (*StoreWriterApply)(void *userdata, const StoreBatch *b, char **ret_error);

typedef struct StoreWriter StoreWriter;

int store_writer_new(StoreWriter **ret, StoreWriterApply apply, void *userdata);
/* Waits for a job that is out (its result is dropped: the caller has committed what it must first). */
StoreWriter *store_writer_free(StoreWriter *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(StoreWriter *, store_writer_free);

/* Readable (EPOLLIN) once the job handed over has ended; store_writer_collect() empties it. */
int store_writer_fd(const StoreWriter *w);

/* Hands b to the thread; one job at a time. b is the writer's until collected. */
void store_writer_submit(StoreWriter *w, StoreBatch *b);

/*
 * Never blocks: -EAGAIN if the job has not ended (or none is out). Else returns its batch in
 * *ret_batch, and its result: 0, or the negative errno of apply with its message in *ret_error.
 */
int store_writer_collect(StoreWriter *w, StoreBatch **ret_batch, char **ret_error, int *ret_result);

/* Blocks until the job that is out has ended (at exit, and for tests); then collect it. */
void store_writer_wait(StoreWriter *w);
