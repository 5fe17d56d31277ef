/*
 * fuzz_wire_decode.c - libFuzzer target for the topic message decoders:
 * WineRecord, the generic Record and JSON records, ModelDescriptor and
 * ServingResult. Any input must either decode into a valid value or be
 * rejected with a reason; never crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modelserving.pb-c.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    record rec;
    ms_error err = {{0}};
    if (wire_decode_wine(data, size, &rec, &err) == 0 &&
        (rec.nfeatures != 11 || !rec.data_type[0]))
        __builtin_trap();

    /* A record decodes with a data type, or is rejected with a reason. */
    err.msg[0] = '\0';
    if (wire_decode_record(data, size, &rec, &err) == 0 ? !rec.data_type[0]
                                                        : !err.msg[0])
        __builtin_trap();
    err.msg[0] = '\0';

    wire_model m;
    if (wire_decode_model(data, size, &m, &err) == 0) {
        if (!m.name[0] || !m.data_type[0] || (!m.data && !m.location && m.data_len))
            __builtin_trap();
        wire_model_release(&m);
    } else if (!err.msg[0]) {
        __builtin_trap(); /* every reject has a reason */
    }
    wire_result_message_free(wire_decode_result(data, size));
    return 0;
}
