# Runs at install time (cmake --install, make install, cpack), after
# cmake/packaging.cmake set MS_SOURCE_DIR, MS_BINARY_DIR and MS_BINDIR_REL:
# installs the configuration, its environment file and the systemd unit.
# The configuration goes to /etc for the prefixes /usr and / (the FHS
# places), to PREFIX/etc otherwise; the unit names the binary and the files
# where they land, so it is right for whatever prefix is in force now.
if(CMAKE_INSTALL_PREFIX MATCHES "^/(usr/?)?$")
  set(MS_SYSCONFDIR /etc)
else()
  set(MS_SYSCONFDIR "${CMAKE_INSTALL_PREFIX}/etc")
endif()
string(REGEX REPLACE "/$" "" prefix "${CMAKE_INSTALL_PREFIX}")
set(MS_BINDIR "${prefix}/${MS_BINDIR_REL}")

set(unit_dir "${MS_BINARY_DIR}/packaging")
configure_file("${MS_SOURCE_DIR}/packaging/modelserver.service.in"
               "${unit_dir}/modelserver.service" @ONLY)
file(INSTALL "${unit_dir}/modelserver.service"
     DESTINATION "${prefix}/lib/systemd/system")
file(INSTALL "${MS_SOURCE_DIR}/packaging/modelserver.conf"
     DESTINATION "${MS_SYSCONFDIR}/modelserver")
file(INSTALL "${MS_SOURCE_DIR}/packaging/modelserver.default"
     DESTINATION "${MS_SYSCONFDIR}/default" RENAME modelserver)
