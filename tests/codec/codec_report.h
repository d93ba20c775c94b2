// Copyright (c) mnemo authors.
//
// The codec report printed by `mnemo-codec-bench --report`: per profile
// chars/page, estimated text tokens, vision tokens, token ratio, PNG bytes,
// bytes/char, zstd bytes, Tesseract CER (when installed), render / encode /
// pipeline MB/s; bit depth x zlib level at base; decay (base -> small/tiny);
// and the side-by-side with a Python Pillow pipeline (when importable).

#ifndef MNEMO_TESTS_CODEC_CODEC_REPORT_H_
#define MNEMO_TESTS_CODEC_CODEC_REPORT_H_

namespace mnemo::codec {

// Prints the report to stdout; returns a process exit code.
int RunCodecReport();

}  // namespace mnemo::codec

#endif  // MNEMO_TESTS_CODEC_CODEC_REPORT_H_
