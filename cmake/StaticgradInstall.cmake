# StaticgradInstall.cmake - `cmake --install` puts the headers, the library and a CMake package in a prefix,
# so that another project can write
#
#   find_package(staticgrad CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE staticgrad::staticgrad)
#
# Layout (GNUInstallDirs): <prefix>/include/staticgrad/..., <prefix>/lib/libstaticgrad.a (or .so),
# <prefix>/lib/cmake/staticgrad/{staticgradConfig,staticgradConfigVersion,staticgradTargets}.cmake.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(STATICGRAD_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/staticgrad"
  CACHE STRING "Where the staticgrad CMake package files are installed, relative to the prefix")
mark_as_advanced(STATICGRAD_INSTALL_CMAKEDIR)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/staticgrad"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")

set(_staticgrad_install_targets staticgrad)
if(TARGET staticgrad_blas)
  list(APPEND _staticgrad_install_targets staticgrad_blas)
endif()
install(TARGETS ${_staticgrad_install_targets}
  EXPORT staticgradTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT staticgradTargets
  NAMESPACE staticgrad::
  DESTINATION "${STATICGRAD_INSTALL_CMAKEDIR}")

# Values the package config needs to find the same dependencies again.
set(STATICGRAD_CONFIG_CBLAS_LIBRARY "")
if(TARGET staticgrad_blas)
  set(STATICGRAD_CONFIG_CBLAS_LIBRARY "${STATICGRAD_CBLAS_LIBRARY}")
endif()
configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/staticgradConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/staticgradConfig.cmake"
  INSTALL_DESTINATION "${STATICGRAD_INSTALL_CMAKEDIR}")
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/staticgradConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/staticgradConfig.cmake"
  "${PROJECT_BINARY_DIR}/staticgradConfigVersion.cmake"
  DESTINATION "${STATICGRAD_INSTALL_CMAKEDIR}")
