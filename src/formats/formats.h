/*
 * formats.h - the one place that knows every model format compiled in.
 *
 * core/ stays free of format headers; programs and tests call
 * formats_register_all() once at start to plug each format's loader into the
 * model registry.
 */
#ifndef MS_FORMATS_H
#define MS_FORMATS_H

void formats_register_all(void);

#endif
