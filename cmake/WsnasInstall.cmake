# cmake --install: the apps to <prefix>/bin; the library modules (static) to <prefix>/lib with their
# headers under <prefix>/include/wsnas/<module>/ (both in wsnas_add_module); an exported CMake
# package (<prefix>/lib/cmake/wsnas: wsnasConfig.cmake, wsnasConfigVersion.cmake, wsnas:: targets);
# configs, study files, data, the plotting script and the Slurm scripts under <prefix>/share/wsnas,
# where the installed apps find them (lib/core/include/wsnas/core/share.h). cpack -G DEB packs the
# same tree. docs/install.md.
include(CMakePackageConfigHelpers)

set(WSNAS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/wsnas)
set(WSNAS_INSTALL_SHAREDIR ${CMAKE_INSTALL_DATADIR}/wsnas)

# The two wrappers of external dependencies travel with the package (their paths are the ones this
# build found; the config finds the packages they name again).
set_target_properties(wsnas_torch PROPERTIES EXPORT_NAME torch_dependency)
set_target_properties(wsnas_hdf5 PROPERTIES EXPORT_NAME hdf5_dependency)
install(TARGETS wsnas_torch wsnas_hdf5 EXPORT wsnasTargets)
install(EXPORT wsnasTargets NAMESPACE wsnas:: DESTINATION ${WSNAS_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wsnasConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wsnasConfig.cmake
  INSTALL_DESTINATION ${WSNAS_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_BINDIR WSNAS_INSTALL_SHAREDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wsnasConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wsnasConfig.cmake ${PROJECT_BINARY_DIR}/wsnasConfigVersion.cmake
  DESTINATION ${WSNAS_INSTALL_CMAKEDIR})

# data/: only what the repository ships (data/README.md); datasets users download into the default
# --data-dir (data/<dataset>, .gitignore) stay out of installations and packages.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs DESTINATION ${WSNAS_INSTALL_SHAREDIR})
install(FILES ${PROJECT_SOURCE_DIR}/data/README.md DESTINATION ${WSNAS_INSTALL_SHAREDIR}/data)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/LICENSES ${PROJECT_SOURCE_DIR}/data/nb201
  ${PROJECT_SOURCE_DIR}/data/proxylessnas ${PROJECT_SOURCE_DIR}/data/supernet-help
  DESTINATION ${WSNAS_INSTALL_SHAREDIR}/data)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/analysis/plot.py DESTINATION ${WSNAS_INSTALL_SHAREDIR}/analysis)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/slurm DESTINATION ${WSNAS_INSTALL_SHAREDIR}
  USE_SOURCE_PERMISSIONS)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/wsnas-mpirun DESTINATION ${CMAKE_INSTALL_BINDIR})
# One-time converters of official releases into formats the apps read (docs/paper.md, "Data").
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/imagenet16-convert.py
  ${PROJECT_SOURCE_DIR}/scripts/nats-bench-table.py DESTINATION ${WSNAS_INSTALL_SHAREDIR}/scripts)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs DESTINATION ${CMAKE_INSTALL_DOCDIR})  # README's links
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/downstream DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# ---- a Debian package: cpack -G DEB (in the build folder) --------------------------------------
set(CPACK_PACKAGE_NAME wsnas)
set(CPACK_PACKAGE_VENDOR "wsnas")
set(CPACK_PACKAGE_CONTACT "wsnas developers <wsnas@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Weight sharing in neural architecture search: supernets, ground truth and ranking studies")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)  # the apps without their debug information: a package, not a build
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# The shared libraries the apps link, as Debian packages (dpkg-shlibdeps), and what they run.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "openmpi-bin, python3-h5py, python3-matplotlib, python3-numpy")
# The package for building against wsnas (headers, static libraries, CMake package) needs the
# -dev packages; they are recommended, not required, for running the apps.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
  "libtorch-dev, libopenmpi-dev, libhdf5-dev, libboost-program-options-dev, zlib1g-dev, libjpeg62-turbo-dev, libssl-dev, libprotobuf-dev, nlohmann-json3-dev, cmake")
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_GENERATOR DEB)
include(CPack)
