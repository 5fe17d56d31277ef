/*
 * record.h - one record to score: its data type and its feature vector in
 * the slot order of that type's schema (core/schema.h). NaN marks a missing
 * value. Records are plain values, decoded once from the wire and never
 * allocated per record.
 */
#ifndef MS_CORE_RECORD_H
#define MS_CORE_RECORD_H

#include <stddef.h>

#define RECORD_MAX_FEATURES 128
#define RECORD_MAX_DATA_TYPE 64

typedef struct record {
    char data_type[RECORD_MAX_DATA_TYPE];
    size_t nfeatures;
    double features[RECORD_MAX_FEATURES];
} record;

#endif
