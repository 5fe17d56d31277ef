/*
 * wire.c - protobuf-c encoding and validated decoding of the topic messages
 * (see wire.h). Encoders write into caller buffers so the scoring path does
 * not allocate per record; the two messages of every record have their own
 * hand-written codecs (wine_decode.c, result_encode.c).
 */
#include "wire/wire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/schema.h"
#include "modelserving.pb-c.h"

int wire_decode_model(const void *buf, size_t len, wire_model *out,
                      ms_error *err) {
    memset(out, 0, sizeof *out);
    Modelserving__ModelDescriptor *msg =
        modelserving__model_descriptor__unpack(NULL, len, buf);
    if (!msg)
        return ms_error_set(err, "model message of %zu bytes is not a valid "
                                 "ModelDescriptor protobuf", len);
    if (!msg->name[0] || !msg->datatype[0]) {
        const char *missing = msg->name[0] ? "dataType" : "name";
        modelserving__model_descriptor__free_unpacked(msg, NULL);
        return ms_error_set(err, "model message has no %s", missing);
    }
    if ((unsigned)msg->modeltype >= MODEL_TYPE_COUNT) {
        int t = (int)msg->modeltype;
        modelserving__model_descriptor__free_unpacked(msg, NULL);
        return ms_error_set(err, "model message has unknown model type %d", t);
    }
    out->name = msg->name;
    out->description = msg->description;
    out->data_type = msg->datatype;
    out->type = (model_type)msg->modeltype;
    switch (msg->message_content_case) {
    case MODELSERVING__MODEL_DESCRIPTOR__MESSAGE_CONTENT_DATA:
        if (msg->data.len == 0) {
            modelserving__model_descriptor__free_unpacked(msg, NULL);
            memset(out, 0, sizeof *out);
            return ms_error_set(err, "model message carries an empty model "
                                     "(0 bytes of data)");
        }
        out->data = msg->data.data;
        out->data_len = msg->data.len;
        break;
    case MODELSERVING__MODEL_DESCRIPTOR__MESSAGE_CONTENT_LOCATION:
        out->location = msg->location;
        break;
    default:
        modelserving__model_descriptor__free_unpacked(msg, NULL);
        memset(out, 0, sizeof *out);
        return ms_error_set(err, "model message carries neither data nor "
                                 "location");
    }
    if (msg->n_parameters) {
        out->params = calloc(msg->n_parameters, sizeof *out->params);
        if (!out->params) {
            modelserving__model_descriptor__free_unpacked(msg, NULL);
            memset(out, 0, sizeof *out);
            return ms_error_set(err, "out of memory decoding a model message");
        }
        for (size_t i = 0; i < msg->n_parameters; i++)
            out->params[i] = (model_param){msg->parameters[i]->key,
                                           msg->parameters[i]->value};
        out->nparams = msg->n_parameters;
    }
    out->message_ = msg;
    return 0;
}

void wire_model_release(wire_model *m) {
    free(m->params);
    if (m->message_)
        modelserving__model_descriptor__free_unpacked(m->message_, NULL);
    memset(m, 0, sizeof *m);
}

int wire_encode_model(const char *name, const char *description,
                      const char *data_type, model_type type,
                      const void *data, size_t data_len, const char *location,
                      uint8_t **out, size_t *out_len) {
    Modelserving__ModelDescriptor msg = MODELSERVING__MODEL_DESCRIPTOR__INIT;
    msg.name = (char *)name;
    msg.description = (char *)(description ? description : "");
    msg.datatype = (char *)data_type;
    msg.modeltype = (Modelserving__ModelDescriptor__ModelType)type;
    if (location) {
        msg.message_content_case =
            MODELSERVING__MODEL_DESCRIPTOR__MESSAGE_CONTENT_LOCATION;
        msg.location = (char *)location;
    } else {
        msg.message_content_case =
            MODELSERVING__MODEL_DESCRIPTOR__MESSAGE_CONTENT_DATA;
        msg.data.data = (uint8_t *)data;
        msg.data.len = data_len;
    }
    size_t len = modelserving__model_descriptor__get_packed_size(&msg);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return -1;
    modelserving__model_descriptor__pack(&msg, buf);
    *out = buf;
    *out_len = len;
    return 0;
}

int wire_infinite_feature(const char *name, ms_error *err) {
    return ms_error_set(err, "feature '%s' is infinite; send a finite number, "
                             "or NaN for a missing value", name);
}

size_t wire_encode_wine(const double f[11], const char *data_type,
                        uint8_t *buf, size_t cap) {
    Modelserving__WineRecord msg = MODELSERVING__WINE_RECORD__INIT;
    msg.fixed_acidity = f[0];
    msg.volatile_acidity = f[1];
    msg.citric_acid = f[2];
    msg.residual_sugar = f[3];
    msg.chlorides = f[4];
    msg.free_sulfur_dioxide = f[5];
    msg.total_sulfur_dioxide = f[6];
    msg.density = f[7];
    msg.ph = f[8];
    msg.sulphates = f[9];
    msg.alcohol = f[10];
    msg.datatype = (char *)data_type;
    size_t len = modelserving__wine_record__get_packed_size(&msg);
    if (len > cap) return 0;
    return modelserving__wine_record__pack(&msg, buf);
}

Modelserving__ServingResult *wire_decode_result(const void *buf, size_t len) {
    return modelserving__serving_result__unpack(NULL, len, buf);
}

void wire_result_message_free(Modelserving__ServingResult *msg) {
    if (msg) modelserving__serving_result__free_unpacked(msg, NULL);
}
