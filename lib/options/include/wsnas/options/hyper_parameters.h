#pragma once
/// Supernet training hyper-parameters: the option group and its defaults (paper, Table 2, NB-201
/// column). The presets under configs/ hold Table 2's column for each of the five spaces.

#include <string>

#include <boost/program_options/options_description.hpp>

namespace wsnas::options {

struct HyperParameters {
  int batch_size = 256;            ///< global mini-batch (split across replicas)
  double lr = 0.05;                ///< initial learning rate
  std::string lr_schedule = "cosine";  ///< cosine | fixed
  double momentum = 0.9;           ///< SGD momentum (not in Table 2; SPOS/NB201 use 0.9)
  bool nesterov = true;            ///< Nesterov momentum (NAS-Bench-201's training recipe)
  double weight_decay = 5e-4;
  double grad_clip = 5.0;          ///< max gradient norm; 0 disables clipping
  int bn_calib_batch = 400;        ///< BN calibration batch size before each evaluation
  int bn_calib_steps = 25;         ///< BN calibration steps (0: no calibration)
  int gpus = 1;                    ///< GPUs the paper used (informational; ranks decide here)
  int epochs = 1000;               ///< paper, Appendix A.2: 1000 epochs unless said otherwise
};

/// The option group "Supernet training (paper Table 2)", bound to `hp`, with range checks.
boost::program_options::options_description hyper_parameter_options(HyperParameters& hp);

}  // namespace wsnas::options
