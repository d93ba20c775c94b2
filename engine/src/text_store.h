// Copyright (c) mnemo authors.
//
// zstd text of warm and older records: one dictionary trained on the
// store's own records (the first time enough of them go warm), kept in the
// default column family, and a pool of reusable codec contexts per
// dictionary so concurrent readers never share one.

#ifndef MNEMO_ENGINE_TEXT_STORE_H_
#define MNEMO_ENGINE_TEXT_STORE_H_

#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mnemo/codec/text_codec.h"
#include "mnemo/status.h"

namespace mnemo::internal {

class TextStore {
 public:
  // `db` and `family` (the default column family) must outlive this.
  void Attach(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) {
    db_ = db;
    family_ = family;
  }
  // Reads which dictionary is current. Call once after Attach.
  Status Load();

  // Replaces *frame with a zstd frame of `text` (current dictionary).
  Status Compress(std::string_view text, std::string* frame);
  // Replaces *text with the content of `frame`; `what` names the record.
  Status Decompress(std::string_view frame, std::string_view what,
                    std::string* text);
  // Trains and stores a dictionary from `samples` when none exists yet and
  // there are enough samples; otherwise does nothing. Thread-safe.
  Status MaybeTrain(const std::vector<std::string>& samples);
  uint32_t current_dictionary() const;

 private:
  using Compressor = std::unique_ptr<codec::TextCompressor>;
  Status Acquire(uint32_t dict_id, Compressor* out);
  void Release(uint32_t dict_id, Compressor c);
  Status LoadDictionary(uint32_t dict_id, std::string* dict);

  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* family_ = nullptr;
  mutable std::mutex mu_;
  uint32_t current_ = 0;                      // 0: no dictionary
  std::map<uint32_t, std::string> dicts_;     // loaded dictionaries
  std::map<uint32_t, std::vector<Compressor>> idle_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_TEXT_STORE_H_
