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
    int wine = wire_decode_wine(data, size, &rec, &err);
    if (wine == 0 && (rec.nfeatures != 11 || !rec.data_type[0]))
        __builtin_trap();
    /* The hand-written WineRecord decoder against protobuf-c's (see
     * wine_decode.c): what both accept decodes to the same record, and it
     * refuses nothing protobuf-c accepts but a NUL inside dataType, a
     * field number 0 and an infinite feature. */
    Modelserving__WineRecord *pb = modelserving__wine_record__unpack(NULL, size, data);
    size_t type_len = pb ? strlen(pb->datatype) : 0;
    int pb_ok = pb && type_len > 0 && type_len < RECORD_MAX_DATA_TYPE;
    if (wine == 0 && pb_ok) {
        const double want[11] = {pb->fixed_acidity, pb->volatile_acidity,
                                 pb->citric_acid, pb->residual_sugar,
                                 pb->chlorides, pb->free_sulfur_dioxide,
                                 pb->total_sulfur_dioxide, pb->density, pb->ph,
                                 pb->sulphates, pb->alcohol};
        if (strcmp(rec.data_type, pb->datatype) != 0 ||
            memcmp(rec.features, want, sizeof want) != 0)
            __builtin_trap();
    }
    if (wine != 0 && pb_ok && !strstr(err.msg, "NUL") && !strstr(err.msg, "number 0") &&
        !strstr(err.msg, "infinite"))
        __builtin_trap();
    if (pb) modelserving__wine_record__free_unpacked(pb, NULL);

    err.msg[0] = 0;
    int decoded = wire_decode_record(data, size, &rec, &err);
    if (decoded == 0 && !rec.data_type[0]) __builtin_trap();
    if (decoded != 0 && !err.msg[0]) __builtin_trap(); /* every reject has a reason */

    err.msg[0] = 0;

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
