/* test_config.c - the configuration store: HOCON files as the seed wrote
 * them, the environment, flags, their precedence in every order, typed
 * getters and --help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/config.h"

static const config_option options[] = {
    {"kafka.brokers", "KAFKA_BROKERS_LIST", "brokers", 'b', "LIST", NULL,
     "Kafka bootstrap servers, host:port[,host:port...]."},
    {"model_server.port", "MODEL_SERVER_PORT", "port", 'p', "PORT", "5500",
     "HTTP port of the queryable state."},
    {"grafana.host", "GRAFANA_HOST", NULL, 0, "HOST", "localhost",
     "Grafana host for the dashboard."},
    {"influxdb.port", "INFLUXDB_PORT", NULL, 0, "PORT", "8086",
     "InfluxDB HTTP port."},
    {"server.http.threads", NULL, NULL, 0, "N", "4", "HTTP worker threads."},
    {"publisher.interval", "DATA_PUBLISH_INTERVAL", "interval", 'i',
     "DURATION", "1 second",
     "Time between two published records; a number and a unit such as "
     "500ms, 1.5s or 5 minutes (a bare number is milliseconds)."},
    {"verbose", NULL, "verbose", 'v', NULL, NULL, "Log every record."},
    {"dry_run", NULL, "dry-run", 'n', NULL, "false",
     "Read and check, publish nothing."},
    {"config", "MS_CONFIG", "config", 'c', "FILE", NULL,
     "Read settings from FILE (HOCON, like the seed's application.conf)."},
};
#define NOPTIONS (sizeof options / sizeof *options)

static const char *const our_variables[] = {
    "KAFKA_BROKERS_LIST", "MODEL_SERVER_PORT", "GRAFANA_HOST",
    "INFLUXDB_PORT", "DATA_PUBLISH_INTERVAL", "MS_CONFIG",
    "MS_TEST_HOST", "MS_TEST_UNSET", "MS_TEST_OTHER",
};

/* Every test starts from a fresh store and an environment without our
 * variables, whatever the shell running the tests exported. */
static int setup(void **state) {
    for (size_t i = 0; i < sizeof our_variables / sizeof *our_variables; i++)
        unsetenv(our_variables[i]);
    *state = config_new(options, NOPTIONS);
    return *state ? 0 : -1;
}

static int teardown(void **state) {
    config_free(*state);
    return 0;
}

/* Writes text to a new temporary file; returns its path (free, unlink). */
static char *temp_file(const char *text) {
    const char *dir = getenv("TMPDIR");
    char *path = malloc(4096);
    assert_non_null(path);
    snprintf(path, 4096, "%s/test_config_XXXXXX", dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static void load_text_ok(config *c, const char *text) {
    char *path = temp_file(text);
    ms_error err;
    int rc = config_load_file(c, path, &err);
    unlink(path);
    free(path);
    if (rc != 0) fail_msg("%s", err.msg);
}

/* Loads text expecting failure; checks the message is "path" + suffix. */
static void load_text_fails(config *c, const char *text, const char *suffix) {
    char *path = temp_file(text);
    ms_error err;
    int rc = config_load_file(c, path, &err);
    char want[MS_ERROR_MAX];
    snprintf(want, sizeof want, "%s%s", path, suffix);
    unlink(path);
    free(path);
    assert_int_equal(rc, -1);
    assert_string_equal(err.msg, want);
}

static void args_ok(config *c, int argc, char **argv, int *first) {
    ms_error err;
    if (config_parse_args(c, argc, argv, first, &err) != 0)
        fail_msg("%s", err.msg);
}

#define ARGC(argv) ((int)(sizeof argv / sizeof *argv))

static void test_defaults(void **state) {
    config *c = *state;
    assert_string_equal(config_get(c, "model_server.port"), "5500");
    assert_string_equal(config_source(c, "model_server.port"), "default");
    assert_null(config_get(c, "kafka.brokers"));
    assert_string_equal(config_source(c, "kafka.brokers"), "default");
    assert_string_equal(config_get(c, "verbose"), "false"); /* a switch */
    assert_null(config_get(c, "no.such.key"));
    assert_null(config_source(c, "no.such.key"));
}

static void test_file_seed_style(void **state) {
    config *c = *state;
    load_text_ok(c,
                 "# Seed-style application.conf\n"
                 "kafka {\n"
                 "  brokers = \"localhost:9092\"   // the embedded broker\n"
                 "  brokers = ${?KAFKA_BROKERS_LIST}\n"
                 "}\n"
                 "\n"
                 "model_server {\n"
                 "  port : 5600\n"
                 "}\n"
                 "grafana.host = grafana.local  # unquoted, then a comment\n"
                 "influxdb { port = 8087, }\n"
                 "publisher { interval = 2 seconds }, verbose = yes\r\n");
    assert_string_equal(config_get(c, "kafka.brokers"), "localhost:9092");
    assert_string_equal(config_get(c, "model_server.port"), "5600");
    assert_string_equal(config_get(c, "grafana.host"), "grafana.local");
    assert_string_equal(config_get(c, "influxdb.port"), "8087");
    assert_string_equal(config_get(c, "publisher.interval"), "2 seconds");
    assert_string_equal(config_get(c, "verbose"), "yes");
    assert_string_equal(config_source(c, "kafka.brokers"), "file");
    assert_string_equal(config_source(c, "dry_run"), "default");
}

static void test_file_nesting_any_depth(void **state) {
    config *c = *state;
    load_text_ok(c, "server { http { threads = 8 } }");
    assert_string_equal(config_get(c, "server.http.threads"), "8");
    load_text_ok(c, "server.http {\n threads = 9\n}\n");
    assert_string_equal(config_get(c, "server.http.threads"), "9");
    load_text_ok(c, "server {\n  http.threads = 10\n}\n");
    assert_string_equal(config_get(c, "server.http.threads"), "10");
    load_text_ok(c, "server = { http : { threads : 11 } }\n");
    assert_string_equal(config_get(c, "server.http.threads"), "11");
    /* Siblings after a nested block see the outer prefix again. */
    load_text_ok(c, "server { http { threads = 12 }\n}\nkafka.brokers = k\n");
    assert_string_equal(config_get(c, "server.http.threads"), "12");
    assert_string_equal(config_get(c, "kafka.brokers"), "k");
}

static void test_file_root_braces_and_quoting(void **state) {
    config *c = *state;
    setenv("MS_TEST_HOST", "h1", 1);
    load_text_ok(c,
                 "{\n"
                 "  \"kafka\": { \"brokers\": \"a\\\"b\\\\c\\u00e9\\ud83d"
                 "\\ude00\\t\" },\n"
                 "  grafana { \"host\" = \"x # not a comment // nor this\" }\n"
                 "  influxdb.port = ${MS_TEST_HOST}\":9092\" # joined\n"
                 "  publisher.interval = \"1\" \"s\"\n"
                 "  server.http.threads = 8 // unquoted\n"
                 "}\n");
    assert_string_equal(config_get(c, "kafka.brokers"),
                        "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80\t");
    assert_string_equal(config_get(c, "grafana.host"),
                        "x # not a comment // nor this");
    assert_string_equal(config_get(c, "influxdb.port"), "h1:9092");
    assert_string_equal(config_get(c, "publisher.interval"), "1 s");
    assert_string_equal(config_get(c, "server.http.threads"), "8");
}

static void test_file_optional_substitution(void **state) {
    config *c = *state;
    const char *text = "kafka.brokers = \"file-broker\"\n"
                       "kafka.brokers = ${?KAFKA_BROKERS_LIST}\n"
                       "grafana.host = ${?MS_TEST_UNSET}${?MS_TEST_OTHER}\n"
                       "influxdb.port = 80${?MS_TEST_UNSET}86\n";
    setenv("MS_TEST_OTHER", "", 1); /* empty counts as unset */
    load_text_ok(c, text);
    assert_string_equal(config_get(c, "kafka.brokers"), "file-broker");
    assert_string_equal(config_get(c, "grafana.host"), "localhost");
    assert_string_equal(config_source(c, "grafana.host"), "default");
    assert_string_equal(config_get(c, "influxdb.port"), "8086");
    assert_string_equal(config_source(c, "influxdb.port"), "file");

    setenv("KAFKA_BROKERS_LIST", "env-broker:9092", 1);
    setenv("MS_TEST_OTHER", "grafana.example", 1);
    load_text_ok(c, text);
    assert_string_equal(config_get(c, "kafka.brokers"), "env-broker:9092");
    assert_string_equal(config_get(c, "grafana.host"), "grafana.example");
}

static void test_file_errors_name_the_line(void **state) {
    config *c = *state;
    static const struct {
        const char *text, *suffix;
    } cases[] = {
        {"kafka {\n  brokr = x\n}\n",
         ":2: unknown key 'kafka.brokr' (did you mean 'kafka.brokers'?)"},
        {"nonsense = 1\n", ":1: unknown key 'nonsense'"},
        {"\n\nkafka.brokers x\n",
         ":3: expected '=', ':' or '{' after key 'kafka.brokers'"},
        {"kafka.brokers = \"abc\nverbose = 1\n", ":1: unterminated string"},
        {"kafka {\n brokers = a\n", ":3: missing '}' for the '{' on line 1"},
        {"kafka.brokers = a\n}\n", ":2: unexpected '}'"},
        {"kafka.brokers = [a, b]\n",
         ":1: arrays are not supported (key 'kafka.brokers')"},
        {"kafka.brokers =\n", ":1: missing value for 'kafka.brokers'"},
        {"kafka.brokers = # nothing\n",
         ":1: missing value for 'kafka.brokers'"},
        {"kafka.brokers = \"a\\qb\"\n", ":1: invalid escape '\\q' in a string"},
        {"kafka.brokers = \"\\u12\"\n",
         ":1: '\\u' must be followed by four hex digits"},
        {"kafka.brokers = \"\\u0000\"\n",
         ":1: '\\u0000' is not a character that can be used here"},
        {"include \"other.conf\"\n", ":1: include is not supported"},
        {"= 5\n", ":1: expected a key, found '='"},
        {"kafka.\n", ":1: expected a key, found the end of the line"},
        {"kafka.brokers = ${MS_TEST_UNSET}\n",
         ":1: environment variable MS_TEST_UNSET is not set or empty (write "
         "${?MS_TEST_UNSET} if it is optional)"},
        {"kafka.brokers = ${?MS_TEST_UNSET\n", ":1: unterminated '${'"},
        {"kafka.brokers = ${}\n", ":1: empty substitution '${}'"},
        {"{ kafka.brokers = a } extra\n",
         ":1: unexpected text after the closing '}'"},
        {"kafka.brokers = a { b }\n",
         ":1: unexpected '{' in the value of 'kafka.brokers' (quote the value "
         "if it is text)"},
        {"kafka.brokers = \"\"\"x\"\"\"\n",
         ":1: triple-quoted strings are not supported"},
        {"\n\"\" = 0\n", ":2: empty key \"\" (name the setting)"},
        {"kafka.\"\".brokers = 0\n", ":1: empty key \"\" (name the setting)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        load_text_fails(c, cases[i].text, cases[i].suffix);
}

/* 200,000 nested blocks would overflow the stack of a recursive reader
 * (found by feeding fuzz_hocon a deep input); 64 levels are read, the 65th
 * is refused on its line. */
static void test_nesting_limit(void **state) {
    enum { DEEP = 200000 };
    char *text = malloc(2 * DEEP + 1);
    assert_non_null(text);
    for (int i = 0; i < DEEP; i++) memcpy(text + 2 * i, "a{", 2);
    text[2 * DEEP] = '\0';
    load_text_fails(*state, text, ":1: blocks nested more than 64 deep");

    /* 64 levels are read: the reader reaches the end, with no block closed. */
    char ok[64 * 3 + 16] = "";
    for (int i = 0; i < 64; i++) strcat(ok, "a{\n");
    load_text_fails(*state, ok, ":65: missing '}' for the '{' on line 64");
    free(text);
}

static void test_file_missing(void **state) {
    ms_error err;
    assert_int_equal(config_load_file(*state, "/nonexistent/app.conf", &err),
                     -1);
    assert_string_equal(err.msg, "cannot open '/nonexistent/app.conf': No such "
                                 "file or directory");
}

enum { FROM_FILE = 1, FROM_ENV = 2, FROM_FLAG = 4 };

static void apply(config *c, int source, int present) {
    if (source == FROM_FILE) {
        load_text_ok(c, present & FROM_FILE ? "kafka.brokers = file\n"
                                            : "# nothing\n");
    } else if (source == FROM_ENV) {
        ms_error err;
        assert_int_equal(config_load_env(c, &err), 0);
    } else {
        char *with[] = {"prog", "--brokers", "flag"}, *without[] = {"prog"};
        if (present & FROM_FLAG) args_ok(c, ARGC(with), with, NULL);
        else args_ok(c, ARGC(without), without, NULL);
    }
}

/* Every order of the three loaders, with every subset of them carrying a
 * value: the strongest present source always wins. */
static void test_precedence_in_every_order(void **state) {
    (void)state;
    static const int orders[6][3] = {
        {FROM_FILE, FROM_ENV, FROM_FLAG}, {FROM_FILE, FROM_FLAG, FROM_ENV},
        {FROM_ENV, FROM_FILE, FROM_FLAG}, {FROM_ENV, FROM_FLAG, FROM_FILE},
        {FROM_FLAG, FROM_FILE, FROM_ENV}, {FROM_FLAG, FROM_ENV, FROM_FILE},
    };
    for (int present = 0; present < 8; present++) {
        const char *want = present & FROM_FLAG   ? "flag"
                           : present & FROM_ENV  ? "env"
                           : present & FROM_FILE ? "file"
                                                 : "default";
        for (int o = 0; o < 6; o++) {
            if (present & FROM_ENV) setenv("KAFKA_BROKERS_LIST", "env", 1);
            else unsetenv("KAFKA_BROKERS_LIST");
            config *c = config_new(options, NOPTIONS);
            assert_non_null(c);
            for (int k = 0; k < 3; k++) apply(c, orders[o][k], present);
            assert_string_equal(config_source(c, "kafka.brokers"), want);
            if (present) assert_string_equal(config_get(c, "kafka.brokers"),
                                             want);
            else assert_null(config_get(c, "kafka.brokers"));
            config_free(c);
        }
    }
}

static void test_env_variables(void **state) {
    config *c = *state;
    ms_error err;
    setenv("MODEL_SERVER_PORT", "7000", 1);
    setenv("GRAFANA_HOST", "", 1); /* empty counts as unset */
    assert_int_equal(config_load_env(c, &err), 0);
    assert_string_equal(config_get(c, "model_server.port"), "7000");
    assert_string_equal(config_source(c, "model_server.port"), "env");
    assert_string_equal(config_get(c, "grafana.host"), "localhost");
    assert_string_equal(config_source(c, "grafana.host"), "default");
}

static void test_load_all(void **state) {
    config *c = *state;
    ms_error err;
    char *path = temp_file("kafka.brokers = from-file\n"
                           "model_server.port = 6000\n"
                           "grafana.host = file-host\n");
    setenv("GRAFANA_HOST", "env-host", 1);
    char *argv[] = {"prog", "--config", path, "-p", "6001", "data.csv"};
    int first = 0;
    assert_int_equal(config_load_all(c, ARGC(argv), argv, "config", &first,
                                     &err), 0);
    assert_int_equal(first, 5);
    assert_string_equal(config_get(c, "kafka.brokers"), "from-file");
    assert_string_equal(config_get(c, "grafana.host"), "env-host");
    assert_string_equal(config_get(c, "model_server.port"), "6001");

    /* The file named by the environment instead. */
    config *c2 = config_new(options, NOPTIONS);
    setenv("MS_CONFIG", path, 1);
    char *plain[] = {"prog"};
    assert_int_equal(config_load_all(c2, 1, plain, "config", NULL, &err), 0);
    assert_string_equal(config_get(c2, "model_server.port"), "6000");
    assert_string_equal(config_source(c2, "config"), "env");
    config_free(c2);

    /* No file key: files are not read at all. */
    config *c3 = config_new(options, NOPTIONS);
    assert_int_equal(config_load_all(c3, 1, plain, NULL, NULL, &err), 0);
    assert_string_equal(config_get(c3, "model_server.port"), "5500");
    config_free(c3);
    unlink(path);
    free(path);

    /* A named file that does not exist is an error. */
    config *c4 = config_new(options, NOPTIONS);
    char *missing[] = {"prog", "-c", "/nonexistent/x.conf"};
    assert_int_equal(config_load_all(c4, 3, missing, "config", NULL, &err),
                     -1);
    assert_non_null(strstr(err.msg, "cannot open '/nonexistent/x.conf'"));
    config_free(c4);
}

static void test_args_forms(void **state) {
    config *c = *state;
    char *argv[] = {"prog",  "--brokers", "b1:9092", "--port=6000",
                    "-i",    "250ms",     "-vn",     "--",
                    "--not-an-option",    "x.csv"};
    int first = 0;
    args_ok(c, ARGC(argv), argv, &first);
    assert_string_equal(config_get(c, "kafka.brokers"), "b1:9092");
    assert_string_equal(config_get(c, "model_server.port"), "6000");
    assert_string_equal(config_get(c, "publisher.interval"), "250ms");
    assert_string_equal(config_get(c, "verbose"), "true");
    assert_string_equal(config_get(c, "dry_run"), "true");
    assert_string_equal(config_source(c, "verbose"), "flag");
    assert_int_equal(first, 8);

    char *more[] = {"prog", "-bb2", "--dry-run=no", "-vp7000", "-", "y"};
    args_ok(c, ARGC(more), more, &first);
    assert_string_equal(config_get(c, "kafka.brokers"), "b2");
    assert_string_equal(config_get(c, "dry_run"), "no");
    assert_string_equal(config_get(c, "model_server.port"), "7000");
    assert_int_equal(first, 4); /* "-" is an argument: stdin */

    /* An option argument may look like an option. */
    char *dash[] = {"prog", "--brokers", "-x"};
    args_ok(c, ARGC(dash), dash, &first);
    assert_string_equal(config_get(c, "kafka.brokers"), "-x");
    assert_int_equal(first, 3);

    /* Later flags win over earlier ones. */
    char *twice[] = {"prog", "-p", "1", "--port", "2"};
    args_ok(c, ARGC(twice), twice, NULL);
    assert_string_equal(config_get(c, "model_server.port"), "2");
}

static void args_fail(config *c, int argc, char **argv, int *first,
                      const char *want) {
    ms_error err;
    assert_int_equal(config_parse_args(c, argc, argv, first, &err), -1);
    assert_string_equal(err.msg, want);
}

static void test_args_errors(void **state) {
    config *c = *state;
    int first;
    char *typo[] = {"prog", "--brokrs", "x"};
    args_fail(c, ARGC(typo), typo, &first,
              "unknown option '--brokrs' (did you mean '--brokers'? see "
              "--help)");
    char *typo_eq[] = {"prog", "--dryrun=1"};
    args_fail(c, ARGC(typo_eq), typo_eq, &first,
              "unknown option '--dryrun' (did you mean '--dry-run'? see "
              "--help)");
    char *unknown[] = {"prog", "--zzz"};
    args_fail(c, ARGC(unknown), unknown, &first,
              "unknown option '--zzz' (see --help)");
    char *short_unknown[] = {"prog", "-vz"};
    args_fail(c, ARGC(short_unknown), short_unknown, &first,
              "unknown option '-z' (see --help)");
    char *missing[] = {"prog", "--brokers"};
    args_fail(c, ARGC(missing), missing, &first,
              "option '--brokers' needs an argument (LIST)");
    char *missing_short[] = {"prog", "-v", "-b"};
    args_fail(c, ARGC(missing_short), missing_short, &first,
              "option '-b' needs an argument (LIST)");
    char *positional[] = {"prog", "-v", "file.csv"};
    args_fail(c, ARGC(positional), positional, NULL,
              "unexpected argument 'file.csv' (see --help)");
    char *help[] = {"prog", "--help"};
    args_fail(c, ARGC(help), help, &first,
              "unknown option '--help' (see --help)");
}

static void test_wants_help(void **state) {
    (void)state;
    char *a[] = {"prog", "-v", "--help"};
    assert_true(config_wants_help(ARGC(a), a));
    char *b[] = {"prog", "-h"};
    assert_true(config_wants_help(ARGC(b), b));
    char *c[] = {"prog", "--", "-h"};
    assert_false(config_wants_help(ARGC(c), c));
    char *d[] = {"prog", "--helpful"};
    assert_false(config_wants_help(ARGC(d), d));
    assert_false(config_wants_help(1, a));
}

static void set_flag(config *c, const char *flag, const char *value) {
    char name[64];
    snprintf(name, sizeof name, "--%s=%s", flag, value);
    char *argv[] = {"prog", name};
    args_ok(c, 2, argv, NULL);
}

static void test_get_int(void **state) {
    config *c = *state;
    ms_error err;
    long v = 0;
    assert_int_equal(config_get_int(c, "model_server.port", &v, &err), 0);
    assert_int_equal(v, 5500);
    set_flag(c, "port", "-42");
    assert_int_equal(config_get_int(c, "model_server.port", &v, &err), 0);
    assert_int_equal(v, -42);

    set_flag(c, "port", "80x");
    assert_int_equal(config_get_int(c, "model_server.port", &v, &err), -1);
    assert_string_equal(err.msg, "model_server.port (from --port): '80x' is "
                                 "not an integer");
    set_flag(c, "port", "");
    assert_int_equal(config_get_int(c, "model_server.port", &v, &err), -1);
    assert_string_equal(err.msg, "model_server.port (from --port): '' is "
                                 "not an integer");
    set_flag(c, "port", "99999999999999999999");
    assert_int_equal(config_get_int(c, "model_server.port", &v, &err), -1);
    assert_string_equal(err.msg, "model_server.port (from --port): "
                                 "'99999999999999999999' is out of range");
    assert_int_equal(v, -42); /* untouched on failure */

    config *fresh = config_new(options, NOPTIONS);
    load_text_ok(fresh, "\nmodel_server.port = eighty\n");
    assert_int_equal(config_get_int(fresh, "model_server.port", &v, &err),
                     -1);
    assert_non_null(strstr(err.msg, ":2): 'eighty' is not an integer"));
    config_free(fresh);
}

static void test_get_bool(void **state) {
    config *c = *state;
    ms_error err;
    bool b = true;
    assert_int_equal(config_get_bool(c, "verbose", &b, &err), 0);
    assert_false(b); /* an unset switch */
    static const char *const yes[] = {"true", "YES", "on", "1", "True"};
    static const char *const no[] = {"false", "no", "OFF", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        set_flag(c, "dry-run", yes[i]);
        assert_int_equal(config_get_bool(c, "dry_run", &b, &err), 0);
        assert_true(b);
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        set_flag(c, "dry-run", no[i]);
        assert_int_equal(config_get_bool(c, "dry_run", &b, &err), 0);
        assert_false(b);
    }
    set_flag(c, "dry-run", "maybe");
    assert_int_equal(config_get_bool(c, "dry_run", &b, &err), -1);
    assert_string_equal(err.msg, "dry_run (from --dry-run): 'maybe' is not a "
                                 "boolean (use true/false, yes/no, on/off or "
                                 "1/0)");
}

static void test_get_duration(void **state) {
    config *c = *state;
    ms_error err;
    int64_t ns = 0;
    assert_int_equal(config_get_duration(c, "publisher.interval", &ns, &err),
                     0);
    assert_int_equal(ns, INT64_C(1000000000));

    setenv("DATA_PUBLISH_INTERVAL", "5 minutes", 1);
    assert_int_equal(config_load_env(c, &err), 0);
    assert_int_equal(config_get_duration(c, "publisher.interval", &ns, &err),
                     0);
    assert_int_equal(ns, INT64_C(300000000000));

    setenv("DATA_PUBLISH_INTERVAL", "5 fortnights", 1);
    assert_int_equal(config_load_env(c, &err), 0);
    assert_int_equal(config_get_duration(c, "publisher.interval", &ns, &err),
                     -1);
    assert_string_equal(err.msg, "publisher.interval (from env "
                                 "DATA_PUBLISH_INTERVAL): duration '5 "
                                 "fortnights' has unknown unit 'fortnights' "
                                 "(use ns, us, ms, s, m, h or d)");
}

static void test_get_unset_or_undeclared(void **state) {
    config *c = *state;
    ms_error err;
    long v;
    assert_int_equal(config_get_int(c, "kafka.brokers", &v, &err), -1);
    assert_string_equal(err.msg, "kafka.brokers is not set (use --brokers, "
                                 "env KAFKA_BROKERS_LIST, or the config "
                                 "file)");
    assert_int_equal(config_get_int(c, "no.such.key", &v, &err), -1);
    assert_string_equal(err.msg, "no option has the key 'no.such.key'");

    static const config_option file_only[] = {
        {"a.b", NULL, NULL, 0, "N", NULL, "Only in the file."}};
    config *f = config_new(file_only, 1);
    assert_int_equal(config_get_int(f, "a.b", &v, &err), -1);
    assert_string_equal(err.msg, "a.b is not set (use the config file)");
    config_free(f);
}

static void test_help_lists_every_option(void **state) {
    config *c = *state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    config_print_help(c, out, "publisher [OPTIONS] [FILE]",
                      "Publishes wine records and models to Kafka, one "
                      "record per interval, for the model servers to "
                      "score.");
    fclose(out);
    if (getenv("MS_TEST_SHOW_HELP")) fputs(text, stderr);

    const char *head = "Usage: publisher [OPTIONS] [FILE]\n\n"
                       "Publishes wine records";
    assert_true(strncmp(text, head, strlen(head)) == 0);
    assert_non_null(strstr(text, "\n  -b, --brokers LIST        Kafka "
                                 "bootstrap servers"));
    assert_non_null(strstr(text, "\n  -h, --help                Show this "
                                 "help and exit.\n"));
    assert_non_null(strstr(text, "(env MODEL_SERVER_PORT, key "
                                 "model_server.port;"));
    assert_non_null(strstr(text, "default: 5500)"));
    assert_non_null(strstr(text, "\nSettings (config file or environment "
                                 "only):\n  grafana.host HOST"));
    assert_non_null(strstr(text, "(env GRAFANA_HOST;"));
    assert_non_null(strstr(text, "default: localhost)"));
    assert_non_null(strstr(text, "(default: 4)"));
    for (size_t i = 0; i < NOPTIONS; i++) {
        const config_option *o = &options[i];
        char want[128];
        if (o->flag) {
            snprintf(want, sizeof want, "--%s", o->flag);
            assert_non_null(strstr(text, want));
        }
        if (o->short_flag) {
            snprintf(want, sizeof want, "  -%c, ", o->short_flag);
            assert_non_null(strstr(text, want));
        }
        if (o->env) assert_non_null(strstr(text, o->env));
        assert_non_null(strstr(text, o->key));
    }
    /* Wrapped under 80 columns, continuation lines under the text column,
     * "env NAME" never split. */
    for (const char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        if (n >= 80) fail_msg("line too long: %.*s", (int)n, line);
        line += n + (line[n] == '\n');
    }
    assert_non_null(strstr(text, "\n                            (env "
                                 "DATA_PUBLISH_INTERVAL, key "
                                 "publisher.interval;\n"));
    assert_null(strchr(text, '\x1f'));
    free(text);
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_file_seed_style),
        T(test_file_nesting_any_depth),
        T(test_file_root_braces_and_quoting),
        T(test_file_optional_substitution),
        T(test_file_errors_name_the_line),
        T(test_nesting_limit),
        T(test_file_missing),
        T(test_precedence_in_every_order),
        T(test_env_variables),
        T(test_load_all),
        T(test_args_forms),
        T(test_args_errors),
        T(test_wants_help),
        T(test_get_int),
        T(test_get_bool),
        T(test_get_duration),
        T(test_get_unset_or_undeclared),
        T(test_help_lists_every_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
