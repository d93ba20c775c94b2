# What a host links and what `cmake --install build --prefix P` installs:
#   include/mnemo/...                  the public headers (engine, base,
#                                      codec, gpu)
#   lib/libmnemo_{engine,gpu,codec,base}.a
#   lib/libmnemo.so.<version>          one shared library exporting only the
#                                      public API (soname libmnemo.so.<major>)
#   lib/cmake/mnemo/mnemoConfig*.cmake imported targets mnemo::mnemo (static
#                                      libraries + dependencies) and
#                                      mnemo::shared (libmnemo.so)
#   lib/pkgconfig/mnemo.pc             -lmnemo (the headers need C++20)
# In the build tree (add_subdirectory) the same two names are aliases.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
include(${CMAKE_CURRENT_LIST_DIR}/MnemoExports.cmake)

option(MNEMO_INSTALL "Generate mnemo's install rules" ${PROJECT_IS_TOP_LEVEL})
# Sanitizer builds skip the shared library: its objects would need the
# sanitizer runtime that only executables carry.
if(MNEMO_SANITIZE STREQUAL "")
  set(_mnemo_shared_default ON)
else()
  set(_mnemo_shared_default OFF)
endif()
option(MNEMO_BUILD_SHARED "Build the shared libmnemo" ${_mnemo_shared_default})

add_library(mnemo::mnemo ALIAS mnemo_engine)

if(MNEMO_BUILD_SHARED)
  file(GLOB _mnemo_public_headers CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/engine/include/mnemo/*.h)
  list(APPEND _mnemo_public_headers
       ${PROJECT_SOURCE_DIR}/engine/base/include/mnemo/status.h)
  # Re-run the scan when a public header changes (e.g. admin.h gains a call).
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${_mnemo_public_headers})
  set(MNEMO_EXPORT_MAP ${PROJECT_BINARY_DIR}/mnemo.map)
  mnemo_write_export_map(${MNEMO_EXPORT_MAP} "${_mnemo_public_headers}")

  # Every object of the four archives goes in (--whole-archive); the version
  # script then keeps only the public names global.
  add_library(mnemo_shared SHARED ${CMAKE_CURRENT_LIST_DIR}/mnemo_shared.cc)
  target_link_libraries(mnemo_shared
    PRIVATE -Wl,--whole-archive mnemo_engine mnemo_gpu mnemo_codec mnemo_base
            -Wl,--no-whole-archive)
  target_link_options(mnemo_shared PRIVATE
    "LINKER:--version-script=${MNEMO_EXPORT_MAP}" "LINKER:--no-undefined")
  set_target_properties(mnemo_shared PROPERTIES
    OUTPUT_NAME mnemo
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}
    LINK_DEPENDS ${MNEMO_EXPORT_MAP})
  # Consumers get the headers only: the library holds Status and the rest.
  target_include_directories(mnemo_shared INTERFACE
    $<TARGET_PROPERTY:mnemo_engine,INTERFACE_INCLUDE_DIRECTORIES>)
  add_library(mnemo::shared ALIAS mnemo_shared)
endif()

if(NOT MNEMO_INSTALL)
  return()
endif()

set(_mnemo_cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/mnemo)
foreach(dir engine/include engine/base/include codec/include gpu/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/mnemo
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h")
endforeach()
install(TARGETS mnemo_engine mnemo_gpu mnemo_codec mnemo_base
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# Cluster mode: the engine archive calls into mnemo_cluster (RADOS client,
# leases), so a static consumer needs it and librados too.
if(TARGET mnemo_cluster)
  install(TARGETS mnemo_cluster ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set(MNEMO_CONFIG_HAS_CLUSTER ON)
  set(MNEMO_PC_CLUSTER_LIBS "-lmnemo_cluster -lrados")
else()
  set(MNEMO_CONFIG_HAS_CLUSTER OFF)
  set(MNEMO_PC_CLUSTER_LIBS "")
endif()
if(MNEMO_BUILD_SHARED)
  install(TARGETS mnemo_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()

# What the static libraries need beyond themselves, for the config file
# and mnemo.pc (the shared library records its own in DT_NEEDED).
# (gpu/CMakeLists.txt links the CUDA runtime when it built the backend.)
get_target_property(_mnemo_gpu_libs mnemo_gpu LINK_LIBRARIES)
if("${_mnemo_gpu_libs}" MATCHES "CUDA::cudart_static")
  set(MNEMO_CONFIG_HAS_CUDA ON)
else()
  set(MNEMO_CONFIG_HAS_CUDA OFF)
endif()
set(MNEMO_CONFIG_HAS_SHARED ${MNEMO_BUILD_SHARED})
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/mnemoConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mnemoConfig.cmake
  INSTALL_DESTINATION ${_mnemo_cmakedir}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
# 0.x: a minor version may change the API.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/mnemoConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mnemoConfig.cmake
              ${PROJECT_BINARY_DIR}/mnemoConfigVersion.cmake
        DESTINATION ${_mnemo_cmakedir})

configure_file(${CMAKE_CURRENT_LIST_DIR}/mnemo.pc.in
               ${PROJECT_BINARY_DIR}/mnemo.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/mnemo.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
