# StaticgradDependencies.cmake - find what staticgrad builds against, and say how to get what is missing.
#
# Targets it provides (all required unless stated):
#   Boost::headers        Boost.Hana (the heterogeneous node and parameter lists)   Debian: libboost-dev
#   fmt::fmt              formatting of messages and reports                         Debian: libfmt-dev
#   OpenMP::OpenMP_CXX    parallel kernels                                           Debian: g++ (libgomp)
#   ZLIB::ZLIB            reading the gzip-compressed IDX data sets                  Debian: zlib1g-dev
#   PNG::PNG              PNG contact sheets written by the data and eval code       Debian: libpng-dev
#   Boost::unit_test_framework  only when STATICGRAD_BUILD_TESTS is ON              Debian: libboost-test-dev
#   staticgrad_blas       an INTERFACE target carrying the CBLAS (optional)          Debian: libopenblas-openmp-dev
#   onnx_proto            the ONNX protobuf schema, for sg::io::save_onnx (optional) Debian: libonnx-dev
#   LIBXSMM               generated kernels for small products, sg::small_gemm (optional) Debian: libxsmm-dev
#
# and the function staticgrad_link_blas(<target>), which links the CBLAS into <target> and adds the PUBLIC
# definitions STATICGRAD_HAVE_CBLAS=1 (and STATICGRAD_OPENBLAS=1 for OpenBLAS). Without a CBLAS (or with
# -DSTATICGRAD_USE_BLAS=OFF) it does nothing and the portable OpenMP GEMM in src/core/gemm.cpp is used.
#
# and the option STATICGRAD_WITH_ONNX (default: ON when ONNX's CMake package and protobuf are found) with
# the function staticgrad_link_onnx(<target>), which compiles <target> with the PRIVATE definition
# STATICGRAD_HAVE_ONNX=1 and links the ONNX protobuf classes privately (src/io/onnx.cpp is the only user;
# the public header io/onnx.hpp never includes protobuf). Without ONNX, sg::io::save_onnx throws an
# sg::error saying that the library was built without ONNX, and everything else builds as before.
#
# Which OpenBLAS runs: Debian installs OpenBLAS in a pthreads and an OpenMP build side by side and lets
# update-alternatives pick the one behind /usr/lib/x86_64-linux-gnu/libopenblas.so.0 (libtorch-dev, for
# one, pulls the pthreads build). staticgrad's kernels use OpenMP, and two thread pools on one machine
# fight over its cores, so it links the OpenMP build by its full path and adds that folder to the RUNPATH
# of everything that links it (in the build tree and after installation): the loader then finds exactly
# that build whatever the alternatives say. Override with -DSTATICGRAD_CBLAS_LIBRARY=<file> and
# -DSTATICGRAD_CBLAS_INCLUDE_DIR=<folder with cblas.h>.
include_guard(GLOBAL)

function(_staticgrad_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR
      "staticgrad needs ${what}, which was not found.\n"
      "On Debian or Ubuntu install the package '${package}' (scripts/install-deps installs everything), "
      "or point CMAKE_PREFIX_PATH at an installation.")
  endif()
endfunction()

# Boost headers (Hana). 1.70 is the first Boost whose CMake package defines Boost::headers.
find_package(Boost 1.70 CONFIG QUIET)
if(Boost_FOUND AND NOT TARGET Boost::headers)
  set(Boost_FOUND FALSE)
endif()
_staticgrad_require(Boost_FOUND "the Boost headers >= 1.70 (Boost.Hana)" libboost-dev)

if(STATICGRAD_BUILD_TESTS)
  find_package(Boost 1.70 CONFIG QUIET COMPONENTS unit_test_framework)
  set(_staticgrad_have_boost_test FALSE)
  if(TARGET Boost::unit_test_framework)
    set(_staticgrad_have_boost_test TRUE)
  endif()
  _staticgrad_require(_staticgrad_have_boost_test
    "Boost.Test (unit_test_framework) to build the tests (or configure with -DSTATICGRAD_BUILD_TESTS=OFF)"
    libboost-test-dev)
endif()

find_package(fmt 8 CONFIG QUIET)
_staticgrad_require(fmt_FOUND "the {fmt} library >= 8" libfmt-dev)

find_package(OpenMP QUIET COMPONENTS CXX)
_staticgrad_require(OpenMP_CXX_FOUND "OpenMP for C++ (GCC's libgomp)" "g++ (libgomp1)")

find_package(ZLIB QUIET)
_staticgrad_require(ZLIB_FOUND "zlib" zlib1g-dev)

find_package(PNG QUIET)
_staticgrad_require(PNG_FOUND "libpng" libpng-dev)

# ---- CBLAS ---------------------------------------------------------------------------------------------
set(STATICGRAD_CBLAS_FOUND FALSE)
set(STATICGRAD_CBLAS_IS_OPENBLAS FALSE)
if(STATICGRAD_USE_BLAS)
  # 1. Debian's OpenMP build of OpenBLAS, by its own folder (never the alternatives symlink).
  find_path(STATICGRAD_CBLAS_INCLUDE_DIR cblas.h
    PATHS /usr/include/x86_64-linux-gnu/openblas-openmp
          /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp
    NO_DEFAULT_PATH
    DOC "Folder holding the cblas.h that matches STATICGRAD_CBLAS_LIBRARY")
  find_library(STATICGRAD_CBLAS_LIBRARY NAMES openblas
    PATHS /usr/lib/x86_64-linux-gnu/openblas-openmp
          /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp
    NO_DEFAULT_PATH
    DOC "The CBLAS library staticgrad links (full path)")
  # 2. Any other OpenBLAS, then any library with a CBLAS interface.
  if(NOT STATICGRAD_CBLAS_INCLUDE_DIR OR NOT STATICGRAD_CBLAS_LIBRARY)
    find_path(STATICGRAD_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas)
    find_library(STATICGRAD_CBLAS_LIBRARY NAMES openblas cblas blas)
  endif()

  if(STATICGRAD_CBLAS_INCLUDE_DIR AND STATICGRAD_CBLAS_LIBRARY)
    # Check that the pair links, and whether it is OpenBLAS (for openblas_get_parallel and friends).
    include(CheckSymbolExists)
    include(CMakePushCheckState)
    cmake_push_check_state(RESET)
    set(CMAKE_REQUIRED_QUIET ON)
    set(CMAKE_REQUIRED_INCLUDES ${STATICGRAD_CBLAS_INCLUDE_DIR})
    set(CMAKE_REQUIRED_LIBRARIES ${STATICGRAD_CBLAS_LIBRARY})
    check_symbol_exists(cblas_sgemm cblas.h STATICGRAD_CBLAS_LINKS)
    check_symbol_exists(openblas_get_parallel cblas.h STATICGRAD_CBLAS_OPENBLAS)
    cmake_pop_check_state()
    if(STATICGRAD_CBLAS_LINKS)
      set(STATICGRAD_CBLAS_FOUND TRUE)
      set(STATICGRAD_CBLAS_IS_OPENBLAS ${STATICGRAD_CBLAS_OPENBLAS})
    endif()
  endif()

  if(STATICGRAD_CBLAS_FOUND)
    get_filename_component(STATICGRAD_CBLAS_RUNTIME_DIR "${STATICGRAD_CBLAS_LIBRARY}" DIRECTORY)
    message(STATUS "staticgrad: CBLAS ${STATICGRAD_CBLAS_LIBRARY} (OpenBLAS: ${STATICGRAD_CBLAS_IS_OPENBLAS})")
  else()
    message(WARNING
      "staticgrad: no usable CBLAS found; matrix products use the portable OpenMP GEMM, which is several "
      "times slower. On Debian or Ubuntu install 'libopenblas-openmp-dev', or pass "
      "-DSTATICGRAD_CBLAS_LIBRARY=<library> -DSTATICGRAD_CBLAS_INCLUDE_DIR=<folder with cblas.h>.")
  endif()
else()
  message(STATUS "staticgrad: STATICGRAD_USE_BLAS=OFF, matrix products use the portable OpenMP GEMM")
endif()

# staticgrad_blas carries the library (by full path), its RUNPATH entry and, in the build tree only, the
# folder of cblas.h. It is exported with staticgrad (as staticgrad::blas) so that an installed static
# staticgrad brings the same BLAS and RUNPATH to its consumers.
if(STATICGRAD_CBLAS_FOUND AND NOT TARGET staticgrad_blas)
  add_library(staticgrad_blas INTERFACE)
  set_target_properties(staticgrad_blas PROPERTIES EXPORT_NAME blas)
  target_link_libraries(staticgrad_blas INTERFACE "${STATICGRAD_CBLAS_LIBRARY}")
  # SYSTEM: openblas_config.h declares its complex types with C99's _Complex, which clang's -Wpedantic
  # reports in every file that includes cblas.h.
  target_include_directories(staticgrad_blas SYSTEM INTERFACE $<BUILD_INTERFACE:${STATICGRAD_CBLAS_INCLUDE_DIR}>)
  if(NOT STATICGRAD_CBLAS_LIBRARY MATCHES "\\.a$")
    # An explicit -rpath survives installation (CMake only rewrites the RUNPATH entries it added itself).
    target_link_options(staticgrad_blas INTERFACE "LINKER:-rpath,${STATICGRAD_CBLAS_RUNTIME_DIR}")
  endif()
endif()

# ---- ONNX (optional) -------------------------------------------------------------------------------------
# Debian's libonnx-dev installs ONNXConfig.cmake, whose imported target onnx_proto needs the target
# protobuf::libprotobuf (CMake's FindProtobuf makes it). An installed static libstaticgrad.a records the two
# shared libraries by full path, so a consumer needs no find_package(ONNX).
find_package(Protobuf QUIET)
set(_staticgrad_onnx_found FALSE)
if(Protobuf_FOUND AND TARGET protobuf::libprotobuf)
  find_package(ONNX CONFIG QUIET)
  if(ONNX_FOUND AND TARGET onnx_proto)
    set(_staticgrad_onnx_found TRUE)
  endif()
endif()
option(STATICGRAD_WITH_ONNX "ONNX export (sg::io::save_onnx) through Debian's libonnx-dev" ${_staticgrad_onnx_found})
if(STATICGRAD_WITH_ONNX AND NOT _staticgrad_onnx_found)
  message(FATAL_ERROR "STATICGRAD_WITH_ONNX is ON but ONNX's CMake package or protobuf was not found: install "
                      "libonnx-dev (scripts/install-deps), or configure with -DSTATICGRAD_WITH_ONNX=OFF")
endif()
if(STATICGRAD_WITH_ONNX)
  message(STATUS "staticgrad: ONNX ${ONNX_VERSION} (sg::io::save_onnx), protobuf ${Protobuf_VERSION}")
else()
  message(STATUS "staticgrad: without ONNX (sg::io::save_onnx throws; install libonnx-dev to enable it)")
endif()

function(staticgrad_link_onnx target)
  if(NOT STATICGRAD_WITH_ONNX)
    return()
  endif()
  target_compile_definitions(${target} PRIVATE STATICGRAD_HAVE_ONNX=1)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:onnx_proto>)
  get_target_property(_location onnx_proto IMPORTED_LOCATION_RELEASE)
  if(NOT _location)
    get_target_property(_location onnx_proto IMPORTED_LOCATION)
  endif()
  if(_location)
    target_link_libraries(${target} PRIVATE $<INSTALL_INTERFACE:${_location}>)
  endif()
  foreach(_library IN LISTS Protobuf_LIBRARIES)
    if(_library MATCHES "^(optimized|debug|general)$")
      continue()
    endif()
    target_link_libraries(${target} PRIVATE $<INSTALL_INTERFACE:${_library}>)
  endforeach()
endfunction()

# ---- LIBXSMM (optional) ----------------------------------------------------------------------------------
# sg::small_gemm (a convolution's per-sample products) runs kernels LIBXSMM generates for each shape; measured
# 35% faster than OpenBLAS on the backward product of a 16 -> 32 channel 5x5 convolution (docs/benchmarks.md).
# Debian's libxsmm-dev has static libraries only; libxsmm.a calls the BLAS for products it does not
# generate (never, through small_gemm), and libxsmmnoblas.a stands in when there is no CBLAS.
find_path(STATICGRAD_LIBXSMM_INCLUDE_DIR libxsmm.h DOC "Folder holding libxsmm.h")
find_library(STATICGRAD_LIBXSMM_LIBRARY NAMES xsmm DOC "The LIBXSMM library (libxsmm.a)")
find_library(STATICGRAD_LIBXSMM_NOBLAS_LIBRARY NAMES xsmmnoblas DOC "LIBXSMM's stand-in BLAS (libxsmmnoblas.a)")
set(_staticgrad_libxsmm_found FALSE)
if(STATICGRAD_LIBXSMM_INCLUDE_DIR AND STATICGRAD_LIBXSMM_LIBRARY AND
   (STATICGRAD_CBLAS_FOUND OR STATICGRAD_LIBXSMM_NOBLAS_LIBRARY))
  set(_staticgrad_libxsmm_found TRUE)
endif()
option(STATICGRAD_WITH_LIBXSMM "Generated kernels for small products (sg::small_gemm) through libxsmm-dev"
       ${_staticgrad_libxsmm_found})
if(STATICGRAD_WITH_LIBXSMM AND NOT _staticgrad_libxsmm_found)
  message(FATAL_ERROR "STATICGRAD_WITH_LIBXSMM is ON but libxsmm.h or libxsmm was not found: install "
                      "libxsmm-dev (scripts/install-deps), or configure with -DSTATICGRAD_WITH_LIBXSMM=OFF")
endif()
if(STATICGRAD_WITH_LIBXSMM)
  find_package(Threads REQUIRED)
  message(STATUS "staticgrad: LIBXSMM ${STATICGRAD_LIBXSMM_LIBRARY} (sg::small_gemm)")
else()
  message(STATUS "staticgrad: without LIBXSMM (sg::small_gemm is sg::gemm; install libxsmm-dev for it)")
endif()

# staticgrad_link_libxsmm(<target>): compile <target> with the PRIVATE definition STATICGRAD_HAVE_LIBXSMM=1
# and link LIBXSMM privately (src/core/gemm.cpp is the only user; no public header includes libxsmm.h). A
# static <target> passes the library, by full path, on to whatever links it.
function(staticgrad_link_libxsmm target)
  if(NOT STATICGRAD_WITH_LIBXSMM)
    return()
  endif()
  target_compile_definitions(${target} PRIVATE STATICGRAD_HAVE_LIBXSMM=1)
  target_include_directories(${target} SYSTEM PRIVATE $<BUILD_INTERFACE:${STATICGRAD_LIBXSMM_INCLUDE_DIR}>)
  target_link_libraries(${target} PRIVATE "${STATICGRAD_LIBXSMM_LIBRARY}")
  if(NOT STATICGRAD_CBLAS_FOUND)
    target_link_libraries(${target} PRIVATE "${STATICGRAD_LIBXSMM_NOBLAS_LIBRARY}")
  endif()
  target_link_libraries(${target} PRIVATE Threads::Threads ${CMAKE_DL_LIBS})
endfunction()

# staticgrad_link_blas(<target>): link the CBLAS found above into <target>. PRIVATE so that cblas.h's
# folder does not leak into users' include paths; a static <target> still passes the library and the
# RUNPATH on to whatever links it.
function(staticgrad_link_blas target)
  if(NOT STATICGRAD_CBLAS_FOUND)
    return()
  endif()
  target_link_libraries(${target} PRIVATE staticgrad_blas)
  target_compile_definitions(${target} PUBLIC STATICGRAD_HAVE_CBLAS=1)
  if(STATICGRAD_CBLAS_IS_OPENBLAS)
    target_compile_definitions(${target} PUBLIC STATICGRAD_OPENBLAS=1)
  endif()
endfunction()
