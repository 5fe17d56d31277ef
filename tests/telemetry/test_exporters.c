/* test_exporters.c - the base URLs built from the seed's host and port
 * settings: names, addresses, URLs with a scheme, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "telemetry/exporters.h"

static void test_hosts(void **state) {
    (void)state;
    static const struct {
        const char *host;
        long port;
        const char *url;
    } cases[] = {
        {"influxdb", 8086, "http://influxdb:8086"},
        {"10.0.4.61", 18559, "http://10.0.4.61:18559"},
        {"http://influxdb.marathon.l4lb.thisdcos.directory", 8086,
         "http://influxdb.marathon.l4lb.thisdcos.directory:8086"},
        {"https://grafana.example.com/", 443, "https://grafana.example.com:443"},
        {"::1", 3000, "http://[::1]:3000"},
        {"[::1]", 3000, "http://[::1]:3000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char url[128];
        ms_error err = {{0}};
        assert_int_equal(exporters_url(cases[i].host, cases[i].port, url,
                                       sizeof url, &err), 0);
        assert_string_equal(url, cases[i].url);
    }
}

static void test_refused(void **state) {
    (void)state;
    char url[24];
    ms_error err = {{0}};
    assert_int_equal(exporters_url("h", 0, url, sizeof url, &err), -1);
    assert_string_equal(err.msg, "the port must be 1..65535, not 0");
    assert_int_equal(exporters_url("h", 65536, url, sizeof url, &err), -1);
    assert_int_equal(exporters_url("/", 80, url, sizeof url, &err), -1);
    assert_string_equal(err.msg, "the host is empty");
    assert_int_equal(exporters_url("a-much-longer-host-name", 80, url,
                                   sizeof url, &err), -1);
    assert_string_equal(err.msg,
                        "the host 'a-much-longer-host-name' is too long");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
