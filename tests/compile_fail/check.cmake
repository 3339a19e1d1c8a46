# tests/compile_fail/check.cmake - the ctest test compile_fail.<name>, run as
#   cmake -DSOURCE=<tests/compile_fail/name.cpp> -DCOMPILE_COMMANDS=<build>/compile_commands.json
#         -DCOMPILER_ID=<CMAKE_CXX_COMPILER_ID> -P check.cmake
#
# Passes when compiling SOURCE fails AND every expectation in the comment block at the top of SOURCE
# that applies to this compiler matches somewhere in the first 25 lines of the compiler's diagnostics:
#   // expect-error: <regex>           every compiler
#   // expect-error(GNU): <regex>      only g++      (the name is CMAKE_CXX_COMPILER_ID)
#   // expect-error(Clang): <regex>    only clang
# Compilers phrase the same facts differently (g++: "the comparison reduces to '(128 == 256)'", clang:
# "due to requirement '128UL == 256UL'"), so each compiler's lines are checked against its own words.
# The compile command is the one CMake generated for the file's (never built) object library, i.e.
# exactly what a program linking staticgrad::staticgrad gets; it is run directly, so the diagnostics
# contain no make/ninja noise. The regexes are CMake regular expressions (`\(` for a literal
# parenthesis); run under LC_ALL=C, g++ and clang quote with plain '. A line
#   // expect-max-bytes: <n>           (or expect-max-bytes(GNU), expect-max-bytes(Clang))
# bounds the whole diagnostics at n bytes.
cmake_minimum_required(VERSION 3.25)

set(max_lines 25)
foreach(var SOURCE COMPILE_COMMANDS COMPILER_ID)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check.cmake: pass -D${var}=...")
  endif()
endforeach()

# The expectations: `// expect-error: ` lines among the leading `//` comment lines. Lines are cut by
# hand, not turned into a CMake list, so that ';', '[' and ']' in a regex survive.
file(READ "${SOURCE}" text)
set(n_expect 0)
while(NOT text STREQUAL "")
  string(FIND "${text}" "\n" eol)
  if(eol EQUAL -1)
    set(line "${text}")
    set(text "")
  else()
    string(SUBSTRING "${text}" 0 ${eol} line)
    math(EXPR next "${eol} + 1")
    string(SUBSTRING "${text}" ${next} -1 text)
  endif()
  string(REGEX REPLACE "[ \t\r]+$" "" line "${line}")
  if(NOT line MATCHES "^//")
    break()
  endif()
  if(line MATCHES "^// expect-error(\\(([A-Za-z]+)\\))?: (.+)$")
    if("${CMAKE_MATCH_1}" STREQUAL "" OR "${CMAKE_MATCH_2}" STREQUAL "${COMPILER_ID}")
      set(expect_${n_expect} "${CMAKE_MATCH_3}")
      math(EXPR n_expect "${n_expect} + 1")
    endif()
  elseif(line MATCHES "^// expect-max-bytes(\\(([A-Za-z]+)\\))?: ([0-9]+)$")
    if("${CMAKE_MATCH_1}" STREQUAL "" OR "${CMAKE_MATCH_2}" STREQUAL "${COMPILER_ID}")
      set(max_bytes "${CMAKE_MATCH_3}")
    endif()
  endif()
endwhile()
if(n_expect EQUAL 0)
  message(FATAL_ERROR "${SOURCE}: no `// expect-error: <regex>` line at the top of the file that applies "
                      "to the compiler '${COMPILER_ID}'")
endif()

# The compile command CMake wrote for this file.
if(NOT EXISTS "${COMPILE_COMMANDS}")
  message(FATAL_ERROR "${COMPILE_COMMANDS} does not exist: re-run CMake on the build tree")
endif()
file(READ "${COMPILE_COMMANDS}" json)
file(REAL_PATH "${SOURCE}" source_real)
string(JSON n_entries LENGTH "${json}")
set(command "")
if(n_entries GREATER 0)
  math(EXPR last "${n_entries} - 1")
  foreach(i RANGE ${last})
    string(JSON entry_file GET "${json}" ${i} file)
    file(REAL_PATH "${entry_file}" entry_real)
    if(entry_real STREQUAL source_real)
      string(JSON command GET "${json}" ${i} command)
      string(JSON directory GET "${json}" ${i} directory)
      break()
    endif()
  endforeach()
endif()
if(command STREQUAL "")
  message(FATAL_ERROR "${SOURCE} is not in ${COMPILE_COMMANDS}: re-run CMake on the build tree")
endif()
separate_arguments(argv UNIX_COMMAND "${command}")

execute_process(COMMAND ${argv} -fdiagnostics-color=never
  WORKING_DIRECTORY "${directory}"
  RESULT_VARIABLE status
  OUTPUT_VARIABLE diagnostics
  ERROR_VARIABLE diagnostics)

if(status EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not.\nCommand: ${command}\nOutput:\n${diagnostics}")
endif()

# The first max_lines lines of the diagnostics.
set(head "")
set(rest "${diagnostics}")
foreach(k RANGE 1 ${max_lines})
  string(FIND "${rest}" "\n" eol)
  if(eol EQUAL -1)
    string(APPEND head "${rest}")
    break()
  endif()
  math(EXPR next "${eol} + 1")
  string(SUBSTRING "${rest}" 0 ${next} line)
  string(APPEND head "${line}")
  string(SUBSTRING "${rest}" ${next} -1 rest)
endforeach()

set(missing "")
math(EXPR last "${n_expect} - 1")
foreach(i RANGE ${last})
  if(NOT head MATCHES "${expect_${i}}")
    string(APPEND missing "  ${expect_${i}}\n")
  endif()
endforeach()
if(NOT missing STREQUAL "")
  message(FATAL_ERROR
    "${SOURCE} failed to compile, but not with the expected message. Not found in the first ${max_lines} "
    "lines of the diagnostics:\n${missing}Those lines:\n${head}\nCommand: ${command}")
endif()
string(LENGTH "${diagnostics}" n_bytes)
if(DEFINED max_bytes AND n_bytes GREATER max_bytes)
  message(FATAL_ERROR
    "${SOURCE} failed to compile with the expected message, but printed ${n_bytes} bytes of diagnostics, "
    "more than the ${max_bytes} allowed. The diagnostics:\n${diagnostics}\nCommand: ${command}")
endif()
message(STATUS "${SOURCE}: fails to compile as expected (${n_expect} message(s) matched, ${n_bytes} bytes)")
