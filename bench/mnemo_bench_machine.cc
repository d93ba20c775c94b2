// Copyright (c) mnemo authors.

#include "mnemo_bench_machine.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <thread>

#include <rocksdb/version.h>

#include "mnemo/codec/png.h"
#include "mnemo/codec/text_codec.h"

#ifndef MNEMO_SOURCE_DIR
#define MNEMO_SOURCE_DIR "."
#endif

namespace mnemo::bench {
namespace {

std::string ProcField(const char* file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, key.size(), key) != 0) continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

bool HavePillow() {
  static const bool have =
      std::system("/usr/bin/python3 -c 'import PIL' >/dev/null 2>&1") == 0;
  return have;
}

void RecordMachine(Report* report) {
  nlohmann::json& m = report->json()["machine"];
  m["cpu_model"] = ProcField("/proc/cpuinfo", "model name");
  m["cores"] = std::thread::hardware_concurrency();
  struct utsname u {};
  if (uname(&u) == 0) {
    m["kernel"] = u.release;
    m["arch"] = u.machine;
  }
  const std::string mem = ProcField("/proc/meminfo", "MemTotal");
  m["memory_gib"] = std::atof(mem.c_str()) / (1024.0 * 1024.0);
  m["os"] = CommandOutput(". /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\"");
  nlohmann::json& v = report->json()["versions"];
  v["mnemo_commit"] = CommandOutput("git -C '" MNEMO_SOURCE_DIR
                                    "' describe --always --dirty 2>/dev/null");
  v["compiler"] = __VERSION__;
  v["rocksdb"] = std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) +
                 "." + std::to_string(ROCKSDB_PATCH);
  v["zstd"] = codec::ZstdVersion();
  v["libpng"] = codec::LibPngVersion();
  v["tesseract"] = CommandOutput("tesseract --version 2>&1 | head -1");
  v["pillow"] = HavePillow() ? CommandOutput(
      "/usr/bin/python3 -c 'import PIL; print(PIL.__version__)' 2>/dev/null") : "";
  v["python3"] = CommandOutput("/usr/bin/python3 --version 2>&1");
  report->json()["date"] = UtcNow();
}

}  // namespace mnemo::bench
