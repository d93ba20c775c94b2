// Copyright (c) mnemo authors.
//
// Font file bytes and their FNV-1a hash, shared by every FontSet of the
// process. A renderer used to read and hash ~10 MB of font files (primary +
// fallback chain) each time it was created, which was ~11% of a compaction
// of a few pages; now each file is read and hashed once per process and
// its bytes are shared, read-only, by every FreeType face made from it.
//
// A file is identified by path, device, inode, size and mtime: a font
// replaced on disk is read and hashed again.
//
// Thread safety: LoadFontFile may be called from any thread.

#ifndef MNEMO_CODEC_SRC_FONT_FILE_H_
#define MNEMO_CODEC_SRC_FONT_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

namespace mnemo::codec::internal {

struct FontFile {
  std::shared_ptr<const std::string> bytes;  // never null on success
  std::string fnv1a64_hex;                   // Hex64(Fnv1a64(*bytes))
};

// False when `path` cannot be read or is empty.
bool LoadFontFile(const std::string& path, FontFile* out);

}  // namespace mnemo::codec::internal

#endif  // MNEMO_CODEC_SRC_FONT_FILE_H_
