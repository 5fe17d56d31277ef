# Install rules and the Debian package (CPack DEB) of the three programs:
# binaries, man pages (gzipped at build time, as Debian wants), the default
# configuration and the systemd unit.
#
# Every path is decided at install time from the prefix in force then, so
# one build serves `cmake --install build --prefix /usr/local` and cpack
# (which installs with prefix /usr into a DESTDIR) without reconfiguring:
# cmake/install_service.cmake puts the configuration in /etc for the
# prefixes /usr and /, in PREFIX/etc otherwise, and writes the unit file
# with the paths the files land at.
include(GNUInstallDirs)

set(MS_VERSION 0.1.0)

install(TARGETS modelserver publisher modelscore
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

file(GLOB MAN_PAGES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/man/*.1)
set(MAN_GZ)
foreach(page ${MAN_PAGES})
  get_filename_component(name ${page} NAME)
  add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/man/${name}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND gzip -9nc ${page} > ${CMAKE_BINARY_DIR}/man/${name}.gz
    DEPENDS ${page}
    COMMENT "gzip ${name}")
  list(APPEND MAN_GZ ${CMAKE_BINARY_DIR}/man/${name}.gz)
endforeach()
add_custom_target(manpages ALL DEPENDS ${MAN_GZ})
install(FILES ${MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(CODE "set(MS_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
              set(MS_BINARY_DIR \"${CMAKE_BINARY_DIR}\")
              set(MS_BINDIR_REL \"${CMAKE_INSTALL_BINDIR}\")")
install(SCRIPT ${CMAKE_SOURCE_DIR}/cmake/install_service.cmake)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME modelserver)
set(CPACK_PACKAGE_VERSION ${MS_VERSION})
set(CPACK_PACKAGE_CONTACT "modelserver maintainers <modelserver@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "streaming model server: Kafka records scored with PMML and TensorFlow models")
set(CPACK_PACKAGE_DESCRIPTION
    "Reads records and model updates from Kafka, scores every record with the current model of its data type, swaps models live, publishes a result per record and serves its state and Prometheus metrics over HTTP. Includes the publisher (data and model loader) and modelscore (offline scoring).")
# packaging/conffiles names /etc: the package is always for /usr.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)   # the debug info stays in build/
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# The shared libraries' packages come from dpkg-shlibdeps (librdkafka1,
# libprotobuf-c1, libxml2, libmicrohttpd12, libjansson4, liburcu8,
# libcurl4, libarchive13, libc6); adduser is what postinst calls.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/packaging/conffiles;${CMAKE_SOURCE_DIR}/packaging/postinst;${CMAKE_SOURCE_DIR}/packaging/prerm;${CMAKE_SOURCE_DIR}/packaging/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
