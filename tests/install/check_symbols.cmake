# install_shared_symbols (included by run_host_test.cmake with LIBRARY, the
# built libmnemo.so, and MAP, its version script; MAP.names lists the public
# names the script exports). Fails when the library
#   - exports a name that is not public: every defined dynamic symbol must
#     be a member of a public class, a public free function, or the
#     typeinfo/vtable of a public class;
#   - exports anything of the internals (StoreImpl, RecordTable, the
#     compactor, the search internals, RocksDB, the codec, nlohmann, std);
#   - lacks a call every host needs, or has the wrong soname.
find_program(NM nm)
find_program(READELF readelf)
if(NOT NM OR NOT READELF)
  message(STATUS "SKIPPED: nm/readelf not found (binutils)")
  return()
endif()

step("nm -D --defined-only -C" ${NM} -D --defined-only -C ${LIBRARY})
string(REPLACE "\n" ";" symbols "${step_output}")
file(STRINGS ${MAP}.names public_names)

set(bad "")
set(count 0)
foreach(line IN LISTS symbols)
  # "<address> <type> <name>"
  if(NOT line MATCHES "^[0-9a-f]+ [A-Za-z] (.*)$")
    continue()
  endif()
  set(sym "${CMAKE_MATCH_1}")
  math(EXPR count "${count} + 1")
  string(REGEX REPLACE "^(typeinfo name for|typeinfo for|vtable for) " "" name "${sym}")
  set(public FALSE)
  foreach(p IN LISTS public_names)
    # `name` is p itself, or p followed by "::" (a member), "(" (a call)
    # or "[abi:" (a call returning std::string).
    string(FIND "${name}" "${p}" at)
    if(NOT at EQUAL 0)
      continue()
    endif()
    string(LENGTH "${p}" n)
    string(SUBSTRING "${name}" ${n} 2 tail)
    if(tail STREQUAL "" OR tail STREQUAL "::" OR tail MATCHES "^[([]")
      set(public TRUE)
      break()
    endif()
  endforeach()
  if(NOT public OR sym MATCHES
     "StoreImpl|RecordTable|mnemo::Compaction::|TextStore|PostingsBuilder|Analyzer|rocksdb::|mnemo::codec::|nlohmann|^std::|^_Z")
    list(APPEND bad "${sym}")
  endif()
endforeach()
if(bad)
  list(JOIN bad "\n  " bad)
  message(FATAL_ERROR "libmnemo.so exports non-public symbols:\n  ${bad}\n"
          "(public names: ${MAP}.names, made by cmake/MnemoExports.cmake)")
endif()
foreach(needed "mnemo::Store::Open(" "mnemo::Status::ToString" "mnemo::TierName(")
  string(FIND "${step_output}" "${needed}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "libmnemo.so does not export ${needed}")
  endif()
endforeach()
message(STATUS "${count} exported symbols, all public")

step("readelf -d" ${READELF} -d ${LIBRARY})
if(NOT step_output MATCHES "Library soname: \\[libmnemo\\.so\\.0\\]")
  message(FATAL_ERROR "libmnemo.so: soname is not libmnemo.so.0:\n${step_output}")
endif()
