# embed.cmake - files compiled into the library, so that the repository
# keeps one copy of them (the Grafana dashboard the server posts is the
# file users provision from).
#
# Included, it defines ms_embed(TARGET SYMBOL FILE): a build step that
# writes gen/embed_SYMBOL.c, defining
#   const unsigned char SYMBOL[];   the bytes of FILE and a NUL
#   const size_t SYMBOL_len;        the count of bytes, NUL excluded
# and adds it to TARGET; it is rewritten whenever FILE changes.
# Run with -P (as that step does), it writes one such file.
if(CMAKE_SCRIPT_MODE_FILE)
  file(READ ${IN} hex HEX)
  string(LENGTH "${hex}" digits)
  math(EXPR len "${digits} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  file(WRITE ${OUT}
    "/* Generated from ${IN} by cmake/embed.cmake; do not edit. */\n"
    "#include <stddef.h>\n"
    "const unsigned char ${NAME}[] = {${bytes}0x00};\n"
    "const size_t ${NAME}_len = ${len};\n")
  return()
endif()

function(ms_embed target symbol file)
  set(out ${CMAKE_BINARY_DIR}/gen/embed_${symbol}.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DNAME=${symbol}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${file} ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "embedding ${file}")
  target_sources(${target} PRIVATE ${out})
endfunction()
