// Text corpora for language modelling (DARTS-PTB; the paper's released code,
// github.com/matluster/anonymous-2102 @3825f00 datasets/ptb.py): the Penn Treebank's
// format (Mikolov's ptb.*.txt), the converter from plain text (tested on Debian's own English
// documents, /usr/share/common-licenses, in every Debian system: package base-files), and the
// BPTT batches of DARTS' rnn/train.py.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <numeric>
#include <set>

#include "test_support.h"
#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/data/loader.h"
#include "wsnas/data/text.h"

using namespace wsnas;

namespace {

/// A text bundle's dataset as the token stream it is.
const data::TokenStream& tokens_of(const data::Dataset& d) {
  return dynamic_cast<const data::TokenStream&>(d);
}

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> licenses() {
  std::vector<std::string> out;
  for (const char* name : {"Apache-2.0", "Artistic", "BSD", "GFDL-1.3", "GPL-2", "GPL-3",
                           "LGPL-2.1", "MPL-1.1", "MPL-2.0"})
    out.push_back(std::string("/usr/share/common-licenses/") + name);
  return out;
}

}  // namespace

TEST(Text, ReadsThePtbFormatWithIdsInDartsOrder) {
  // DARTS' Corpus.tokenize: words of each line then <eos>, ids on first sight, vocabulary from
  // train; valid and test read against it (closed vocabulary).
  const std::string d = test::scratch_dir("text_format");
  write(d, "ptb.train.txt", " the cat sat \n the dog \n");
  write(d, "ptb.valid.txt", " dog sat \n");
  write(d, "ptb.test.txt", " the \n\n");
  const auto b = data::load_bundle("ptb", d, {"default"});
  const std::vector<std::int64_t> train = {0, 1, 2, 3, 0, 4, 3};  // the cat sat <eos> the dog <eos>
  EXPECT_EQ(tokens_of(*b.train_set).tokens, train);
  EXPECT_EQ(tokens_of(*b.valid_set).tokens, (std::vector<std::int64_t>{4, 2, 3}));
  EXPECT_EQ(tokens_of(*b.test_set).tokens,
            (std::vector<std::int64_t>{0, 3, 3}));  // an empty line: <eos>
  EXPECT_EQ(b.train_set->classes, 5);
  EXPECT_EQ(tokens_of(*b.train_set).words[3], "<eos>");
  EXPECT_EQ(b.train.size(), 7);
  EXPECT_EQ(b.valid.size(), 3);
  EXPECT_EQ(std::string(b.train_set->unit()), "tokens");
  EXPECT_EQ(data::describe_size(b.valid), "3 tokens");
  // Limits keep the first tokens.
  const auto l = data::load_bundle("ptb", d, {"default", 4, 2});
  EXPECT_EQ(l.train.size(), 4);
  EXPECT_EQ(l.test.size(), 2);
  EXPECT_EQ(l.train_set->classes, 5);  // the vocabulary is the whole training file's
  // Line ends as Python 3's universal newlines (DARTS rnn/data.py opens the files in text mode:
  // "\n", "\r\n" and a lone "\r" end a line; "\r\n" is one end, not two). Issue 23: a file
  // with CR-only ends read as one line (38,463 tokens where Python gives 40,268).
  const std::string cr = test::scratch_dir("text_cr");
  write(cr, "ptb.train.txt", " the cat \r the dog \r\n dog \r\r\n cat");
  write(cr, "ptb.valid.txt", " cat \r");
  write(cr, "ptb.test.txt", " dog \r\n");
  const auto c = data::load_bundle("ptb", cr, {"default"});
  // Python: [' the cat ', ' the dog ', ' dog ', '', ' cat'] -> the cat <eos> the dog <eos> dog
  // <eos> <eos> cat <eos>
  EXPECT_EQ(tokens_of(*c.train_set).tokens,
            (std::vector<std::int64_t>{0, 1, 2, 0, 3, 2, 3, 2, 2, 1, 2}));
  EXPECT_EQ(tokens_of(*c.valid_set).tokens, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(tokens_of(*c.test_set).tokens, (std::vector<std::int64_t>{3, 2}));
  // WikiText-2's names.
  const std::string w = test::scratch_dir("text_wiki");
  write(w, "wiki.train.tokens", " = Valkyria = \n");
  write(w, "wiki.valid.tokens", " Valkyria \n");
  write(w, "wiki.test.tokens", " = \n");
  EXPECT_EQ(data::load_bundle("wikitext-2", w, {"default"}).train_set->classes, 3);
}

TEST(Text, BadCorporaNameTheFileAndLine) {
  const std::string d = test::scratch_dir("text_bad");
  write(d, "ptb.train.txt", " the cat \n");
  write(d, "ptb.valid.txt", " the cat \n cat dog \n");
  write(d, "ptb.test.txt", " the \n");
  EXPECT_EQ(test::input_error_of([&] { data::load_bundle("ptb", d, {"default"}); }),
            "'" + d +
                "/ptb.valid.txt' line 2: word 'dog' is not in the training file's "
                "vocabulary (a closed-vocabulary corpus writes unseen words as <unk>)");
  const std::string m = test::scratch_dir("text_missing");
  EXPECT_NE(test::input_error_of([&] {
              data::load_bundle("ptb", m, {"default"});
            }).find("--data-dir: no file '" + m + "/ptb.train.txt' (expected the ptb corpus"),
            std::string::npos);
  EXPECT_NE(test::input_error_of([&] {
              data::load_bundle("ptb", d, {"nb101"});
            }).find("--protocol 'nb101': the text dataset ptb has its own"),
            std::string::npos);
  // Issue 23: what is not text is refused, NUL or not; lines end as Python reads them.
  write(d, "ptb.valid.txt", " the cat \n the \x01\x02\x03 cat \n");
  EXPECT_EQ(test::input_error_of([&] { data::load_bundle("ptb", d, {"default"}); }),
            "'" + d +
                "/ptb.valid.txt' line 2: control byte \\x01 at byte 6 (expected text: one "
                "sentence per line)");
  write(d, "ptb.valid.txt", " the \xff\xfe cat \n");
  EXPECT_EQ(test::input_error_of([&] { data::load_bundle("ptb", d, {"default"}); }),
            "'" + d +
                "/ptb.valid.txt' line 1: byte 6 is not UTF-8 (expected text: one sentence "
                "per line)");
  write(d, "ptb.valid.txt", " the cat \n");
  write(d, "ptb.test.txt", "");
  EXPECT_EQ(test::input_error_of([&] { data::load_bundle("ptb", d, {"default"}); }),
            "'" + d + "/ptb.test.txt': empty (expected a corpus file: one sentence per line)");
}

TEST(Text, SentencesInThePtbNormalForm) {
  // Lower case, clitics split as the Treebank does, numbers as N, punctuation dropped; a sentence
  // ends at . ! ? ; before white space and at a blank line.
  const auto s = data::text_sentences(
      "Don't panic: it's 3.14 or 1,000 apples (and pears). New sentence!\n\nAnother para\n"
      "goes on; and on");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], (std::vector<std::string>{"do", "n't", "panic", "it", "'s", "N", "or", "N",
                                            "apples", "and", "pears"}));
  EXPECT_EQ(s[1], (std::vector<std::string>{"new", "sentence"}));
  EXPECT_EQ(s[2], (std::vector<std::string>{"another", "para", "goes", "on"}));
  EXPECT_EQ(s[3], (std::vector<std::string>{"and", "on"}));
}

TEST(Text, ConverterWritesACorpusFromDebiansLicenses) {
  // Real English text on every Debian machine (package base-files). The written files read back
  // as a closed-vocabulary corpus in the PTB's format.
  const std::string d = test::scratch_dir("text_convert");
  data::TextConvertOptions o;
  o.vocab = 500;
  const auto st = data::write_text_corpus(licenses(), d, o);
  const auto b = data::load_bundle("ptb", d, {"default"});
  EXPECT_EQ(b.train_set->classes, st.vocab);
  EXPECT_LE(b.train_set->classes, 500);
  EXPECT_GE(b.train_set->classes, 400);  // the licenses have more than 500 distinct words
  EXPECT_GE(tokens_of(*b.valid_set).words.size(), 400u);
  EXPECT_EQ(static_cast<std::int64_t>(tokens_of(*b.train_set).tokens.size()), st.tokens[0]);
  EXPECT_EQ(static_cast<std::int64_t>(tokens_of(*b.valid_set).tokens.size()), st.tokens[1]);
  EXPECT_GT(st.tokens[0], 20000);
  // Sentences 8 : 1 : 1.
  const double all = static_cast<double>(st.sentences[0] + st.sentences[1] + st.sentences[2]);
  EXPECT_NEAR(st.sentences[1] / all, 0.1, 0.01);
  EXPECT_NEAR(st.sentences[2] / all, 0.1, 0.01);
  // The format: every word lower case or N or <unk>, a space before each word, no digits.
  std::ifstream in(d + "/ptb.train.txt");
  std::string line;
  std::int64_t lines = 0, unk = 0;
  while (std::getline(in, line)) {
    ++lines;
    ASSERT_EQ(line.front(), ' ') << line;
    for (const char c : line) {
      ASSERT_FALSE(std::isdigit(static_cast<unsigned char>(c))) << line;
      ASSERT_FALSE(std::isupper(static_cast<unsigned char>(c)) && c != 'N') << line;
    }
    for (std::size_t p = line.find("<unk>"); p != std::string::npos; p = line.find("<unk>", p + 1))
      ++unk;
  }
  EXPECT_EQ(lines, st.sentences[0]);
  EXPECT_GT(unk, 0);
  // The same inputs give the same files.
  const std::string d2 = test::scratch_dir("text_convert2");
  data::write_text_corpus(licenses(), d2, o);
  EXPECT_EQ(test::read_file(d + "/ptb.valid.txt"), test::read_file(d2 + "/ptb.valid.txt"));
  // Bad input: a binary file, too little text.
  EXPECT_NE(test::input_error_of([&] {
              data::write_text_corpus({test::bin_dir() + "/wsnas-data"}, d + "/x", o);
            }).find("': a NUL byte (expected plain text)"),
            std::string::npos);
  const std::string bin = write(d, "binary.txt", "Some text\n\x01\x02\x7f\x10 and more.\n");
  EXPECT_NE(test::input_error_of([&] {
              data::write_text_corpus({bin}, d + "/x", o);
            }).find("binary.txt' line 2: control byte \\x01 at byte 1"),
            std::string::npos);
  // Issue 23: --min-count 1 with room for every training word left training without <unk> while
  // valid and test had some, and the loader refused the converter's own output.
  data::TextConvertOptions every_word = o;
  every_word.min_count = 1;
  every_word.vocab = 1000000;
  const auto err =
      test::input_error_of([&] { data::write_text_corpus(licenses(), d + "/z", every_word); });
  EXPECT_NE(err.find("--min-count 1 --vocab 1000000: every training word is kept, so the training "
                     "split has no <unk>"),
            std::string::npos)
      << err;
  EXPECT_FALSE(test::exists(d + "/z/ptb.train.txt"));
  every_word.vocab = 500;  // then training has <unk>, and the loader reads what the converter wrote
  data::write_text_corpus(licenses(), d + "/v", every_word);
  EXPECT_NO_THROW(data::load_bundle("ptb", d + "/v", {"default"}));
  const std::string tiny = write(d, "tiny.txt", "One sentence. Two.\n");
  EXPECT_NE(test::input_error_of([&] {
              data::write_text_corpus({tiny}, d + "/y", o);
            }).find("2 sentences, too few for train, valid and test"),
            std::string::npos);
  EXPECT_FALSE(test::exists(d + "/y/ptb.train.txt"));
}

TEST(Text, BpttWindowsAsDartsTrainingLoop) {
  // Evaluation: range(0, rows - 1, bptt), the last window cut to what remains.
  EXPECT_EQ(data::bptt_windows(100, 35, false, 0), (std::vector<std::int64_t>{35, 35, 29}));
  // Training: mean 35 (17.5 with probability 0.05), length max(5, int(N(mean, 5))) <= 55, until
  // rows - 2; the learning rate scaled by length / 35.
  std::vector<double> scales;
  const auto w = data::bptt_windows(2000000, 35, true, 7, &scales);
  ASSERT_EQ(w.size(), scales.size());
  const auto total = std::accumulate(w.begin(), w.end(), std::int64_t{0});
  EXPECT_GE(total, 2000000 - 2);
  EXPECT_LE(total, 2000000 - 1);
  std::int64_t lo = 1000, hi = 0, short_ones = 0;
  double sum = 0;
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
    sum += static_cast<double>(w[i]);
    short_ones += w[i] <= 25 ? 1 : 0;
    ASSERT_DOUBLE_EQ(scales[i], static_cast<double>(w[i]) / 35.0);
  }
  EXPECT_GE(lo, 5);
  EXPECT_LE(hi, 55);
  // E[len] = 0.95 E[int(N(35, 5))] + 0.05 E[max(5, int(N(17.5, 5)))] ~ 0.95 x 34.5 + 0.05 x 17.2.
  EXPECT_NEAR(sum / static_cast<double>(w.size() - 1), 33.6, 0.15);
  // P(len <= 25): 0.95 P(N(35,5) < 26) + 0.05 P(N(17.5,5) < 26) = 0.95 x 0.036 + 0.05 x 0.955.
  EXPECT_NEAR(static_cast<double>(short_ones) / static_cast<double>(w.size()), 0.082, 0.005);
  EXPECT_EQ(data::bptt_windows(5000, 35, true, 7), data::bptt_windows(5000, 35, true, 7));
  EXPECT_NE(data::bptt_windows(5000, 35, true, 7), data::bptt_windows(5000, 35, true, 8));
}

TEST(Text, LoaderGivesEachRankItsColumns) {
  // DARTS' batchify: B columns of rows = N / B consecutive tokens; each window's targets are its
  // inputs shifted by one; two ranks take the left and right halves of the columns.
  data::TokenStream d;
  d.name = "ptb";
  d.classes = 1000;
  d.words.resize(1000);
  for (std::int64_t i = 0; i < 1003; ++i) d.tokens.push_back(i);  // 3 left over by batchify
  data::Split s{&d, {}, "train"};
  const std::int64_t rows = 1003 / 4;
  for (int rank = 0; rank < 2; ++rank) {
    data::LoaderOptions o;
    o.batch_size = 4;
    o.bptt = 35;
    o.rank = rank;
    o.world = 2;
    data::BatchLoader loader(s, o);
    loader.start_epoch(0);
    data::Batch b;
    std::int64_t pos = 0, n = 0;
    while (loader.next(b)) {
      ASSERT_EQ(b.images.size(1), 2);
      ASSERT_EQ(b.images.sizes(), b.labels.sizes());
      for (std::int64_t t = 0; t < b.images.size(0); ++t) {
        for (std::int64_t c = 0; c < 2; ++c) {
          const std::int64_t want = (rank * 2 + c) * rows + pos + t;
          ASSERT_EQ(b.images[t][c].item<std::int64_t>(), want);
          ASSERT_EQ(b.labels[t][c].item<std::int64_t>(), want + 1);
        }
      }
      EXPECT_EQ(b.lr_scale, 1.0);
      pos += b.images.size(0);
      ++n;
    }
    EXPECT_EQ(pos, rows - 1);
    EXPECT_EQ(n, loader.batches_per_epoch());
  }
  // Variable windows: the same per (seed, epoch), another epoch others; skipping resumes inside.
  data::LoaderOptions o;
  o.batch_size = 2;
  o.variable_bptt = true;
  o.seed = 3;
  data::BatchLoader a(s, o), b(s, o);
  a.start_epoch(1);
  b.start_epoch(1, 2);
  data::Batch x, y;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.next(x));
  ASSERT_TRUE(b.next(y));
  EXPECT_EQ(y.index, 2);
  EXPECT_TRUE(at::equal(x.images, y.images));
  EXPECT_EQ(x.lr_scale, y.lr_scale);
  EXPECT_EQ(a.batches_until(2),
            static_cast<std::int64_t>(data::bptt_windows(501, 35, true, Rng::derive(3, 0)).size() +
                                      data::bptt_windows(501, 35, true, Rng::derive(3, 1)).size()));
}
