// Reference token counts from the JavaScript tiktoken port, for the
// tokenizer tests and the estimator calibration.
//
//   node tokenizer_reference.cjs VOCAB_DIR ENCODING < texts.json > counts.json
//
// VOCAB_DIR holds node_modules/js-tiktoken (tools/install_deps.sh puts it
// in /var/cache/mnemo/vocab); texts.json is a JSON array of strings; the
// output is a JSON array of token counts, special tokens counted as text.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const [dir, encoding] = process.argv.slice(2);
if (!dir || !encoding) {
  process.stderr.write("usage: tokenizer_reference.cjs VOCAB_DIR ENCODING\n");
  process.exit(2);
}
const req = createRequire(path.join(path.resolve(dir), "package.json"));
const { Tiktoken } = req("js-tiktoken/lite");
const ranks = req(`js-tiktoken/ranks/${encoding}`);
const enc = new Tiktoken(ranks.default || ranks);
const texts = JSON.parse(fs.readFileSync(0, "utf8"));
const counts = texts.map((t) => enc.encode(t, [], []).length);
process.stdout.write(JSON.stringify(counts) + "\n");
