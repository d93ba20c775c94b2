// Copyright (c) mnemo authors.
//
// The codec report printed by `mnemo-codec-bench --report`: per profile
// chars/page, estimated text tokens, vision tokens, token ratio, PNG bytes,
// bytes/char, zstd bytes, Tesseract CER (when installed), render / encode /
// pipeline MB/s; bit depth x zlib level at base; decay (base -> small/tiny);
// and the side-by-side with a Python Pillow pipeline (when importable).

#ifndef MNEMO_TESTS_CODEC_CODEC_REPORT_H_
#define MNEMO_TESTS_CODEC_CODEC_REPORT_H_

#include <string>
#include <vector>

#include "mnemo/codec/profile.h"

namespace mnemo::codec {

// Prints the report to stdout; returns a process exit code.
int RunCodecReport();

// The figures of one profile's row, measured on one full page of the prose
// corpus (also used by bench/mnemo_bench_codec.cc).
struct ProfileFigures {
  size_t chars = 0;          // code points on the page
  size_t text_tokens = 0;    // EstimateTextTokens of the page text
  double token_ratio = 0;    // text tokens / the profile's vision tokens
  size_t png_bytes = 0;      // at the profile's bit depth and zlib level
  size_t zstd_bytes = 0;     // the page text as one zstd frame (no dict)
  double cer_percent = -1;   // Tesseract CER, -1 when not measured
  double render_mbps = 0;    // MB/s of text, Pack with a warm glyph cache
  double encode_mbps = 0;    // MB/s of text, EncodePng
  double pipeline_mbps = 0;  // render + encode
  double pipeline_cpu_mbps = 0;  // the same by thread CPU time
  std::string source_text;   // the page's source paragraphs, "\n"-joined
};

// Measures `profile`; runs Tesseract only when `with_cer` (and installed).
// False when the profile could not be rendered.
bool MeasureProfile(const RenderProfile& profile, bool with_cer,
                    ProfileFigures* out);

// One Pillow run: ImageDraw text with word wrap by font.getlength, then
// PNG save, on a white 8-bit page.
struct PillowJob {
  std::string text;
  std::string font_path;  // a TrueType file
  int pixel_size = 11;    // Pillow takes whole pixels
  int width = 1024, height = 1024, margin = 8, line_height = 12;
};
struct PillowFigures {
  double seconds = 0;     // best of the runs, one page
  double cpu_seconds = 0;  // best process CPU time of the runs (robust to load)
  double text_bytes = 0;
  double png_bytes = 0;
  double mbps() const { return seconds > 0 ? text_bytes / 1e6 / seconds : 0; }
};

// True when /usr/bin/python3 imports PIL.
bool PillowAvailable();
// Runs every job in one /usr/bin/python3 process (one thread), keeping the
// best of `runs` per job. False when Pillow is missing or the run failed.
bool RunPillow(const std::vector<PillowJob>& jobs, int runs,
               std::vector<PillowFigures>* out);

}  // namespace mnemo::codec

#endif  // MNEMO_TESTS_CODEC_CODEC_REPORT_H_
