# install_export_scan: the public-name scan of cmake/MnemoExports.cmake on a
# header written like engine/include/mnemo/admin.h after the operator calls
# became free functions (nested namespace, several overloads, a forward
# declaration in another namespace, members and comments that must not be
# taken for names).
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -P export_scan_test.cmake
cmake_minimum_required(VERSION 3.25)
include(${SOURCE_DIR}/cmake/MnemoExports.cmake)

set(header ${WORK_DIR}/scan/admin.h)
file(WRITE ${header} [=[
#include "mnemo/status.h"
namespace rocksdb { class DB; }
namespace mnemo {
namespace gpu { class HotCache; }
class Store;
// GetStats(store, &stats) reads one snapshot.
struct StoreStats {
  uint64_t records = 0;
  Status Merge(const StoreStats& other);
};
class [[nodiscard]] RecordIterator {
 public:
  virtual ~RecordIterator() = default;
};
Status GetStats(Store& store, StoreStats* stats);
Status Verify(Store& store, const VerifyOptions& options,
              VerifyReport* report);
Status Verify(Store& store, VerifyReport* report);
const char* VerifyProblemKindName(VerifyProblem::Kind kind);
inline constexpr int kLimit = 3;
bool operator==(const StoreStats& a, const StoreStats& b);
namespace admin {
Status Checkpoint(Store& store, const std::string& out_dir);
}  // namespace admin
}  // namespace mnemo
void NotOurs(int);
]=])
mnemo_public_names(${header} classes functions)
set(want_classes mnemo::Store mnemo::StoreStats mnemo::RecordIterator)
set(want_functions mnemo::GetStats mnemo::Verify mnemo::VerifyProblemKindName
    mnemo::operator== mnemo::admin::Checkpoint)
if(NOT classes STREQUAL want_classes OR NOT functions STREQUAL want_functions)
  message(FATAL_ERROR "scan of ${header}:\n  classes ${classes}\n"
          "  want    ${want_classes}\n  functions ${functions}\n"
          "  want      ${want_functions}")
endif()
mnemo_write_export_map(${WORK_DIR}/scan/mnemo.map ${header})
file(READ ${WORK_DIR}/scan/mnemo.map map)
foreach(p "mnemo::GetStats[!A-Za-z0-9_]*;"
          "mnemo::admin::Checkpoint[!A-Za-z0-9_]*;"
          "mnemo::StoreStats::*;" "\"typeinfo for mnemo::RecordIterator\";"
          "local: *;")
  string(FIND "${map}" "${p}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "version script lacks ${p}:\n${map}")
  endif()
endforeach()
message(STATUS "scan: ${classes}; ${functions}")
