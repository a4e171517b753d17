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

/// A text corpus: one file's token ids, `<eos>` after each line; `classes` is the vocabulary
/// size and `words` the vocabulary (id -> word). A split is the whole stream, read in BPTT
/// windows over batch_size columns (LoaderOptions::bptt).
class TokenStream : public Dataset {
 public:
  std::vector<std::int64_t> tokens;
  std::vector<std::string> words;
  std::int64_t size() const override { return static_cast<std::int64_t>(tokens.size()); }
  std::int64_t split_size(const Split&) const override { return size(); }
  const char* unit() const override { return "tokens"; }
  /// DARTS' rnn/train.py: eval_batch_size 10, test_batch_size 1.
  std::int64_t default_eval_batch(bool test_split) const override { return test_split ? 1 : 10; }
  std::int64_t batches(const Split& split, const LoaderOptions& options,
                       std::int64_t epoch) const override;
  std::unique_ptr<Epoch> epoch(const Split& split, const LoaderOptions& options,
                               std::int64_t epoch) const override;
  std::string describe() const override;
};

/// The BPTT window lengths of one epoch over `rows` rows of a text split (the last one cut to
/// what remains); variable ones drawn from `seed`. `scales` (when given) receives each window's
/// learning-rate factor, length / bptt (the paper's trainers/ptb.py; DARTS' rnn/train.py scales the
/// last window by its length before the cut).
std::vector<std::int64_t> bptt_windows(std::int64_t rows, std::int64_t bptt, bool variable,
                                       std::uint64_t seed, std::vector<double>* scales = nullptr);

/// Appends the ids of every word of `path` to `out`, `<eos>` after each line. With `grow` new
/// words are added to `vocab`; without, a word outside it is an InputError naming the file, the
/// line and the word (the valid and test files of a closed-vocabulary corpus).
void read_tokens(const std::string& path, Vocabulary& vocab, bool grow,
                 std::vector<std::int64_t>& out);

/// A text dataset's three splits, from the files `pattern` names in `dir` ("{split}" replaced by
/// train, valid, test): the vocabulary from the training file, the valid and test files read
/// against it (closed). Each TokenStream holds one file's tokens; `limit_train`/`limit_eval` (0 =
/// all) keep the first tokens of each. Only protocol "default". (The registered ptb and
/// wikitext-2 datasets call it; load_bundle reads them by name.)
DataBundle load_text_corpus(const std::string& name, const std::string& dir,
                            const std::string& pattern, const BundleOptions& options);

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
