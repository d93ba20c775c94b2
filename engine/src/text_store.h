// Copyright (c) mnemo authors.
//
// zstd text of warm and older records: one dictionary trained on the
// store's own records (the first time enough of them go warm), kept in the
// default column family (through RecordTable), and a pool of reusable codec contexts per
// dictionary so concurrent readers never share one.

#ifndef MNEMO_ENGINE_TEXT_STORE_H_
#define MNEMO_ENGINE_TEXT_STORE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mnemo/codec/text_codec.h"
#include "mnemo/status.h"

namespace mnemo::internal {

class RecordTable;  // record_table.h

class TextStore {
 public:
  // `table` stores the dictionaries; it must outlive this (and be bound
  // to the open database while this is used).
  void Attach(const RecordTable* table) { table_ = table; }
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

  const RecordTable* table_ = nullptr;
  mutable std::mutex mu_;
  uint32_t current_ = 0;                      // 0: no dictionary
  std::map<uint32_t, std::string> dicts_;     // loaded dictionaries
  std::map<uint32_t, std::vector<Compressor>> idle_;
};

}  // namespace mnemo::internal

#endif  // MNEMO_ENGINE_TEXT_STORE_H_
