// Copyright (c) mnemo authors.
//
// Helpers for the codec tests and bench: the sample corpora, character error
// rate, and running the real `tesseract` binary on a PNG.

#ifndef MNEMO_TESTS_CODEC_CODEC_TEST_UTIL_H_
#define MNEMO_TESTS_CODEC_CODEC_TEST_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "mnemo/codec/page.h"

namespace mnemo::codec::test {

// tests/codec/data/<name>, read from MNEMO_SOURCE_DIR (or the compiled-in
// source dir). Empty when missing.
std::string ReadCodecData(const std::string& name);

// Items made of the blank-line-separated paragraphs of `text`, cycled until
// at least `min_chars` bytes; ids count from 1. `header` prefixes are added
// ("2024-05-07 09:00 user") when with_headers.
std::vector<PageItem> ParagraphItems(const std::string& text, size_t min_chars,
                                     bool with_headers);

// Identifier-heavy records: hex ids, UUIDs, paths, numbers, timestamps,
// generated from a fixed seed.
std::vector<PageItem> IdentifierItems(size_t min_chars);

// Collapses runs of whitespace to one space, trims, and folds the
// typographic variants Tesseract emits for ASCII (curly quotes, dashes,
// ligatures) back to ASCII: ocr::NormalizeForCer with default CerOptions.
std::string NormalizeForCer(std::string_view text);

// Levenshtein distance over code points / reference length, after
// NormalizeForCer on both: ocr::CharErrorRate(...).rate() with default
// CerOptions (one implementation, see tools/ocr).
double CharacterErrorRate(std::string_view reference, std::string_view hypothesis);

// True when a `tesseract` binary is on PATH.
bool HaveTesseract();

// Runs tesseract on `png_path` (psm 6: one uniform block of text); false on
// failure.
bool RunTesseract(const std::string& png_path, std::string* text);

}  // namespace mnemo::codec::test

#endif  // MNEMO_TESTS_CODEC_CODEC_TEST_UTIL_H_
