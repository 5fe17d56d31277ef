/*
 * test_checkpoint.c - the state directory's two generations: each save
 * rotates the newest file to store.checkpoint.prev; a torn newest file is
 * moved aside and the previous generation restored; a save that cannot be
 * written (here: a file size limit, EFBIG, as a full disk gives ENOSPC)
 * leaves both generations as they were, is counted, and the next save
 * works once there is room. Which generation was restored is read from the
 * models-topic offset each one holds (an empty store needs no model).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "stream/checkpoint.h"

static const location_policy policy = {.max_bytes = 1 << 20};

static char *new_dir(void) {
    char *dir = strdup("/tmp/test-checkpoint-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static int exists(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Saves a checkpoint recording that the models topic was read to next. */
static int save_at(checkpoint *c, store *s, int64_t next, ms_error *err) {
    checkpoint_models_read(c, 0, next);
    return checkpoint_save(c, s, err);
}

/* Restores dir into a fresh store; returns the models offset it gave, or
 * -2 when the restore failed (err filled). */
static int64_t restored_offset(const char *dir, ms_error *err) {
    checkpoint *c = checkpoint_open(dir, NULL, NULL, err);
    store *s = store_new();
    int64_t next = -1;
    int n = checkpoint_restore(c, s, NULL, &policy, &next, 1, err);
    store_free(s);
    checkpoint_free(c);
    return n < 0 ? -2 : next;
}

static void clean(char *dir) {
    const char *names[] = {"store.checkpoint", "store.checkpoint.prev",
                           "store.checkpoint.torn", "store.checkpoint.tmp"};
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    free(dir);
}

static void torn_newest_restores_previous(void **state) {
    (void)state;
    char *dir = new_dir();
    ms_error err;
    checkpoint *c = checkpoint_open(dir, NULL, NULL, &err);
    store *s = store_new();
    assert_int_equal(save_at(c, s, 5, &err), 0);
    assert_false(exists(dir, "store.checkpoint.prev")); /* nothing to keep yet */
    assert_int_equal(save_at(c, s, 9, &err), 0);
    assert_true(exists(dir, "store.checkpoint.prev"));
    checkpoint_health st;
    checkpoint_status(c, &st);
    assert_int_equal(st.written, 2);
    assert_int_equal(st.failed, 0);
    checkpoint_free(c);
    store_free(s);
    assert_int_equal(restored_offset(dir, &err), 9);

    char path[512];
    snprintf(path, sizeof path, "%s/store.checkpoint", dir);
    assert_int_equal(truncate(path, 30), 0);
    assert_int_equal(restored_offset(dir, &err), 5);
    assert_false(exists(dir, "store.checkpoint"));
    assert_true(exists(dir, "store.checkpoint.torn"));
    /* With the newest moved aside, the previous one stays the fallback. */
    assert_int_equal(restored_offset(dir, &err), 5);
    clean(dir);
}

static void both_generations_bad(void **state) {
    (void)state;
    char *dir = new_dir();
    char path[512];
    const char *names[] = {"store.checkpoint", "store.checkpoint.prev"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "wb");
        fputs("MSCKPT01 but nothing after it", f);
        fclose(f);
    }
    ms_error err;
    assert_int_equal(restored_offset(dir, &err), -2);
    assert_non_null(strstr(err.msg, "no good checkpoint in"));
    assert_non_null(strstr(err.msg, "store.checkpoint.prev' is torn"));
    clean(dir);
}

static void failed_save_keeps_generations(void **state) {
    (void)state;
    char *dir = new_dir();
    ms_error err;
    checkpoint *c = checkpoint_open(dir, NULL, NULL, &err);
    store *s = store_new();
    assert_int_equal(save_at(c, s, 3, &err), 0);
    assert_int_equal(save_at(c, s, 4, &err), 0);

    /* Below the 24-byte header: every save fails with EFBIG. */
    void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit was, small = {.rlim_cur = 10, .rlim_max = RLIM_INFINITY};
    getrlimit(RLIMIT_FSIZE, &was);
    small.rlim_max = was.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc1 = save_at(c, s, 7, &err);
    char reason[MS_ERROR_MAX];
    snprintf(reason, sizeof reason, "%s", err.msg);
    int rc2 = save_at(c, s, 8, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
    signal(SIGXFSZ, old);
    assert_int_equal(rc1, -1);
    assert_int_equal(rc2, -1);
    assert_non_null(strstr(reason, "File too large"));
    assert_non_null(strstr(reason, "free space there"));
    checkpoint_health st;
    checkpoint_status(c, &st);
    assert_int_equal(st.written, 2);
    assert_int_equal(st.failed, 2);
    assert_int_equal(st.failing, 2);
    assert_non_null(strstr(st.last_error, "File too large"));
    assert_false(exists(dir, "store.checkpoint.tmp"));
    assert_int_equal(restored_offset(dir, &err), 4); /* untouched */

    /* Room again: the next save works and the failure streak ends. */
    assert_int_equal(save_at(c, s, 11, &err), 0);
    checkpoint_status(c, &st);
    assert_int_equal(st.written, 3);
    assert_int_equal(st.failing, 0);
    assert_int_equal(restored_offset(dir, &err), 11);
    checkpoint_free(c);
    store_free(s);
    clean(dir);
}

static void leftover_temporary_removed(void **state) {
    (void)state;
    char *dir = new_dir();
    char path[512];
    snprintf(path, sizeof path, "%s/store.checkpoint.tmp", dir);
    FILE *f = fopen(path, "wb");
    fputs("MSCKPT01 half", f);
    fclose(f);
    ms_error err;
    checkpoint *c = checkpoint_open(dir, NULL, NULL, &err);
    assert_non_null(c);
    assert_false(exists(dir, "store.checkpoint.tmp"));
    checkpoint_free(c);
    clean(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(torn_newest_restores_previous),
        cmocka_unit_test(both_generations_bad),
        cmocka_unit_test(failed_save_keeps_generations),
        cmocka_unit_test(leftover_temporary_removed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
