// Validation of the reference models against their papers: one place for the
// checks that `tegenmacht validate` prints and that the tests assert.
//
//   auto results = tegenmacht::validation::run_validation(/*quick=*/true, /*threads=*/2);
//   for (const auto& r : results) std::cout << r.experiment << ": " << (r.pass ? "pass" : "FAIL") << "\n";
//
// Each check runs the reference scenarios of scenarios/reference/ (compiled in
// at configure time) with fixed seeds, compares with
// the published result within a tolerance justified in the model READMEs,
// and reports what it found. `quick` uses fewer replicates and shorter runs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tegenmacht/config.hpp"
#include "tegenmacht/parallel.hpp"

namespace tegenmacht::validation {

struct ValidationResult {
  std::string id;          ///< short name of the check, e.g. "deffuant_clusters"
  std::string experiment;  ///< what is run
  std::string published;   ///< what the paper reports
  std::string ours;        ///< what this implementation gives
  bool pass = false;
  std::string seeds;       ///< replicates used (all keyed by seed 1)
  double seconds = 0;
};

/// Ids of every check, in the order of the table.
std::vector<std::string> check_ids();
/// Runs one check. Throws ArgumentError for an unknown id.
ValidationResult run_check(const std::string& id, bool quick, const std::shared_ptr<Parallel>& parallel);
/// Runs every check on a pool of `threads` threads.
std::vector<ValidationResult> run_validation(bool quick, int threads);
/// The results as a plain-text table (experiment, published, ours, pass, seeds, time).
std::string format_table(const std::vector<ValidationResult>& results);

/// Names of the embedded reference scenarios (file names without .yaml).
std::vector<std::string> reference_scenarios();
/// The embedded reference scenario `name`, parsed and resolved, with overrides.
Config reference_scenario(const std::string& name, const std::vector<std::string>& overrides = {});

/// One-sided sign test: the probability of at least `wins` successes in
/// `trials` fair coin flips.
double sign_test_p(int wins, int trials);

}  // namespace tegenmacht::validation
