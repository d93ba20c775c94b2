// Copyright (c) mnemo authors.
//
// mnemo migrate --db DIR
//
// Brings a store written by an older mnemo to this build's format, in
// place (a writer's open does it; this verb does only that). Read-only
// opens refuse an old store and name this command. The migration is
// resumable: an interrupted run is finished by the next one.

#include <cstdio>
#include <fstream>
#include <string>

#include "cli_util.h"

namespace mnemo::cli {
namespace {

// The format number in DIR/MNEMO ("mnemo store format N"), 0 when unreadable
// (Store::Open then says why).
int MarkerFormat(const std::string& db) {
  std::ifstream marker(db + "/MNEMO");
  std::string mnemo, store, format;
  int version = 0;
  marker >> mnemo >> store >> format >> version;
  return marker ? version : 0;
}

int Run(const std::string& db) {
  if (int rc = RefuseInClusterMode(
          "migrate", "a host's cache is rebuilt from the cluster");
      rc != kExitOk) {
    return rc;
  }
  int before = MarkerFormat(db);
  std::unique_ptr<Store> store;
  int rc = OpenStore(db, OpenMode::kWrite, &store);
  if (rc != kExitOk) return rc;
  store.reset();  // flushes and closes
  int after = MarkerFormat(db);
  if (before == after) {
    std::printf("store %s is already at format %d\n", db.c_str(), after);
  } else {
    std::printf("store %s migrated from format %d to format %d\n", db.c_str(),
                before, after);
  }
  return kExitOk;
}

CommandBody Setup(CLI::App& command) {
  auto db = std::make_shared<std::string>();
  AddDbOption(command, db.get());
  return [db] { return Run(*db); };
}

}  // namespace

MNEMO_REGISTER_COMMAND("migrate",
                       "upgrade a store written by an older mnemo in place",
                       Setup);

}  // namespace mnemo::cli
