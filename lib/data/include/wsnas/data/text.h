#pragma once
/// Text corpora for language modelling (DARTS-PTB), in the Penn Treebank's preprocessed form
/// (Mikolov et al.'s `ptb.{train,valid,test}.txt`; WikiText-2's `wiki.{train,valid,test}.tokens`
/// are the same format): one sentence per line, words separated by white space, `<eos>` appended
/// to every line, the vocabulary made from the training file. And the converter that writes a
/// corpus in that format from any English plain text (lower case, numbers to N, rare words to
/// <unk>), so tests and demos need no download.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "wsnas/data/dataset.h"

namespace wsnas::data {

/// Word <-> id, ids in order of first appearance (as DARTS' and AWD-LSTM's Dictionary).
struct Vocabulary {
  std::vector<std::string> words;
  std::unordered_map<std::string, std::int64_t> ids;
  /// The id of `word`, added when absent.
  std::int64_t add(const std::string& word);
  /// The id of `word`, or -1.
  std::int64_t find(const std::string& word) const;
  std::int64_t size() const { return static_cast<std::int64_t>(words.size()); }
};

/// Text datasets by name: "ptb" (ptb.*.txt), "wikitext-2" (wiki.*.tokens).
bool is_text_dataset(const std::string& name);
std::vector<std::string> text_dataset_names();
/// The file of one split ("train", "valid", "test") of a named text dataset in `dir`.
std::string text_file(const std::string& name, const std::string& dir, const std::string& split);

/// Appends the ids of every word of `path` to `out`, `<eos>` after each line. With `grow` new
/// words are added to `vocab`; without, a word outside it is an InputError naming the file, the
/// line and the word (the valid and test files of a closed-vocabulary corpus).
void read_tokens(const std::string& path, Vocabulary& vocab, bool grow,
                 std::vector<std::int64_t>& out);

/// A text dataset's three splits: the vocabulary from the training file, the valid and test files
/// read against it (closed). Each Dataset holds one file's tokens (`classes` = vocabulary size);
/// `limit_train`/`limit_eval` (0 = all) keep the first tokens of each. Only protocol "default".
DataBundle load_text_bundle(const std::string& name, const std::string& dir,
                            const std::string& protocol, std::int64_t limit_train = 0,
                            std::int64_t limit_eval = 0);

// ---- the converter ------------------------------------------------------------------------

struct TextConvertOptions {
  std::int64_t vocab = 10000;  ///< vocabulary size with <unk> and <eos> (PTB: 10,000)
  int min_count = 2;           ///< words seen fewer times in the training sentences become <unk>
  int every = 10;              ///< sentence i goes to valid when i % every == every - 2, test
                               ///< when i % every == every - 1, train otherwise
};

/// Sentences of English plain text in the PTB's normal form: lower case, words and the clitics
/// 's, n't, 're, ... as tokens, numbers as N, punctuation dropped; a sentence ends at . ! ? or
/// ; followed by white space, and at a blank line.
std::vector<std::vector<std::string>> text_sentences(const std::string& text);

struct TextCorpusStats {
  std::int64_t sentences[3] = {0, 0, 0};  ///< train, valid, test
  std::int64_t tokens[3] = {0, 0, 0};     ///< with <eos>
  std::int64_t vocab = 0;                 ///< with <unk> and <eos>
};

/// Writes `<out_dir>/ptb.{train,valid,test}.txt` from the plain-text files `inputs`: their
/// sentences split as TextConvertOptions::every says, the vocabulary the most frequent training
/// words (at least min_count times, at most vocab - 2 of them), every other word <unk>. Files are
/// written whole or not at all (temporary name, then rename).
TextCorpusStats write_text_corpus(const std::vector<std::string>& inputs,
                                  const std::string& out_dir, const TextConvertOptions& options);

}  // namespace wsnas::data
