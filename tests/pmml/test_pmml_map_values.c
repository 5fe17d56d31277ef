/*
 * test_pmml_map_values.c - MapValues over several FieldColumnPairs: an
 * InlineTable row matches when every input field equals its column (the
 * cells may come in any order within the row), else defaultValue; any
 * missing input gives mapMissingTo.
 *
 * Expected values are read off the table by hand, as PMML 4.4 defines
 * the lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN

/* (a, b) -> out: (1, 1) 11, (1, 2) 12, (2, 1) 21, (2, 2) 22. */
#define TABLE(ROWS)                                                        \
    DERIVE("<MapValues outputColumn=\"out\" defaultValue=\"-1\" "          \
           "mapMissingTo=\"-2\"><FieldColumnPair field=\"a\" "             \
           "column=\"x\"/><FieldColumnPair field=\"b\" column=\"y\"/>"     \
           "<InlineTable>"                                                 \
           "<row><x>1</x><y>1</y><out>11</out></row>"                      \
           "<row><x>1</x><y>2</y><out>12</out></row>"                      \
           "<row><out>21</out><y>1</y><x>2</x></row>" ROWS                 \
           "</InlineTable></MapValues>")

static void test_lookup(void **state) {
    (void)state;
    static const char doc[] =
        TABLE("<row><y>2</y><x>2</x><out>22</out></row>");
    assert_float_equal(derived(doc, 1, 1, 0), 11, 0);
    assert_float_equal(derived(doc, 1, 2, 0), 12, 0);
    assert_float_equal(derived(doc, 2, 1, 0), 21, 0);   /* not (1, 2) */
    assert_float_equal(derived(doc, 2, 2, 0), 22, 0);
    /* a=1 matches two rows' x, but b=3 no row's y: defaultValue. */
    assert_float_equal(derived(doc, 1, 3, 0), -1, 0);
    assert_float_equal(derived(doc, 3, 1, 0), -1, 0);
    /* Either input missing: mapMissingTo. */
    assert_float_equal(derived(doc, U, 1, 0), -2, 0);
    assert_float_equal(derived(doc, 1, U, 0), -2, 0);
}

static void test_row_without_a_column(void **state) {
    (void)state;
    static const char doc[] = TABLE("<row><x>2</x><out>22</out></row>");
    expect_rejected_at(doc, "<MapValues",
                       "InlineTable row has no 'y' column");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_row_without_a_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
