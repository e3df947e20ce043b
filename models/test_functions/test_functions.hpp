// Test functions of sensitivity analysis as models: the Ishigami function
// (Ishigami & Homma 1990) and Sobol's G function (Saltelli & Sobol' 1995).
// They have no agents and no dynamics; their variance-based sensitivity
// indices are known exactly, so experiment designs and sensitivity analysis
// can be checked end to end against them. See models/test_functions/README.md.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tegenmacht/model.hpp"

namespace tegenmacht::models {

/// The Ishigami function f(x) = sin x1 + a sin² x2 + b x3⁴ sin x1
/// (Ishigami & Homma 1990).
double ishigami(double x1, double x2, double x3, double a, double b);

/// Sobol's G function g(x) = ∏_i (|4 x_i − 2| + a_i) / (1 + a_i)
/// (Saltelli & Sobol' 1995). x and a must have the same length; the product
/// of no factors is 1. Throws ArgumentError when the lengths differ.
double sobol_g(std::span<const double> x, std::span<const double> a);

/// Variance-based (Sobol') sensitivity indices of a function of independent
/// inputs: first-order S_i = V[E(Y|X_i)] / V(Y) and total
/// ST_i = E[V(Y|X_~i)] / V(Y) (Sobol' 1993; Homma & Saltelli 1996), with the
/// output's variance and mean.
struct SobolIndices {
  std::vector<double> first, total;
  double variance, mean;
};

/// The exact indices of the Ishigami function with x1, x2, x3 independent and
/// uniform on [−π, π] (Ishigami & Homma 1990; Saltelli et al. 2010):
/// V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V3 = 0,
/// V13 = 8b²π⁸/225, and no other interaction.
SobolIndices ishigami_indices(double a, double b);

/// The exact indices of Sobol's G function with every x_i independent and
/// uniform on [0, 1] (Saltelli & Sobol' 1995): V_i = 1 / (3 (1 + a_i)²),
/// V = ∏(1 + V_i) − 1, S_i = V_i / V, ST_i = V_i ∏_{j≠i}(1 + V_j) / V, mean 1.
SobolIndices sobol_g_indices(std::span<const double> a);

/// A model whose only metric is one number fixed by its configuration: `y`,
/// the same in row 0 and after every step (step() does nothing). The
/// derived models compute it in init().
class TestFunctionModel : public Model {
 public:
  void declare(Recorder& recorder) override;
  void step(const StepContext&) override {}
  void observe(Recorder& recorder) override;
  void state(State& s) override;

  double value() const noexcept { return y_; }

 protected:
  explicit TestFunctionModel(std::string description) : description_(std::move(description)) {}
  double y_ = 0;

 private:
  std::string description_;  // of the metric y
  Recorder::Id m_y_ = 0;
};

class IshigamiModel final : public TestFunctionModel {
 public:
  IshigamiModel() : TestFunctionModel("the Ishigami function's value") {}
  static void declare_schema(Schema& s);
  void init(const Config& config, const Rng& rng, Parallel& parallel) override;
};

class SobolGModel final : public TestFunctionModel {
 public:
  SobolGModel() : TestFunctionModel("the Sobol' G function's value") {}
  static void declare_schema(Schema& s);
  void init(const Config& config, const Rng& rng, Parallel& parallel) override;
};

void register_ishigami_model();
void register_sobol_g_model();

}  // namespace tegenmacht::models
