# tests/onnx/onnx.cmake - ONNX export proved in the tools people use (included by tests/CMakeLists.txt when
# STATICGRAD_WITH_ONNX is ON):
#
#   onnx.export   onnx_export_models trains and exports the test networks, with their inputs and
#                 staticgrad's outputs, into <build>/tests/onnx_models (a fixture of the two below)
#   onnx.runtime  ONNX Runtime (npm onnxruntime-node@1.30.0 under Node.js, installed into
#                 <build>/tests/onnxruntime on first use) reproduces every output within 1e-5 with the same
#                 arg max on every sample; SKIPPED, saying why, without node, npm or the package
#   onnx.checker  onnx.checker (Debian python3-onnx) accepts every exported file; SKIPPED without it
#   onnx.flagship fashion_mnist --short --export-onnx: the file scores exactly the printed test accuracy in
#                 ONNX Runtime on the official test set; SKIPPED without Fashion-MNIST or ONNX Runtime
#   onnx.cnn      the same for fashion_mnist_cnn (input [N, 1, 28, 28]) on the 2000 test images its --short
#                 mode scores (listed by onnx.cnn_indices)
add_executable(onnx_export_models "${CMAKE_CURRENT_LIST_DIR}/export_models.cpp")
target_link_libraries(onnx_export_models PRIVATE staticgrad::staticgrad)
target_compile_options(onnx_export_models PRIVATE -Wall -Wextra -Wpedantic)

set(_sg_onnx_models "${CMAKE_CURRENT_BINARY_DIR}/onnx_models")
add_test(NAME onnx.export COMMAND onnx_export_models "${_sg_onnx_models}")
set_tests_properties(onnx.export PROPERTIES LABELS onnx FIXTURES_SETUP onnx_models TIMEOUT 300
  ENVIRONMENT "OMP_WAIT_POLICY=passive")

add_test(NAME onnx.runtime
  COMMAND sh "${CMAKE_CURRENT_LIST_DIR}/run_onnxruntime.sh" "${CMAKE_CURRENT_BINARY_DIR}/onnxruntime"
          compare_onnxruntime.mjs "${_sg_onnx_models}")
# RESOURCE_LOCK: the first of the two to run installs the npm package; they must not both do it at once.
set_tests_properties(onnx.runtime PROPERTIES LABELS onnx FIXTURES_REQUIRED onnx_models SKIP_RETURN_CODE 77
  TIMEOUT 600 RESOURCE_LOCK staticgrad_onnxruntime_modules)

if(STATICGRAD_BUILD_EXAMPLES)
  set(_sg_onnx_fashion "$ENV{STATICGRAD_FASHION_MNIST}")
  if(NOT _sg_onnx_fashion)
    set(_sg_onnx_fashion /usr/share/datasets/fashion-mnist)
  endif()
  add_test(NAME onnx.flagship
    COMMAND sh "${CMAKE_CURRENT_LIST_DIR}/flagship_onnx.sh" "$<TARGET_FILE:fashion_mnist>" "${_sg_onnx_fashion}"
            "${CMAKE_CURRENT_BINARY_DIR}/onnxruntime" "${CMAKE_CURRENT_BINARY_DIR}/onnx_flagship" 784)
  set_tests_properties(onnx.flagship PROPERTIES LABELS onnx SKIP_RETURN_CODE 77 TIMEOUT 600
    ENVIRONMENT "OMP_WAIT_POLICY=passive" RESOURCE_LOCK staticgrad_onnxruntime_modules)
  # fashion_mnist_cnn --short scores the first 2000 of shuffled_indices(10000, 8) of the test set.
  set(_sg_cnn_indices "${CMAKE_CURRENT_BINARY_DIR}/onnx_cnn_test_indices.json")
  add_test(NAME onnx.cnn_indices COMMAND onnx_export_models --indices 10000 8 2000 "${_sg_cnn_indices}")
  set_tests_properties(onnx.cnn_indices PROPERTIES LABELS onnx FIXTURES_SETUP onnx_cnn_indices)
  add_test(NAME onnx.cnn
    COMMAND sh "${CMAKE_CURRENT_LIST_DIR}/flagship_onnx.sh" "$<TARGET_FILE:fashion_mnist_cnn>" "${_sg_onnx_fashion}"
            "${CMAKE_CURRENT_BINARY_DIR}/onnxruntime" "${CMAKE_CURRENT_BINARY_DIR}/onnx_cnn" 1,28,28 "${_sg_cnn_indices}")
  set_tests_properties(onnx.cnn PROPERTIES LABELS onnx SKIP_RETURN_CODE 77 TIMEOUT 600 FIXTURES_REQUIRED onnx_cnn_indices
    ENVIRONMENT "OMP_WAIT_POLICY=passive" RESOURCE_LOCK staticgrad_onnxruntime_modules)
endif()

# Debian's python3-onnx belongs to /usr/bin/python3; a python3 earlier on PATH (pyenv) may lack it.
find_program(STATICGRAD_ONNX_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(STATICGRAD_ONNX_PYTHON NAMES python3)
if(STATICGRAD_ONNX_PYTHON)
  add_test(NAME onnx.checker
    COMMAND "${STATICGRAD_ONNX_PYTHON}" "${CMAKE_CURRENT_LIST_DIR}/check_models.py" "${_sg_onnx_models}")
else()
  add_test(NAME onnx.checker COMMAND "${CMAKE_COMMAND}" -E echo "onnx.checker: skipped: no python3 found")
  set_tests_properties(onnx.checker PROPERTIES SKIP_REGULAR_EXPRESSION "skipped")
endif()
set_tests_properties(onnx.checker PROPERTIES LABELS onnx FIXTURES_REQUIRED onnx_models SKIP_RETURN_CODE 77
  TIMEOUT 300)
