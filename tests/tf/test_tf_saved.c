/*
 * test_tf_saved.c - SavedModels: the seed's saved_wine/1 by directory and
 * as a tar archive built here in memory, and damaged copies of it (a
 * member path escaping the archive, no saved_model.pb, a checkpoint index
 * with a bad magic number or cut short, a data shard whose bytes fail the
 * CRC), skipped without ../shared/data; and a SavedModel with variables
 * written here by tf_writer, which needs nothing from outside.
 */
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "tf_test.h"
#include "util/file.h"

typedef struct member {
    const char *path;
    uint8_t *data;
    size_t len;
} member;

static member files[3];
static char dir[4096];

static int setup(void **state) {
    (void)state;
    const char *shared = getenv("MS_SHARED_DATA");
    static const char *const rel[] = {
        "saved_model.pb", "variables/variables.index",
        "variables/variables.data-00000-of-00001"};
    if (!shared) return 0;
    snprintf(dir, sizeof dir, "%s/saved_wine/1", shared);
    for (int i = 0; i < 3; i++) {
        char path[4200];
        ms_error err;
        snprintf(path, sizeof path, "%s/%s", dir, rel[i]);
        files[i].path = rel[i];
        if (file_read_all(path, 1 << 24, &files[i].data, &files[i].len, &err) < 0)
            dir[0] = '\0';
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    for (int i = 0; i < 3; i++) free(files[i].data);
    return 0;
}

/* A tar of the members, each under prefix. */
static uint8_t *make_tar(const member *m, int n, const char *prefix,
                         size_t *len) {
    size_t cap = 1 << 20;
    uint8_t *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    assert_int_equal(archive_write_open_memory(a, buf, cap, len), ARCHIVE_OK);
    for (int i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s%s", prefix, m[i].path);
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)m[i].len);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, m[i].data, m[i].len),
                         (la_ssize_t)m[i].len);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

static model *load_tar(const member *m, int n, const char *prefix,
                       ms_error *err) {
    size_t len;
    uint8_t *tar = make_tar(m, n, prefix, &len);
    model_source src = {.bytes = tar, .len = len};
    model *md = tf_load_saved(&src, ms_schema_wine(), err);
    free(tar);
    return md;
}

/* The first rows of winequality_red.csv. */
static const double rows[3][11] = {
    {7.4, 0.7, 0, 1.9, 0.076, 11, 34, 0.9978, 3.51, 0.56, 9.4},
    {7.8, 0.88, 0, 2.6, 0.098, 25, 67, 0.9968, 3.2, 0.68, 9.8},
    {11.2, 0.28, 0.56, 1.9, 0.075, 17, 60, 0.998, 3.16, 0.58, 9.8}};

static void scores(const model *m, double out[3][9]) {
    void *scratch = malloc(m->scratch_size + 1);
    ms_error err;
    for (int r = 0; r < 3; r++) {
        model_output o = {.probabilities = out[r]};
        assert_int_equal(model_score(m, rows[r], scratch, &o, &err), 0);
    }
    free(scratch);
}

static void test_directory_and_tar(void **state) {
    (void)state;
    if (!dir[0]) skip();
    ms_error err;
    model_source src = {.dir = dir};
    model *m = tf_load_saved(&src, ms_schema_wine(), &err);
    if (!m) fail_msg("%s", err.msg);
    assert_int_equal(m->type, MODEL_TYPE_TENSORFLOW_SAVED);
    assert_int_equal(m->nclasses, 9);
    assert_int_equal(tf_model_input_width(m), 11);
    double by_dir[3][9], by_tar[3][9];
    scores(m, by_dir);
    /* The checkpoint's own weights (a later training state than the frozen
     * graph's): row 1's class 5 is 0.6897354 where the frozen graph gives
     * 0.6912163, as the float64 evaluator in tests/integration computes
     * from variables/ independently. */
    assert_true(fabs(by_dir[0][5] - 0.6897354) < 1e-6);
    model_free(m);
    /* The same files as a tar, at the top level and one folder down. */
    static const char *const prefixes[] = {"", "./1/"};
    for (int i = 0; i < 2; i++) {
        m = load_tar(files, 3, prefixes[i], &err);
        if (!m) fail_msg("%s", err.msg);
        scores(m, by_tar);
        assert_memory_equal(by_dir, by_tar, sizeof by_dir);
        model_free(m);
    }
}

static void expect_tar_rejected(const member *m, int n, const char *prefix,
                                const char *part) {
    ms_error err;
    model *md = load_tar(m, n, prefix, &err);
    if (md) {
        model_free(md);
        fail_msg("loaded; expected an error with \"%s\"", part);
    }
    if (!strstr(err.msg, part))
        fail_msg("expected \"%s\" in \"%s\"", part, err.msg);
}

static void test_damaged(void **state) {
    (void)state;
    if (!dir[0]) skip();
    member m[3];
    memcpy(m, files, sizeof m);
    expect_tar_rejected(m, 3, "../", "points outside the archive");
    expect_tar_rejected(m + 1, 2, "", "the archive has no saved_model.pb");
    expect_tar_rejected(m, 2, "", "the archive has no "
                                  "'variables/variables.data-00000-of-00001'");
    /* Not a tar at all. */
    ms_error err;
    model_source src = {.bytes = "hello, world", .len = 12};
    assert_null(tf_load_saved(&src, ms_schema_wine(), &err));
    assert_non_null(strstr(err.msg, "TensorFlow SavedModel: "));
    /* The index's magic number, its last byte. */
    uint8_t *index = malloc(m[1].len);
    memcpy(index, m[1].data, m[1].len);
    index[m[1].len - 1] ^= 0xff;
    m[1].data = index;
    expect_tar_rejected(m, 3, "", "variables.index is not a table (bad magic");
    /* Every cut of the index is rejected, never read past. */
    index[m[1].len - 1] ^= 0xff;
    for (size_t cut = 0; cut < m[1].len; cut += 7) {
        m[1].len = cut;
        ms_error e2;
        model *md = load_tar(m, 3, "", &e2);
        assert_null(md);
        m[1].len = files[1].len;
    }
    free(index);
    m[1] = files[1];
    /* One flipped bit in dense_1/kernel, whose 528 bytes start at 2692 (its
     * entry in variables.index says). */
    uint8_t *data = malloc(m[2].len);
    memcpy(data, m[2].data, m[2].len);
    assert_true(m[2].len > 2700);
    data[2700] ^= 0x10;
    m[2].data = data;
    expect_tar_rejected(m, 3, "", "fails its CRC check");
    free(data);
    /* A signature that is not there. */
    size_t len;
    uint8_t *tar = make_tar(files, 3, "", &len);
    model_param p = {"signature", "classify"};
    src = (model_source){.bytes = tar, .len = len, .params = &p, .nparams = 1};
    assert_null(tf_load_saved(&src, ms_schema_wine(), &err));
    assert_non_null(strstr(err.msg, "none is 'classify'"));
    free(tar);
}

/* x [1,2] times the variable W = [[1,2],[3,4]] (VariableV2, read through
 * Identity) plus bias = [10,20] (VarHandleOp, ReadVariableOp): x = [1,1]
 * gives [1+3+10, 2+4+20] = [14, 26]. An op we do not know, reading W, is
 * pruned because the signature's output does not need it. */
static void test_written_saved_model(void **state) {
    (void)state;
    tf_writer *w = tf_writer_new();
    tf_writer_placeholder(w, "x", DIMS(-1, 2), 2);
    tf_writer_node(w, "W", "VariableV2", NULL);
    tf_writer_attr_type(w, "dtype", F32);
    tf_writer_attr_shape(w, "shape", DIMS(2, 2), 2);
    tf_writer_node(w, "W/read", "Identity", "W", NULL);
    tf_writer_node(w, "b", "VarHandleOp", NULL);
    tf_writer_attr_str(w, "shared_name", "bias");
    tf_writer_node(w, "b/read", "ReadVariableOp", "b", NULL);
    tf_writer_node(w, "mm", "MatMul", "x", "W/read", NULL);
    tf_writer_node(w, "y", "Add", "mm", "b/read", NULL);
    tf_writer_node(w, "train", "ApplyAdam", "W", "y", NULL);
    size_t glen, slen;
    uint8_t *graph = tf_writer_graph(w, &glen);
    uint8_t *sm = tf_writer_saved_model(graph, glen, "x:0", "y:0", &slen);
    free(graph);
    const tf_writer_var vars[] = {
        {"W", DIMS(2, 2), 2, FLOATS(1, 2, 3, 4)},
        {"bias", DIMS(2), 1, FLOATS(10, 20)}};
    member m[3] = {{"saved_model.pb", sm, slen}};
    m[1].path = "variables/variables.index";
    m[2].path = "variables/variables.data-00000-of-00001";
    assert_int_equal(tf_writer_bundle(vars, 2, &m[1].data, &m[1].len,
                                      &m[2].data, &m[2].len), 0);
    ms_error err;
    model *md = NULL;
    size_t len;
    uint8_t *tar = make_tar(m, 3, "", &len);
    static const model_param vector = {"output_mode", "vector"};
    model_source src = {.bytes = tar, .len = len, .params = &vector,
                        .nparams = 1};
    md = tf_load_saved(&src, &tf_test_schema, &err);
    if (!md) fail_msg("%s", err.msg);
    double y[2] = {0};
    assert_int_equal(tf_test_eval(md, (const double[]){1, 1}, y, 2, &err), 2);
    assert_true(y[0] == 14 && y[1] == 26);
    model_free(md);
    free(tar);
    /* Without its checkpoint, the variables have no value. */
    tar = make_tar(m, 1, "", &len);
    src.bytes = tar;
    src.len = len;
    assert_null(tf_load_saved(&src, &tf_test_schema, &err));
    assert_non_null(strstr(err.msg, "variable 'W' has no value: the "
                                    "SavedModel has no variables/"));
    free(tar);
    for (int i = 0; i < 3; i++) free(m[i].data);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory_and_tar),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_written_saved_model),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
