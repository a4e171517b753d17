// Text corpora (DARTS-PTB's ptb.{train,valid,test}.txt; lib/data/src/text.cpp, no LibTorch): the
// input as a corpus file read by read_tokens, and as plain text for the converter (wsnas-data
// text: text_sentences, write_text_corpus). An accepted corpus file is its lines' words, each
// followed by <eos> (lines end at "\n", "\r\n" or a lone "\r", as Python reads them; words
// between ASCII white space), with ids in order of first appearance, and it reads again against
// its own vocabulary to the same ids. The converter's sentences are non-empty lists of lower-case
// words without white space; a corpus it writes loads as the DARTS-PTB dataset does (the valid and
// test files against the training vocabulary) with the counts it reported.
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_strict.h"
#include "fuzz_support.h"
#include "wsnas/data/text.h"

namespace {

using namespace wsnas;

/// A scratch folder for the converter's output, removed at exit.
struct Scratch {
  std::string dir;
  Scratch() {
    const std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/wsnas-fuzz-text.XXXXXX";
    if (!::mkdtemp(pattern.data())) fuzz::finding("cannot create a scratch folder");
    dir = pattern;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

const std::string& scratch_dir() {
  static const Scratch s;
  return s.dir;
}

/// The tokens of a corpus file as DARTS' Corpus.tokenize reads it, written independently.
std::vector<std::string> expected_tokens(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  bool open = false;  // characters since the last line end
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      lines.push_back(line);
      line.clear();
      open = false;
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      line += c;
      open = true;
    }
  }
  if (open) lines.push_back(line);
  std::vector<std::string> out;
  for (const auto& l : lines) {
    std::string word;
    for (const char c : l + " ") {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!word.empty()) out.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
    out.push_back("<eos>");
  }
  return out;
}

void check_corpus_file(const std::string& path, const std::string& text) {
  data::Vocabulary vocab;
  std::vector<std::int64_t> ids;
  bool read = false;
  fuzz::refused_or_accepted([&] {
    data::read_tokens(path, vocab, /*grow=*/true, ids);
    read = true;
  });
  if (!read) return;
  if (vocab.ids.size() != vocab.words.size())
    fuzz::finding("the vocabulary's words and ids disagree in number");
  for (std::size_t i = 0; i < vocab.words.size(); ++i)
    if (vocab.find(vocab.words[i]) != static_cast<std::int64_t>(i))
      fuzz::finding("the vocabulary's word " + std::to_string(i) + " has another id");
  const auto want = expected_tokens(text);
  if (ids.size() != want.size())
    fuzz::finding("read_tokens read " + std::to_string(ids.size()) + " tokens, the file has " +
                  std::to_string(want.size()) + " (words and <eos>)");
  std::int64_t next = 0;  // ids in order of first appearance
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab.size()) fuzz::finding("a token id out of the vocabulary");
    if (vocab.words[static_cast<std::size_t>(ids[i])] != want[i])
      fuzz::finding("token " + std::to_string(i) + " is '" + vocab.words[ids[i]] +
                    "', the file says '" + want[i] + "'");
    if (ids[i] == next) ++next;
    if (ids[i] > next) fuzz::finding("ids are not in order of first appearance");
  }
  // Read again against its own vocabulary (closed, as the valid and test files): the same ids.
  std::vector<std::int64_t> again;
  bool reread = false;
  fuzz::refused_or_accepted([&] {
    data::read_tokens(path, vocab, /*grow=*/false, again);
    reread = true;
  });
  if (!reread || again != ids)
    fuzz::finding("a corpus file does not read again against its own vocabulary");
}

void check_sentences(const std::string& text) {
  for (const auto& s : data::text_sentences(text)) {
    if (s.empty()) fuzz::finding("text_sentences gave an empty sentence");
    for (const auto& w : s) {
      bool alnum = false;
      for (const char ch : w) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isspace(c) || c < 0x20 || c == 0x7f)
          fuzz::finding("text_sentences gave a word with white space or a control byte");
        if (std::isupper(c) && w != "N")
          fuzz::finding("text_sentences gave the word '" + w + "' with an upper-case letter");
        alnum = alnum || std::isalnum(c);
      }
      if (!alnum)
        fuzz::finding("text_sentences gave the word '" + w + "' without a letter or digit");
    }
  }
}

void check_converter(const std::string& input, const data::TextConvertOptions& o,
                     const std::string& out) {
  data::TextCorpusStats st;
  bool written = false;
  fuzz::refused_or_accepted([&] {
    st = data::write_text_corpus({input}, out, o);
    written = true;
  });
  if (!written) return;
  if (st.vocab < 2 || st.vocab > o.vocab)
    fuzz::finding("write_text_corpus reported a vocabulary of " + std::to_string(st.vocab) +
                  " words for --vocab " + std::to_string(o.vocab));
  bool loaded = false;
  fuzz::refused_or_accepted([&] {
    const auto b = data::load_text_corpus("ptb", out, "ptb.{split}.txt", data::BundleOptions{});
    loaded = true;
    const data::Dataset* sets[3] = {b.train_set.get(), b.valid_set.get(), b.test_set.get()};
    for (int p = 0; p < 3; ++p) {
      const auto* ts = dynamic_cast<const data::TokenStream*>(sets[p]);
      if (!ts) fuzz::finding("load_text_corpus gave a split that is not a TokenStream");
      if (static_cast<std::int64_t>(ts->tokens.size()) != st.tokens[p])
        fuzz::finding("split " + std::to_string(p) + " loads " + std::to_string(ts->tokens.size()) +
                      " tokens, write_text_corpus reported " + std::to_string(st.tokens[p]));
      if (ts->classes != st.vocab)
        fuzz::finding("the corpus loads with a vocabulary of " + std::to_string(ts->classes) +
                      " words, write_text_corpus reported " + std::to_string(st.vocab));
    }
  });
  if (!loaded) fuzz::finding("a corpus written by write_text_corpus does not load");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const fuzz::MemFile file(data, size);
  // 1. A corpus file.
  check_corpus_file(file.path(), text);
  // 2. The converter: sentences of the text, then a corpus written from it (the default options
  // of wsnas-data text but a split every 3 sentences, so that short inputs get through; and a tiny
  // vocabulary, so that most words become <unk>).
  fuzz::refused_or_accepted([&] { check_sentences(text); });
  data::TextConvertOptions o;
  o.every = 3;
  check_converter(file.path(), o, scratch_dir() + "/default");
  o.vocab = 4;
  o.min_count = 1;
  check_converter(file.path(), o, scratch_dir() + "/tiny");
  return 0;
}
