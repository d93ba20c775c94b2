// Copyright (c) mnemo authors.
//
// In-process OCR of page images (libtesseract inside; no Tesseract or
// Leptonica type leaks out of this header), an upscaler for pages read at
// 2-4x, and the character error rate that compares what was read with the
// text that was drawn. One implementation for `mnemo verify --ocr`, the
// codec report and the tests.
//
// Usage:
//   std::unique_ptr<ocr::OcrEngine> engine;
//   MNEMO_RETURN_IF_ERROR(ocr::OcrEngine::Open({}, &engine));
//   std::string text;
//   MNEMO_RETURN_IF_ERROR(engine->Read(page, {.psm = 6, .upscale = 3}, &text));
//   ocr::CerCount c = ocr::CharErrorRate(reference, text, {});
//   double cer = c.rate();

#ifndef MNEMO_OCR_OCR_H_
#define MNEMO_OCR_OCR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mnemo/codec/image.h"
#include "mnemo/codec/page.h"
#include "mnemo/status.h"

namespace mnemo::ocr {

struct OcrOptions {
  // Tesseract language(s), e.g. "eng" or "eng+deu".
  std::string language = "eng";
  // Directory holding <language>.traineddata. Empty: Tesseract's default
  // (the TESSDATA_PREFIX environment variable, else its compiled-in path).
  std::string tessdata_dir;
};

// A rectangle of the page image, in its pixels (before any upscale).
struct CropRect {
  int x = 0, y = 0, w = 0, h = 0;
};

struct OcrRequest {
  // Tesseract page segmentation mode: 6 reads the page as one uniform block
  // of text (single-column pages); 3 segments it automatically and reads
  // columns in order (pages laid out in columns). Others: InvalidArgument.
  int psm = 6;
  // 1 reads the pixels as stored; 2..4 first enlarges the page (Upscale):
  // small glyphs read markedly better at 3x (LoCoMo dialogue pages: 0.31%
  // CER at 3x vs 1.1% as stored, at about twice the CPU time).
  int upscale = 1;
  // Reads only this part of the page when set; must lie inside it.
  std::optional<CropRect> crop;
};

// One Tesseract instance, loaded once and reused for many pages.
//
// Thread safety: thread-compatible. One engine is used by one thread at a
// time; open one engine per thread to read pages in parallel.
class OcrEngine {
 public:
  // Loads the language data. InvalidArgument for an empty language;
  // NotFound naming the language and directory when its traineddata cannot
  // be loaded (e.g. the eng data package is not installed).
  static Status Open(const OcrOptions& options,
                     std::unique_ptr<OcrEngine>* engine);

  OcrEngine(const OcrEngine&) = delete;
  OcrEngine& operator=(const OcrEngine&) = delete;
  ~OcrEngine();

  // Recognises the text of `page` (8-bit gray) into *text, lines separated
  // by '\n' as Tesseract emits them. InvalidArgument for an empty image, a
  // bad psm/upscale, or a crop outside the page (naming the field);
  // IOError when Tesseract fails to recognise. Deterministic: the same
  // image and request give the same text.
  Status Read(const codec::GrayImage& page, const OcrRequest& request,
              std::string* text);

  // The characters the loaded model(s) can output (ModelCharset of each
  // language's traineddata in the data path Tesseract used). A character
  // outside this set is never read back whatever its glyph looks like: eng
  // has no backtick, no '^' and of the accented letters only 'é'.
  Status Charset(std::u32string* out) const;

 private:
  struct Impl;
  explicit OcrEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The parts of a page in columns that OCR reads one by one, in reading
// order (the layout's: the band at the top, then column 1 top to bottom,
// column 2, ...): the band is the leading lines above every later column,
// a column a run of lines going down the page; each part is the bounding
// box of its line boxes plus a 4 px white border, clipped to the page.
// Reading each part as one block (psm 6) measures the glyphs without
// Tesseract's page segmentation, which splits lines at wide gaps (man
// pages' "-C     list entries") and reorders the pieces. One part for a
// single-column page.
std::vector<CropRect> ReadingRegions(const codec::PageManifest& m, int width,
                                     int height);

// Tesseract parallelises inside a page with OpenMP threads that spin while
// they wait: on a busy or small machine a page reads 3-5x slower (measured:
// 16 s vs 3.2 s for a 1024x1024 page at 3x on 2 shared cores), and the
// threads are invisible to the thread sanitizer. The OpenMP runtime reads
// its thread limit (OMP_THREAD_LIMIT) from the environment only when it
// loads, before main(). So, unless OMP_THREAD_LIMIT is already set, this
// sets it to 1 and re-executes the process with the same command line
// (/proc/self/exe); it returns only when that is not needed or not possible
// (then OCR still works, with OpenMP threads). Call it first thing in a
// program (before output, threads or open files); to read pages in
// parallel, open one OcrEngine per thread instead.
void RunOcrSingleThreaded();

// Appends to *out the characters (code points; the space for "NULL") of the
// recogniser's character set in a traineddata file: the LSTM unicharset,
// else the legacy one. NotFound when the file cannot be read, Corruption
// when it holds no character set.
Status ModelCharset(const std::string& traineddata_path, std::u32string* out);

// "5.3.0": the libtesseract linked in.
std::string TesseractVersion();

// Enlarges `in` by an integer `factor` (1..8) into *out with a Catmull-Rom
// bicubic filter (sharp edges, little ringing; results clamped to 0..255),
// fixed-point so the output is bit-for-bit deterministic. factor 1 copies.
// InvalidArgument for an empty image, a bad factor, or a result wider or
// taller than 65536 pixels.
Status Upscale(const codec::GrayImage& in, int factor, codec::GrayImage* out);

// --- Character error rate ---

// How both texts are normalised before they are compared. Normalisation is
// applied identically to the reference and to the OCR output:
//  1. code points in `excluded` become spaces (layout marks the page draws
//     that are not part of the memory's text, e.g. a record delimiter or a
//     paragraph mark);
//  2. when fold_typography: the variants Tesseract emits for ASCII fold back
//     to ASCII: curly double quotes -> '"', curly single quotes -> '\'',
//     en/em dashes, the hyphen U+2010, the non-breaking hyphen U+2011 and
//     the minus sign U+2212 -> '-' (drawn alike: man pages set U+2010),
//     the fi/fl/ff/ffi/ffl ligatures -> their letters.
//     The backtick and the apostrophe stay distinct (a real misreading);
//  3. when fold_whitespace: runs of spaces, tabs and line breaks become one
//     space, and leading/trailing whitespace is dropped (OCR does not see
//     line structure the way the layout wrote it).
//  4. when `readable` is not empty (the OCR model's OcrEngine::Charset),
//     a reference character outside it (whitespace aside) is UNSCORED: the
//     reader cannot output it whatever the glyph, so it matches one OCR
//     character of any kind, or none, at no cost. Every other character,
//     including the OCR's reading of its neighbours, is scored as usual.
//     CerCount::unscored says how many there were: report it next to the
//     rate, since those characters' legibility was not measured.
struct CerOptions {
  bool fold_whitespace = true;
  bool fold_typography = true;
  // Code points treated as layout marks (see above). Default: none.
  std::u32string excluded;
  // Characters the reader can output (see 4). Default: all are scored.
  std::u32string readable;
};

// Edit counts, so callers can aggregate over pages: the aggregate rate is
// sum(edits) / sum(reference_chars), not the mean of the page rates.
struct CerCount {
  uint64_t edits = 0;            // Levenshtein distance in code points
  uint64_t reference_chars = 0;  // code points of the normalised reference
  uint64_t ocr_chars = 0;        // code points of the normalised OCR text
  uint64_t unscored = 0;         // reference code points outside `readable`
  // edits / reference_chars; 0 when both are empty, 1 when only the
  // reference is empty.
  double rate() const;
  CerCount& operator+=(const CerCount& other);
};

// The code points of UTF-8 `text` (e.g. to fill CerOptions::excluded from a
// flag); each malformed byte becomes U+FFFD.
std::u32string CodePoints(std::string_view text);

// The normalised form of `text` (see CerOptions), UTF-8. Malformed UTF-8
// bytes count as one U+FFFD each.
std::string NormalizeForCer(std::string_view text, const CerOptions& options);

// Levenshtein distance over code points between the normalised `reference`
// and `ocr` (unit cost insert/delete/substitute; unscored reference
// characters cost nothing, see CerOptions). O(n*m) time, O(m) memory.
CerCount CharErrorRate(std::string_view reference, std::string_view ocr,
                       const CerOptions& options);

}  // namespace mnemo::ocr

#endif  // MNEMO_OCR_OCR_H_
