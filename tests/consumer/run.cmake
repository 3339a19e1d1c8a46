# tests/consumer/run.cmake - the consumer_* ctest tests (registered in tests/CMakeLists.txt).
#
# -DMODE=install -DBUILD_DIR=<staticgrad build> -DSTATICGRAD_PREFIX=<prefix> [-DCONFIG=<cfg>]
#     Installs the staticgrad build into an empty prefix (what `cmake --install` gives a user).
# -DWORK_DIR=<scratch> -DSOURCE_DIR=<tests/consumer> -DGENERATOR=... -DCXX_COMPILER=... [-DCONFIG=...]
#  [-DMAKE_PROGRAM=...] [-DCXX_FLAGS=...] [-DEXPECT_OUTPUT=<text>] [-DCONFIGURE_ONLY=ON]
#  and either -DSTATICGRAD_PREFIX=<prefix> (find_package) or -DSTATICGRAD_SOURCE_DIR=<checkout> (add_subdirectory)
#     Configures, builds and installs tests/consumer/ (from scratch for the package; incrementally for
#     add_subdirectory, which compiles the library again), then runs the program from the build
#     tree and from the install tree (whose RUNPATH must still find the BLAS staticgrad was built with);
#     each run must exit 0 and, when EXPECT_OUTPUT is given, print it. CONFIGURE_ONLY stops after the
#     configure and generate step.
cmake_minimum_required(VERSION 3.25)

function(run)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "consumer: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "consumer: failed (${status}): ${shown}\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE "${STATICGRAD_PREFIX}")
  run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" ${config_args} --prefix "${STATICGRAD_PREFIX}")
  if(NOT EXISTS "${STATICGRAD_PREFIX}/include/staticgrad/core/gemm.hpp")
    message(FATAL_ERROR "consumer: the install has no include/staticgrad/core/gemm.hpp")
  endif()
  return()
endif()

set(build "${WORK_DIR}/build")
set(install "${WORK_DIR}/install")
if(STATICGRAD_SOURCE_DIR)
  # Incremental: this build compiles the whole library, and CMake re-runs itself when sources change.
  file(REMOVE_RECURSE "${install}")
else()
  # From scratch: it must find the package just installed, not a cached earlier one.
  file(REMOVE_RECURSE "${WORK_DIR}")
endif()

set(configure "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${build}" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
if(MAKE_PROGRAM)
  list(APPEND configure "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CONFIG)
  list(APPEND configure "-DCMAKE_BUILD_TYPE=${CONFIG}")
endif()
if(CXX_FLAGS)
  list(APPEND configure "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CXX_FLAGS}")
endif()
if(STATICGRAD_SOURCE_DIR)
  list(APPEND configure "-DSTATICGRAD_SOURCE_DIR=${STATICGRAD_SOURCE_DIR}")
else()
  # The prefix under test comes first in the search; no package registry.
  list(APPEND configure "-DCMAKE_PREFIX_PATH=${STATICGRAD_PREFIX}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
endif()
run(${configure})
if(CONFIGURE_ONLY)
  message(STATUS "consumer: configured and generated (CONFIGURE_ONLY: not built)")
  return()
endif()

cmake_host_system_information(RESULT cores QUERY NUMBER_OF_LOGICAL_CORES)
run("${CMAKE_COMMAND}" --build "${build}" ${config_args} --parallel ${cores})
run("${CMAKE_COMMAND}" --install "${build}" ${config_args} --prefix "${install}")

foreach(program "${build}/consumer" "${install}/bin/consumer")
  run("${program}")
  message(STATUS "${run_output}")
  if(EXPECT_OUTPUT AND NOT run_output MATCHES "${EXPECT_OUTPUT}")
    message(FATAL_ERROR "consumer: ${program} did not print '${EXPECT_OUTPUT}'")
  endif()
endforeach()
