# Install rules and the Debian package (CPack DEB).
#
#   cmake --install build --prefix /usr/local     bin/fti, share/doc/fti, share/fti/ci-examples
#   make package                                  build/fti_<version>_<arch>.deb
#
# The .deb is what ci-examples/scripts/install-fti.sh installs from
# $FTI_DEB_URL: `apt-get install ./fti.deb` pulls in the runtime libraries
# named in its Depends, then `fti --version` runs.
include(GNUInstallDirs)

# Installing and packaging take what is built: `make install` / `make package`
# at the top build first, and the package test (tests/package) must never
# start a build from inside ctest.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

install(TARGETS fti RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
# The whole directory: the hook finds its helpers in ../scripts.
install(DIRECTORY ci-examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/fti/ci-examples)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "fti")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "fti project")
set(FTI_PACKAGE_MAINTAINER "fti maintainers <maintainers@fti.dev>" CACHE STRING "Maintainer field of the .deb")
set(CPACK_PACKAGE_CONTACT "${FTI_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "fine-tuning integrity gate: drift policies and proof certificates")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "fti checks that a fine-tuned model checkpoint differs from its base only in the ways a YAML\n"
       "drift policy allows (frozen layers, Frobenius-norm bounds, low-rank updates, sparsity) and\n"
       "issues certificates: succinct hash-based proofs of that fact that an auditor verifies\n"
       "without the weights.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
# The debug information stays in the build; the package carries a stripped binary.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # fti_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://fti.dev")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")  # HTTPS downloads verify against the system store

# Depends: computed from the binary by dpkg-shlibdeps (dpkg-dev, which
# build-essential brings); without it, the bookworm runtime packages of the
# libraries fti links.
find_program(FTI_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(FTI_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6, libstdc++6, libgcc-s1, libcurl4, libssl3, libyaml-cpp0.7, libarchive13, libfmt9, libtbb12, libre2-9, libopenblas0")
endif()

include(CPack)
