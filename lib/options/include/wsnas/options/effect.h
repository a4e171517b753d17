#pragma once
/// What an option means for a study's results, declared with the option itself (issue 22): the
/// stages whose results it changes (a resumed run or a rerun into the same output must agree on
/// it: the resume checks) and whether evaluation takes its value from the checkpoint (the shape of
/// the network and the data: evaluation's inherited set). The stages read both from their option
/// groups (result_keys, inherited_keys); docs/options.md is generated from the same declarations
/// (options_table, checked by test_options_table).
///
///   g.add_options()("lr", options::value(&hp.lr, options::kTrains)->default_value(hp.lr), "...");
#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace wsnas::options {

namespace po = boost::program_options;

/// The stages of a study, as bits.
enum Stage : unsigned {
  kSupernet = 1u,
  kEvaluate = 2u,
  kGroundTruth = 4u,
  kScore = 8u,  ///< zero-cost scores (wsnas-score)
  kTraining = kSupernet | kGroundTruth,
  kEveryStage = kSupernet | kEvaluate | kGroundTruth | kScore,
};

struct Effect {
  unsigned results = 0;    ///< Stage bits: the stages whose results the option changes
  bool inherited = false;  ///< evaluation takes the checkpoint's value
};
/// Changes what training computes (the supernet's and the ground truth's weights).
inline constexpr Effect kTrains{kTraining, false};
/// Shapes the network or the data: training results, and evaluation inherits it.
inline constexpr Effect kShapes{kTraining, true};
/// The network's shape and the data themselves (the data and network groups): as kShapes, and the
/// zero-cost scores of the network at initialisation.
inline constexpr Effect kShapesScored{kTraining | kScore, true};
/// How a run goes, not what it computes (e.g. --out, --progress-seconds): the default.
inline constexpr Effect kNoEffect{0, false};

/// The part of an option's value semantic that carries its Effect.
class Declared {
 public:
  explicit Declared(Effect effect) : effect_(effect) {}
  virtual ~Declared() = default;
  const Effect& effect() const { return effect_; }

 private:
  Effect effect_;
};

/// po::typed_value that also carries the option's Effect.
template <class T>
class DeclaredValue : public po::typed_value<T>, public Declared {
 public:
  DeclaredValue(T* store, Effect effect) : po::typed_value<T>(store), Declared(effect) {}
};

/// po::value with what the option means for results.
template <class T>
DeclaredValue<T>* value(T* store, Effect effect) {
  return new DeclaredValue<T>(store, effect);
}

/// The Effect an option was declared with (kNoEffect for a plain po::value).
Effect effect_of(const po::option_description& option);
/// The options of `options` that change the results of `stage`, in declaration order.
std::vector<std::string> result_keys(const po::options_description& options, Stage stage);
/// The options of `options` evaluation takes from the checkpoint, in declaration order.
std::vector<std::string> inherited_keys(const po::options_description& options);

}  // namespace wsnas::options
