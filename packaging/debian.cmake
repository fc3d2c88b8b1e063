# CPack: the Debian packages `keyward` (component runtime) and
# `libkeyward-dev` (component dev), each with a -dbgsym package holding the
# debug symbols stripped from its binaries. scripts/package.sh runs it.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME keyward)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "keyward maintainers")
set(CPACK_PACKAGE_CONTACT
    "keyward maintainers <maintainers@users.noreply.r-seed-114b0d61.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
# Not CPACK_STRIP_FILES: CPack's debuginfo step needs the unstripped CLI; it
# moves the symbols into keyward-dbgsym and strips the packaged binary.
set(CPACK_STRIP_FILES OFF)
# libkeyward.a loses its debug sections (as dh_strip does for static libraries).
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/strip-archives.cmake)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME keyward)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_RUNTIME_DEBUGINFO_PACKAGE ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst ${CMAKE_CURRENT_SOURCE_DIR}/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postrm ${CMAKE_CURRENT_SOURCE_DIR}/debian/conffiles)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
"secret management CLI and daemons for AWS Secrets Manager
keyward implements the interim secret management architecture: AWS Secrets
Manager as the only store, a Git-tracked secrets-inventory.yaml, one Secret
Config Module per application and Vault-compatible secret names.
.
This package contains the keyward command (populate, rotate, read and audit
secrets; lint the inventory; generate IAM policies and ESO manifests), the
keyward server (a local Secrets Manager-compatible endpoint) and keyward
agent daemons with hardened systemd units, man pages and completions.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libkeyward-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# The static library needs its dependencies' development files to link.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libssl-dev, libcurl4-openssl-dev | libcurl-dev, libyaml-cpp-dev, libsqlite3-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION
"Secret Config Module for C++ applications (development files)
keyward's C++20 library: declare the secrets an application needs, load
them from AWS Secrets Manager at start-up, read them from a cache that a
background thread keeps current, and fail with one clear error. It also
contains a complete Secrets Manager client and the AWS credential chain for
on-premises servers.
.
This package contains the headers, the static library, a CMake package
(find_package(keyward) gives keyward::keyward) and a pkg-config file.")

include(CPack)
