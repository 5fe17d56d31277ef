/*
 * csv.h - a small reader for the wine data and similar numeric CSV files:
 *
 *   7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5
 *
 * Records are lines (a quoted field cannot span lines). Fields may be quoted
 * with '"', a doubled quote inside standing for one. Lines are split in
 * place, so fields point into the caller's line and nothing is allocated.
 */
#ifndef MS_UTIL_CSV_H
#define MS_UTIL_CSV_H

#include <stdio.h>

#include "core/error.h"

/* Splits line in place at sep, outside quotes, after dropping a trailing
 * "\r\n" or "\n". Quoted fields lose their quotes and "" becomes ". An empty
 * line is one empty field. Returns the number of fields, or -1 when the line
 * has more than max_fields. An unclosed quote runs to the end of the line. */
int csv_split(char *line, char sep, char **fields, int max_fields);

/* The separator that occurs most often outside quotes: ';', ',' or '\t'
 * (on a tie the first of them in that order; ',' when none occurs). */
char csv_detect_separator(const char *line);

/* Splits line in place and converts every field to a double into values,
 * setting *count. Empty and "NA" fields become NaN. Returns 0, or -1 with a
 * sentence naming the 1-based column when a field is not a finite number in
 * full (surrounding blanks allowed) or the line has more than max_values
 * fields. Numbers use '.' as the decimal point (the C locale). */
int csv_parse_doubles(char *line, char sep, double *values, int max_values,
                      int *count, ms_error *err);

/* Reads a stream line by line, any line length, skipping blank lines. */
typedef struct csv_reader {
    FILE *in;
    char *buf;    /* getline's buffer, reused from line to line */
    size_t cap;
    long line_no; /* 1-based number of the line last returned */
} csv_reader;

void csv_reader_init(csv_reader *r, FILE *in);

/* Sets *line to the next non-blank line (without its line ending; valid
 * until the next call, and the caller may split it in place) and *line_no to
 * its 1-based number in the stream. Returns 1 for a line, 0 at the end of
 * input, -1 with a sentence in err when reading fails. */
int csv_reader_next(csv_reader *r, char **line, long *line_no, ms_error *err);

/* Frees the line buffer; does not close the stream. */
void csv_reader_free(csv_reader *r);

/* Reads every row of a numeric CSV file whose first ncols fields are
 * numbers into a malloc'd row-major matrix of *nrows x ncols doubles (the
 * caller frees it). Rows that do not parse or are too short are skipped, so
 * a header line is skipped too. NULL with err filled when the file cannot
 * be read or has no such row. For benchmarks and tools. */
double *csv_read_matrix(const char *path, int ncols, size_t *nrows,
                        ms_error *err);

#endif
