// Copyright (c) mnemo authors.
//
// The legibility/density corpus that tools/corpus/gather.py builds (default
// build/corpus; never committed): one directory per content class holding
// items.jsonl ({"body", "speaker"?, "time"?, "source"} per line), a
// manifest.json, and for LoCoMo only locomo/source.json naming the file,
// which is read here and never copied.

#ifndef MNEMO_BENCH_CODEC_CORPUS_H_
#define MNEMO_BENCH_CODEC_CORPUS_H_

#include <string>
#include <vector>

#include "mnemo/codec/page.h"
#include "mnemo/status.h"

namespace mnemo::bench {

// One content class of the corpus. Records keep their speaker and time as
// structured PageItem fields (time_us, speaker); documents have neither.
struct CorpusClass {
  std::string name;                    // "prose", "logs", ...
  std::vector<codec::PageItem> items;  // ids 1..n in corpus order
  bool records = false;                // made of records (speaker/time)
  std::string source;                  // items.jsonl or the LoCoMo file
};

// The classes in report order: prose, markdown, changelog, man, json, logs,
// commits, chat, locomo; any other class after them by name.
const std::vector<std::string>& KnownCorpusClasses();

// <source dir>/build/corpus: where gather.py writes by default.
std::string DefaultCorpusDir();

// Loads every class under `dir`. NotFound when `dir` has no manifest.json;
// InvalidArgument naming the file and line for a malformed record; a
// LoCoMo file that is missing or malformed fails with its loader's status.
Status LoadCorpus(const std::string& dir, std::vector<CorpusClass>* classes);

// The items as the renderer gets them. `structured`: speaker and time stay
// structured fields (a renderer that draws them, layout v2). Otherwise they
// become the text prefix the engine's compaction writes today,
// "YYYY-MM-DD HH:MM speaker: " (time_us/speaker cleared), so the page shows
// them either way.
std::vector<codec::PageItem> RenderItems(const CorpusClass& c, bool structured);

// The record as an agent would read it in text form: the prefix above
// (whichever fields it has) followed by the body. What text tokens count.
std::string RecordText(const codec::PageItem& item);

}  // namespace mnemo::bench

#endif  // MNEMO_BENCH_CODEC_CORPUS_H_
