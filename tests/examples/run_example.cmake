# tests/examples/run_example.cmake - runs one example in its short mode and checks what it printed.
#
#   cmake -DEXAMPLE=<program> -DSOURCE=<examples/name.cpp> -P run_example.cmake
#
# Runs `<program> --short`; passes when it exits with 0 and its output (stdout and stderr together)
# matches every `// check-output: <regex>` line of SOURCE (CMake regular expressions: `.` also matches a
# newline, `^` is the start of the whole output). Registered by examples/CMakeLists.txt.
if(NOT EXAMPLE OR NOT SOURCE)
  message(FATAL_ERROR "run_example.cmake needs -DEXAMPLE=<program> -DSOURCE=<source>")
endif()
file(STRINGS "${SOURCE}" _checks REGEX "^// check-output: ")
if(NOT _checks)
  message(FATAL_ERROR "${SOURCE} has no `// check-output: <regex>` line")
endif()
execute_process(COMMAND "${EXAMPLE}" --short
                OUTPUT_VARIABLE _out ERROR_VARIABLE _out RESULT_VARIABLE _rc)
message("${_out}")
if(NOT _rc STREQUAL "0")
  message(FATAL_ERROR "${EXAMPLE} --short exited with ${_rc}")
endif()
foreach(_line IN LISTS _checks)
  string(REGEX REPLACE "^// check-output: " "" _regex "${_line}")
  if(NOT _out MATCHES "${_regex}")
    message(FATAL_ERROR "the output of ${EXAMPLE} --short does not match: ${_regex}")
  endif()
  message("matched: ${_regex}")
endforeach()
