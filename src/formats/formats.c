/* formats.c - registers every compiled-in model format (see formats.h). */
#include "formats/formats.h"

#include "core/model.h"
#include "pmml/pmml.h"

void formats_register_all(void) {
    model_register(MODEL_TYPE_PMML, pmml_load);
}
