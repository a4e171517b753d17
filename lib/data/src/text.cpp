#include "wsnas/data/text.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "entries.h"
#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"

namespace wsnas::data {

std::int64_t Vocabulary::add(const std::string& word) {
  const auto it = ids.find(word);
  if (it != ids.end()) return it->second;
  const auto id = size();
  words.push_back(word);
  ids.emplace(word, id);
  return id;
}

std::int64_t Vocabulary::find(const std::string& word) const {
  const auto it = ids.find(word);
  return it == ids.end() ? -1 : it->second;
}

namespace {
/// Refuses what is not text: control bytes other than tab, vertical tab and form feed (a NUL, or
/// binary data with no NUL), and bytes that are not UTF-8 (Python's open() would raise
/// UnicodeDecodeError on them).
/// `file` names the file in messages ("'ptb.train.txt'", "input 'a.txt'").
void check_text(const std::string& line, const std::string& file, std::int64_t line_no) {
  for (std::size_t i = 0; i < line.size();) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x80) {
      WSNAS_CHECK_INPUT((c >= 0x20 && c != 0x7f) || c == '\t' || c == '\v' || c == '\f', file,
                        " line ", line_no, ": control byte ",
                        printable(std::string(1, static_cast<char>(c))), " at byte ", i + 1,
                        " (expected text: one sentence per line)");
      ++i;
      continue;
    }
    // The length of a UTF-8 sequence from its lead byte; its continuation bytes are 10xxxxxx.
    const std::size_t n = c >= 0xc2 && c <= 0xdf   ? 2
                          : c >= 0xe0 && c <= 0xef ? 3
                          : c >= 0xf0 && c <= 0xf4 ? 4
                                                   : 0;
    bool ok = n > 0 && i + n <= line.size();
    for (std::size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(line[i + k]) & 0xc0) == 0x80;
    WSNAS_CHECK_INPUT(ok, file, " line ", line_no, ": byte ", i + 1,
                      " is not UTF-8 (expected text: one sentence per line)");
    i += n;
  }
}

/// A corpus file of a split: `pattern` with "{split}" replaced ("ptb.{split}.txt").
std::string corpus_file(const std::string& pattern, const std::string& dir,
                        const std::string& split) {
  std::string name = pattern;
  const auto at = name.find("{split}");
  WSNAS_ASSERT(at != std::string::npos, "corpus file pattern '", pattern, "' without {split}");
  return dir + "/" + name.replace(at, 7, split);
}
}  // namespace

void read_tokens(const std::string& path, Vocabulary& vocab, bool grow,
                 std::vector<std::int64_t>& out) {
  check_input_file(path, "--data-dir");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw_system_error("--data-dir: cannot read '" + path +
                           "' (expected a corpus file: one sentence per line, words separated by "
                           "spaces)",
                       errno);
  std::int64_t line_no = 0;
  // One line as DARTS' Corpus.tokenize reads it (rnn/data.py: `for line in f: words =
  // line.split() + ['<eos>']`): words between white space, then <eos>.
  auto add_line = [&](const std::string& line) {
    ++line_no;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      std::size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j == i) break;
      const std::string word = line.substr(i, j - i);
      std::int64_t id = grow ? vocab.add(word) : vocab.find(word);
      WSNAS_CHECK_INPUT(id >= 0, "'", printable(path), "' line ", line_no, ": word '",
                        printable(word, 40),
                        "' is not in the training file's vocabulary (a closed-vocabulary corpus "
                        "writes unseen words as <unk>)");
      out.push_back(id);
      i = j;
    }
    // Words then <eos>, each added on first sight: DARTS' Corpus.tokenize order of ids.
    const std::int64_t eos = grow ? vocab.add("<eos>") : vocab.find("<eos>");
    WSNAS_CHECK_INPUT(eos >= 0, "'", printable(path), "' line ", line_no,
                      ": <eos> is not in the training file's vocabulary");
    out.push_back(eos);
  };
  // Python 3 reads text with universal newlines: "\n", "\r\n" and a lone "\r" each end a line.
  // getline splits at "\n"; a chunk is then split at each "\r", except one that ends it.
  const std::string shown = "'" + printable(path) + "'";
  std::string chunk, line;
  while (std::getline(in, chunk)) {
    std::size_t from = 0;
    for (std::size_t k = 0; k <= chunk.size(); ++k) {
      if (k < chunk.size() && chunk[k] != '\r') continue;
      if (k == chunk.size() && k > 0 && chunk[k - 1] == '\r') break;
      line.assign(chunk, from, k - from);
      from = k + 1;
      check_text(line, shown, line_no + 1);
      add_line(line);
    }
  }
  WSNAS_CHECK_INPUT(!in.bad(), "'", path, "': read error");
  WSNAS_CHECK_INPUT(line_no > 0, "'", path,
                    "': empty (expected a corpus file: one sentence per line)");
}

DataBundle load_text_corpus(const std::string& name, const std::string& dir,
                            const std::string& pattern, const BundleOptions& options) {
  WSNAS_CHECK_INPUT(options.protocol == "default", "--protocol '", options.protocol,
                    "': the text dataset ", name,
                    " has its own train/valid/test files (expected default)");
  const char* splits[3] = {"train", "valid", "test"};
  std::shared_ptr<TokenStream> sets[3];
  Vocabulary vocab;
  for (int s = 0; s < 3; ++s) {
    const std::string path = corpus_file(pattern, dir, splits[s]);
    WSNAS_CHECK_INPUT(io::path_exists(path), "--data-dir: no file '", path, "' (expected the ",
                      name, " corpus: ", corpus_file(pattern, dir, "train"), ", ",
                      corpus_file(pattern, dir, "valid"), ", ", corpus_file(pattern, dir, "test"),
                      "; wsnas-data text writes one from plain text)");
    sets[s] = std::make_shared<TokenStream>();
    TokenStream& d = *sets[s];
    d.name = name;
    d.source = path;
    d.default_protocol = "default";
    read_tokens(path, vocab, s == 0, d.tokens);
    const std::int64_t limit = s == 0 ? options.limit_train : options.limit_eval;
    if (limit > 0 && static_cast<std::int64_t>(d.tokens.size()) > limit)
      d.tokens.resize(static_cast<std::size_t>(limit));
  }
  for (auto& d : sets) {
    d->classes = static_cast<int>(vocab.size());
    d->words = vocab.words;
  }
  DataBundle b;
  b.protocol = "default";
  b.train_set = sets[0];
  b.valid_set = sets[1];
  b.test_set = sets[2];
  b.train = {sets[0].get(), {}, "train"};
  b.valid = {sets[1].get(), {}, "valid"};
  b.test = {sets[2].get(), {}, "test"};
  return b;
}

namespace {
/// A corpus of three files, `pattern` with {split} = train, valid, test (DARTS' data.Corpus).
DatasetEntry text_corpus_entry(const std::string& name, const std::string& title,
                               const std::string& pattern, std::string source) {
  DatasetEntry e;
  e.name = name;
  e.summary = title + ": " + corpus_file(pattern, "", "{train,valid,test}").substr(1);
  e.load = [name, pattern](const std::string& dir, const BundleOptions& o) {
    return load_text_corpus(name, dir, pattern, o);
  };
  for (const char* split : {"train", "valid", "test"})
    e.files.push_back(corpus_file(pattern, "", split).substr(1));
  e.source = std::move(source);
  return e;
}
}  // namespace

DatasetEntry ptb_entry() {
  return text_corpus_entry(
      "ptb", "Penn Treebank text", "ptb.{split}.txt",
      "http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz, its data/ folder (or "
      "wsnas-data text --out DIR FILES for a corpus in that format)");
}

DatasetEntry wikitext2_entry() {
  return text_corpus_entry(
      "wikitext-2", "WikiText-2 text", "wiki.{split}.tokens",
      "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip, its folder "
      "wikitext-2");
}

// ---- TokenStream: BPTT windows over batch_size columns ------------------------------------

std::vector<std::int64_t> bptt_windows(std::int64_t rows, std::int64_t bptt, bool variable,
                                       std::uint64_t seed, std::vector<double>* scales) {
  WSNAS_CHECK_INPUT(bptt >= 1, "--bptt ", bptt, ": expected at least 1");
  std::vector<std::int64_t> out;
  if (scales) scales->clear();
  Rng rng(seed);
  // DARTS' train loop runs while i < rows - 2 (rnn/train.py); evaluation over range(0, rows - 1).
  for (std::int64_t i = 0; variable ? i < rows - 2 : i < rows - 1;) {
    std::int64_t len = bptt;
    if (variable) {
      const double mean = rng.uniform() < 0.95 ? static_cast<double>(bptt) : bptt / 2.0;
      // N(mean, 5) by Box-Muller; int() truncates toward zero as Python's.
      const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
      const double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      len = std::min<std::int64_t>(
          std::max<std::int64_t>(5, static_cast<std::int64_t>(mean + 5.0 * normal)), bptt + 20);
    }
    out.push_back(std::min(len, rows - 1 - i));
    if (scales) scales->push_back(static_cast<double>(out.back()) / static_cast<double>(bptt));
    i += len;
  }
  return out;
}

namespace {

/// One epoch of a token stream: DARTS' batchify cuts the stream to a multiple of B tokens,
/// column c = tokens [c rows, (c + 1) rows); this rank reads columns [rank B/world, (rank + 1)
/// B/world), window after window.
class TextEpoch : public Epoch {
 public:
  TextEpoch(const TokenStream& data, const LoaderOptions& o, std::int64_t epoch)
      : tokens_(data.tokens),
        rows_(data.size() / o.batch_size),
        per_(o.batch_size / o.world),
        c0_(o.rank * per_),
        variable_(o.variable_bptt) {
    windows_ = bptt_windows(rows_, o.bptt, o.variable_bptt,
                            Rng::derive(o.seed, static_cast<std::uint64_t>(epoch)), &scales_);
    std::int64_t pos = 0;
    for (const auto len : windows_) {
      starts_.push_back(pos);
      pos += len;
    }
  }
  std::int64_t batches() const override { return static_cast<std::int64_t>(windows_.size()); }
  BatchLayout layout(std::int64_t b) const override {
    BatchLayout l;
    const auto len = windows_[static_cast<std::size_t>(b)];
    l.inputs = l.labels = {len, per_};
    l.integer_inputs = true;
    l.lr_scale = variable_ ? scales_[static_cast<std::size_t>(b)] : 1.0;
    return l;
  }
  void fill(std::int64_t b, void* inputs, std::int64_t* y) const override {
    auto* x = static_cast<std::int64_t*>(inputs);
    const auto len = windows_[static_cast<std::size_t>(b)];
    const auto pos = starts_[static_cast<std::size_t>(b)];
    for (std::int64_t t = 0; t < len; ++t) {
      for (std::int64_t c = 0; c < per_; ++c) {
        const auto at = static_cast<std::size_t>((c0_ + c) * rows_ + pos + t);
        x[t * per_ + c] = tokens_[at];
        y[t * per_ + c] = tokens_[at + 1];
      }
    }
  }

 private:
  const std::vector<std::int64_t>& tokens_;
  std::int64_t rows_, per_, c0_;
  bool variable_;
  std::vector<std::int64_t> windows_, starts_;
  std::vector<double> scales_;
};

}  // namespace

std::int64_t TokenStream::batches(const Split& split, const LoaderOptions& o,
                                  std::int64_t epoch) const {
  return static_cast<std::int64_t>(
      bptt_windows(split.size() / o.batch_size, o.bptt, o.variable_bptt,
                   Rng::derive(o.seed, static_cast<std::uint64_t>(epoch)))
          .size());
}

std::unique_ptr<Epoch> TokenStream::epoch(const Split&, const LoaderOptions& options,
                                          std::int64_t epoch) const {
  return std::make_unique<TextEpoch>(*this, options, epoch);
}

std::string TokenStream::describe() const { return "vocabulary: " + std::to_string(classes); }

// ---- the converter ------------------------------------------------------------------------

namespace {

bool is_number_token(const std::string& w) {
  bool digit = false;
  for (const char c : w) {
    if (std::isdigit(static_cast<unsigned char>(c)))
      digit = true;
    else if (c != '.' && c != ',' && c != ':' && c != '/' && c != '-')
      return false;
  }
  return digit;
}

/// Appends the tokens of one word as the PTB writes them: clitics split off ("don't" -> do n't,
/// "it's" -> it 's), numbers as N.
void push_word(std::string w, std::vector<std::string>& out) {
  auto strip = [](std::string& s) {
    while (!s.empty() && (s.front() == '\'' || s.front() == '-')) s.erase(s.begin());
    while (!s.empty() && (s.back() == '\'' || s.back() == '-' || s.back() == '.' ||
                          s.back() == ',' || s.back() == ':' || s.back() == '/'))
      s.pop_back();
  };
  strip(w);
  if (w.empty()) return;
  if (is_number_token(w)) {
    out.push_back("N");
    return;
  }
  std::string clitic;
  if (w.size() > 3 && w.compare(w.size() - 3, 3, "n't") == 0) {
    clitic = "n't";
    w.resize(w.size() - 3);
  } else if (const auto p = w.find('\''); p != std::string::npos && p > 0) {
    clitic = w.substr(p);
    w.resize(p);
  }
  strip(w);
  if (!w.empty()) out.push_back(is_number_token(w) ? "N" : w);
  if (!clitic.empty()) out.push_back(clitic);
}

}  // namespace

std::vector<std::vector<std::string>> text_sentences(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> sentence;
  auto end_sentence = [&] {
    if (!sentence.empty()) out.push_back(std::move(sentence));
    sentence.clear();
  };
  std::string word;
  auto end_word = [&] {
    push_word(word, sentence);
    word.clear();
  };
  int newlines = 0;  // consecutive line ends seen in white space: 2 = a blank line
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool next_space =
        i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]));
    if (std::isalnum(c) || c >= 0x80) {
      word.push_back(static_cast<char>(c >= 0x80 ? c : std::tolower(c)));
      newlines = 0;
    } else if ((c == '\'' || c == '-' || c == '.' || c == ',' || c == ':' || c == '/') &&
               !word.empty() && !next_space) {
      word.push_back(static_cast<char>(c));  // inside a word or a number: don't, 3.14, 1,000
    } else {
      end_word();
      if (c == '\n' && ++newlines >= 2) end_sentence();
      if (!std::isspace(c)) newlines = 0;
      if ((c == '.' || c == '!' || c == '?' || c == ';') && next_space) end_sentence();
    }
  }
  end_word();
  end_sentence();
  // Non-ASCII bytes stay inside words (UTF-8 letters); words made of them only are dropped.
  for (auto& s : out) {
    s.erase(std::remove_if(s.begin(), s.end(),
                           [](const std::string& w) {
                             return std::none_of(w.begin(), w.end(), [](char ch) {
                               return std::isalnum(static_cast<unsigned char>(ch)) != 0;
                             });
                           }),
            s.end());
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const auto& s) { return s.empty(); }),
            out.end());
  return out;
}

TextCorpusStats write_text_corpus(const std::vector<std::string>& inputs,
                                  const std::string& out_dir, const TextConvertOptions& o) {
  WSNAS_CHECK_USAGE(!inputs.empty(), "wsnas-data text: no input files (expected plain-text files)");
  WSNAS_CHECK_USAGE(o.vocab >= 3, "--vocab ", o.vocab, ": expected at least 3 (<unk>, <eos>, ...)");
  WSNAS_CHECK_USAGE(o.every >= 3, "--every ", o.every, ": expected at least 3");
  WSNAS_CHECK_USAGE(o.min_count >= 1, "--min-count ", o.min_count, ": expected at least 1");
  std::vector<std::vector<std::string>> all;
  for (const auto& path : inputs) {
    check_input_file(path, "input");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw_system_error("input '" + path + "': cannot read", errno);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    WSNAS_CHECK_INPUT(text.find('\0') == std::string::npos, "input '", printable(path),
                      "': a NUL byte (expected plain text)");
    // Line ends as Python reads them ("\r\n" and a lone "\r" are "\n"); then text only.
    std::string lf;
    lf.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] != '\r')
        lf += text[i];
      else if (i + 1 == text.size() || text[i + 1] != '\n')
        lf += '\n';
    text.swap(lf);
    std::int64_t line_no = 0;
    for (std::size_t from = 0; from <= text.size();) {
      const std::size_t to = std::min(text.find('\n', from), text.size());
      check_text(text.substr(from, to - from), "input '" + printable(path) + "'", ++line_no);
      from = to + 1;
    }
    auto s = text_sentences(text);
    all.insert(all.end(), std::make_move_iterator(s.begin()), std::make_move_iterator(s.end()));
  }
  std::vector<int> part(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const int r = static_cast<int>(i % static_cast<std::size_t>(o.every));
    part[i] = r == o.every - 2 ? 1 : r == o.every - 1 ? 2 : 0;
  }
  std::map<std::string, std::int64_t> count;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (part[i] != 0) continue;
    for (const auto& w : all[i]) ++count[w];
  }
  std::vector<std::pair<std::string, std::int64_t>> ranked(count.begin(), count.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::map<std::string, bool> keep;
  for (const auto& [w, n] : ranked) {
    if (static_cast<std::int64_t>(keep.size()) >= o.vocab - 2 || n < o.min_count) break;
    if (w != "<unk>" && w != "<eos>") keep[w] = true;
  }
  TextCorpusStats st;
  std::ostringstream files[3];
  std::map<std::string, bool> used;
  std::int64_t unseen = 0;  // valid and test tokens written as <unk>
  const std::string unk = "<unk>";
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::ostringstream& f = files[part[i]];
    for (const auto& w : all[i]) {
      const bool known = keep.count(w) > 0;
      const std::string& t = known ? w : unk;
      f << ' ' << t;
      if (part[i] == 0)
        used[t] = true;
      else if (!known)
        ++unseen;
      ++st.tokens[part[i]];
    }
    f << " \n";  // Mikolov's files: a space before each word and before the line end
    ++st.sentences[part[i]];
    ++st.tokens[part[i]];  // <eos>
  }
  for (int p = 0; p < 3; ++p) {
    WSNAS_CHECK_INPUT(st.sentences[p] > 0, "inputs (", join(inputs, ", "), "): ", all.size(),
                      " sentences, too few for train, valid and test (expected at least ", o.every,
                      ")");
  }
  // The loader reads valid and test against the training vocabulary (DARTS' Corpus): an <unk> there
  // needs an <unk> in training, which a --min-count that keeps every training word leaves out.
  WSNAS_CHECK_USAGE(
      used.count("<unk>") || unseen == 0, "--min-count ", o.min_count, " --vocab ", o.vocab,
      ": every training word is kept, so the training split has no <unk>, ", "but ", unseen,
      " words of the valid and test splits are not in it (the loader reads them "
      "against the training vocabulary); expected a --min-count or --vocab that "
      "turns some training words into <unk> (the default --min-count 2 usually does)");
  st.vocab = static_cast<std::int64_t>(used.size()) + 1;  // with <eos>
  io::make_dirs(out_dir);
  const char* names[3] = {"train", "valid", "test"};
  for (int p = 0; p < 3; ++p)
    io::write_text_atomic(corpus_file("ptb.{split}.txt", out_dir, names[p]), files[p].str());
  return st;
}

}  // namespace wsnas::data
