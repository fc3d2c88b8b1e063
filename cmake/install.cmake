# Install rules (cmake --install, and CPack's Debian packages in packaging/).
# Two components, one per Debian package:
#   runtime -> keyward         the CLI (+ man pages, completions, systemd units)
#   dev     -> libkeyward-dev  public headers, the library, CMake + pkg-config files
include(CMakePackageConfigHelpers)

set(KEYWARD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/keyward)

if(KEYWARD_BUILD_CLI)
  install(TARGETS keyward_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          COMPONENT runtime)
endif()

# The public headers, except the daemons' (their code is not in the library).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/keyward
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
        FILES_MATCHING PATTERN "*.h"
        PATTERN "server" EXCLUDE PATTERN "agent" EXCLUDE)

install(TARGETS keyward EXPORT keywardTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
                NAMELINK_COMPONENT dev
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT keywardTargets NAMESPACE keyward::
        DESTINATION ${KEYWARD_CMAKE_DIR} COMPONENT dev)

set(KEYWARD_STATIC ON)
if(BUILD_SHARED_LIBS)
  set(KEYWARD_STATIC OFF)
endif()
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/keywardConfig.cmake.in
  ${PROJECT_BINARY_DIR}/keywardConfig.cmake
  INSTALL_DESTINATION ${KEYWARD_CMAKE_DIR})
# 0.x: a minor release may break the API.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/keywardConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/keywardConfig.cmake
              ${PROJECT_BINARY_DIR}/keywardConfigVersion.cmake
        DESTINATION ${KEYWARD_CMAKE_DIR} COMPONENT dev)

# keyward.pc, relocatable: prefix is found from the .pc file's own location.
set(KEYWARD_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH KEYWARD_PC_TO_PREFIX
     ${CMAKE_INSTALL_PREFIX}/${KEYWARD_PC_DIR} ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" KEYWARD_PC_TO_PREFIX "${KEYWARD_PC_TO_PREFIX}")
set(KEYWARD_PC_DEPS "libcurl openssl yaml-cpp sqlite3")
if(KEYWARD_STATIC)
  # A static library: its dependencies are needed by every consumer's link.
  set(KEYWARD_PC_REQUIRES "Requires: ${KEYWARD_PC_DEPS}")
  set(KEYWARD_PC_LIBS_PRIVATE "")
  set(KEYWARD_PC_THREADS "-pthread")
else()
  set(KEYWARD_PC_REQUIRES "Requires.private: ${KEYWARD_PC_DEPS}")
  set(KEYWARD_PC_THREADS "")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/keyward.pc.in
               ${PROJECT_BINARY_DIR}/keyward.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/keyward.pc DESTINATION ${KEYWARD_PC_DIR}
        COMPONENT dev)

# Man pages, completions, systemd units and the Debian packages.
if(KEYWARD_BUILD_CLI)
  add_subdirectory(${PROJECT_SOURCE_DIR}/packaging ${PROJECT_BINARY_DIR}/packaging)
endif()
