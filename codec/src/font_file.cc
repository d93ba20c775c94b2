// Copyright (c) mnemo authors.

#include "font_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>

#include "hash.h"

namespace mnemo::codec::internal {
namespace {

struct Identity {
  uint64_t dev = 0, ino = 0, size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const Identity&) const = default;
};

struct Entry {
  Identity id;
  // Kept for the process (~10 MB for the default fallback chain): a store
  // that compacts every few seconds would otherwise read it again each time.
  std::shared_ptr<const std::string> bytes;
  std::string hash;
};

std::mutex& CacheMutex() {
  static std::mutex mu;
  return mu;
}

std::map<std::string, Entry>& Cache() {
  static auto* cache = new std::map<std::string, Entry>();  // never destroyed
  return *cache;
}

// One read(2) loop into a buffer sized from fstat: no stream copies.
bool ReadFd(int fd, size_t size, std::string* out) {
  out->resize(size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, out->data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool LoadFontFile(const std::string& path, FontFile* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    ::close(fd);
    return false;
  }
  const Identity id{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                    static_cast<uint64_t>(st.st_size),
                    int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
  std::lock_guard<std::mutex> lock(CacheMutex());
  Entry& e = Cache()[path];
  if (e.id == id && e.bytes) {
    ::close(fd);
    out->bytes = e.bytes;
    out->fnv1a64_hex = e.hash;
    return true;
  }
  auto bytes = std::make_shared<std::string>();
  const bool ok = ReadFd(fd, static_cast<size_t>(st.st_size), bytes.get());
  ::close(fd);
  if (!ok) return false;
  e.hash = Hex64(Fnv1a64(*bytes));
  e.id = id;
  e.bytes = bytes;
  out->bytes = std::move(bytes);
  out->fnv1a64_hex = e.hash;
  return true;
}

}  // namespace mnemo::codec::internal
