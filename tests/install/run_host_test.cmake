# Driver of the install tests (tests/install/CMakeLists.txt):
#   cmake -DMODE=<mode> -DSOURCE_DIR=... -DHOST_DIR=... -DBUILD_DIR=...
#         -DWORK_DIR=... -DGENERATOR=... -DCXX=... [-DLAUNCHER=...]
#         [-DLIBRARY=... -DMAP=...] -P run_host_test.cmake
# Each mode fails (FATAL_ERROR, naming the step and its output) when a step
# does; a tool that is missing makes it print why and skip (exit 0 after
# "SKIPPED:").
cmake_minimum_required(VERSION 3.25)

set(prefix ${WORK_DIR}/prefix)

# Runs a command; on failure stops the test with its output.
function(step name)
  string(TIMESTAMP t0 "%s")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(TIMESTAMP t1 "%s")
  math(EXPR secs "${t1} - ${t0}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${name}: ok (${secs} s)")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

# Runs a built host on a fresh store and checks what it printed.
function(run_host name exe)
  set(store ${WORK_DIR}/${name}-store)
  file(REMOVE_RECURSE ${store})
  step("run ${name}" ${exe} ${store})
  if(NOT step_output MATCHES "40 put, get ok, search ok")
    message(FATAL_ERROR "${name}: unexpected output: ${step_output}")
  endif()
  message(STATUS "${step_output}")
endfunction()

function(configure_and_build name)
  set(dir ${WORK_DIR}/${name})
  file(REMOVE_RECURSE ${dir})
  set(launcher "")
  if(LAUNCHER)
    set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}
                 -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER})
  endif()
  step("configure ${name}" ${CMAKE_COMMAND} -S ${HOST_DIR} -B ${dir}
       -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX} ${launcher} ${ARGN})
  step("build ${name}" ${CMAKE_COMMAND} --build ${dir} -j2
       --target ${build_targets})
endfunction()

if(MODE STREQUAL "prefix")
  file(REMOVE_RECURSE ${prefix})
  step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR}
       --prefix ${prefix})
  foreach(f include/mnemo/store.h include/mnemo/status.h
            include/mnemo/gpu/hot_cache.h lib/libmnemo_engine.a
            lib/cmake/mnemo/mnemoConfig.cmake
            lib/cmake/mnemo/mnemoConfigVersion.cmake lib/pkgconfig/mnemo.pc)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "install: ${prefix}/${f} missing")
    endif()
  endforeach()
  file(GLOB so ${prefix}/lib/libmnemo.so.*.*.*)
  if(NOT so OR NOT EXISTS ${prefix}/lib/libmnemo.so.0)
    message(FATAL_ERROR "install: libmnemo.so.<version> or its soname link missing")
  endif()
elseif(MODE STREQUAL "find_package")
  set(build_targets mnemo-host mnemo-host-shared)
  configure_and_build(package -DMNEMO_HOST_MODE=package
                      -DCMAKE_PREFIX_PATH=${prefix})
  run_host(static ${WORK_DIR}/package/mnemo-host)
  run_host(shared ${WORK_DIR}/package/mnemo-host-shared)
elseif(MODE STREQUAL "pkg_config")
  find_program(PKG_CONFIG pkg-config)
  if(NOT PKG_CONFIG)
    message(STATUS "SKIPPED: pkg-config not found (apt-get install pkg-config)")
    return()
  endif()
  set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
  step("pkg-config" ${PKG_CONFIG} --cflags --libs mnemo)
  string(STRIP "${step_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  step("pkg-config --modversion" ${PKG_CONFIG} --modversion mnemo)
  file(MAKE_DIRECTORY ${WORK_DIR}/pkg)
  step("c++ host.cc $(pkg-config --cflags --libs mnemo)" ${CXX} -std=c++20
       ${HOST_DIR}/host.cc -o ${WORK_DIR}/pkg/mnemo-host ${flags}
       -Wl,-rpath,${prefix}/lib)
  run_host(pkg-config ${WORK_DIR}/pkg/mnemo-host)
elseif(MODE STREQUAL "add_subdirectory")
  # The fresh copy (install_fresh_copy) built in clone/build-pip/host with
  # python_pip_fresh's flags (Release; ccache keys on paths relative to the
  # copy, ignoring the build directory): whichever of the two runs second
  # compiles nothing, and so does a later run of either (cold: minutes on 2
  # cores). ccache is used whenever installed, even when this build does
  # not use it.
  set(clone ${WORK_DIR}/clone)
  if(NOT EXISTS ${clone}/CMakeLists.txt)
    message(FATAL_ERROR "${clone}: no fresh copy (run install_fresh_copy)")
  endif()
  set(ENV{CCACHE_BASEDIR} ${clone})
  set(ENV{CCACHE_NOHASHDIR} 1)
  if(NOT LAUNCHER)
    find_program(CCACHE_PROGRAM ccache)
    set(LAUNCHER ${CCACHE_PROGRAM})
  endif()
  if(NOT LAUNCHER)
    message(STATUS "ccache not found: compiling the libraries from scratch")
  endif()
  set(WORK_DIR ${clone}/build-pip)
  set(build_targets mnemo-host)
  configure_and_build(host -DMNEMO_HOST_MODE=subdir -DCMAKE_BUILD_TYPE=Release
                      -DMNEMO_SOURCE_DIR=${clone})
  run_host(subdir ${WORK_DIR}/host/mnemo-host)
elseif(MODE STREQUAL "shared_symbols")
  include(${CMAKE_CURRENT_LIST_DIR}/check_symbols.cmake)
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
