#include "wsnas/data/text.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <map>
#include <sstream>

#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
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

std::vector<std::string> text_dataset_names() { return {"ptb", "wikitext-2"}; }

bool is_text_dataset(const std::string& name) {
  const auto names = text_dataset_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string text_file(const std::string& name, const std::string& dir, const std::string& split) {
  if (name == "wikitext-2") return dir + "/wiki." + split + ".tokens";
  return dir + "/ptb." + split + ".txt";
}

void read_tokens(const std::string& path, Vocabulary& vocab, bool grow,
                 std::vector<std::int64_t>& out) {
  check_input_file(path, "--data-dir");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw_system_error("--data-dir: cannot read '" + path +
                           "' (expected a corpus file: one sentence per line, words separated by "
                           "spaces)",
                       errno);
  std::string line;
  std::int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      std::size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j == i) break;
      const std::string word = line.substr(i, j - i);
      for (const char c : word) {
        WSNAS_CHECK_INPUT(c != '\0', "'", path, "' line ", line_no,
                          ": a NUL byte (expected text: one sentence per line)");
      }
      std::int64_t id = grow ? vocab.add(word) : vocab.find(word);
      WSNAS_CHECK_INPUT(id >= 0, "'", path, "' line ", line_no, ": word '", word,
                        "' is not in the training file's vocabulary (a closed-vocabulary corpus "
                        "writes unseen words as <unk>)");
      out.push_back(id);
      i = j;
    }
    // Words then <eos>, each added on first sight: DARTS' Corpus.tokenize order of ids.
    const std::int64_t eos = grow ? vocab.add("<eos>") : vocab.find("<eos>");
    WSNAS_CHECK_INPUT(eos >= 0, "'", path, "' line ", line_no,
                      ": <eos> is not in the training file's vocabulary");
    out.push_back(eos);
  }
  WSNAS_CHECK_INPUT(!in.bad(), "'", path, "': read error");
  WSNAS_CHECK_INPUT(line_no > 0, "'", path,
                    "': empty (expected a corpus file: one sentence per line)");
}

DataBundle load_text_bundle(const std::string& name, const std::string& dir,
                            const std::string& protocol, std::int64_t limit_train,
                            std::int64_t limit_eval) {
  WSNAS_CHECK_INPUT(protocol == "default", "--protocol '", protocol, "': the text dataset ", name,
                    " has its own train/valid/test files (expected default)");
  DataBundle b;
  b.protocol = "default";
  Vocabulary vocab;
  Dataset* sets[3] = {&b.train_set, &b.valid_set, &b.test_set};
  const char* splits[3] = {"train", "valid", "test"};
  for (int s = 0; s < 3; ++s) {
    const std::string path = text_file(name, dir, splits[s]);
    WSNAS_CHECK_INPUT(
        io::path_exists(path), "--data-dir: no file '", path, "' (expected the ", name,
        name == "ptb" ? " corpus: ptb.train.txt, ptb.valid.txt, ptb.test.txt"
                      : " corpus: wiki.train.tokens, wiki.valid.tokens, wiki.test.tokens",
        "; wsnas-data text writes one from plain text)");
    Dataset& d = *sets[s];
    d.name = name;
    d.source = path;
    read_tokens(path, vocab, s == 0, d.tokens);
    const std::int64_t limit = s == 0 ? limit_train : limit_eval;
    if (limit > 0 && static_cast<std::int64_t>(d.tokens.size()) > limit)
      d.tokens.resize(static_cast<std::size_t>(limit));
  }
  for (Dataset* d : sets) {
    d->classes = static_cast<int>(vocab.size());
    d->words = vocab.words;
  }
  b.train = {&b.train_set, {}, "train"};
  b.valid = {&b.valid_set, {}, "valid"};
  b.test = {&b.test_set, {}, "test"};
  return b;
}

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
    const std::string text = ss.str();
    WSNAS_CHECK_INPUT(text.find('\0') == std::string::npos, "input '", path,
                      "': a NUL byte (expected plain text)");
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
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::ostringstream& f = files[part[i]];
    for (const auto& w : all[i]) {
      const std::string& t = keep.count(w) ? w : std::string("<unk>");
      f << ' ' << t;
      if (part[i] == 0) used[t] = true;
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
  st.vocab = static_cast<std::int64_t>(used.size()) + 1;  // with <eos>
  io::make_dirs(out_dir);
  const char* names[3] = {"train", "valid", "test"};
  for (int p = 0; p < 3; ++p)
    io::write_text_atomic(text_file("ptb", out_dir, names[p]), files[p].str());
  return st;
}

}  // namespace wsnas::data
