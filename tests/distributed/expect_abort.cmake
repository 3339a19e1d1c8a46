# tests/distributed/expect_abort.cmake - runs one failing multi-rank test case and checks that the job
# ENDS (no hang: it must finish within LIMIT seconds), with a non-zero status and the expected message.
# Then, if CHECK_CASE is set, runs that test suite in one process (it checks what the failed job left).
#   cmake -DMPIRUN=<mpirun;args> -DPROGRAM=<test_distributed> -DCASE=<suite/case> -DEXPECT=<text>
#         [-DCHECK_CASE=<suite>] -DWORK_DIR=<dir> -P expect_abort.cmake
if(NOT DEFINED LIMIT)
  set(LIMIT 60)
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(ENV{SG_FAULT_DIR} "${WORK_DIR}")
string(TIMESTAMP _start "%s")
execute_process(
  COMMAND ${MPIRUN} "${PROGRAM}" "--run_test=${CASE}" --catch_system_errors=no --color_output=no
  RESULT_VARIABLE _result OUTPUT_VARIABLE _out ERROR_VARIABLE _err TIMEOUT ${LIMIT})
string(TIMESTAMP _end "%s")
math(EXPR _seconds "${_end} - ${_start}")
message("${_out}${_err}")
message(STATUS "the job ended after ${_seconds} s with: ${_result}")
if(_result MATCHES "timeout")
  message(FATAL_ERROR "the job did not end within ${LIMIT} s: a failed rank left the others waiting")
endif()
if(_result STREQUAL "0")
  message(FATAL_ERROR "the job succeeded, but one rank was made to fail")
endif()
string(FIND "${_out}${_err}" "${EXPECT}" _at)
if(_at EQUAL -1)
  message(FATAL_ERROR "the output does not say: ${EXPECT}")
endif()
if(CHECK_CASE)
  execute_process(COMMAND "${PROGRAM}" "--run_test=${CHECK_CASE}" --color_output=no --report_level=short
    RESULT_VARIABLE _check OUTPUT_VARIABLE _check_out ERROR_VARIABLE _check_out TIMEOUT ${LIMIT})
  message("${_check_out}")
  if(NOT _check STREQUAL "0")
    message(FATAL_ERROR "${CHECK_CASE} failed after the aborted job")
  endif()
endif()
