#include <gtest/gtest.h>

#include "models.hpp"
#include "tegenmacht/config.hpp"
#include "tegenmacht/registry.hpp"

using namespace tegenmacht;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;

Schema test_schema() {
  Schema s;
  s.add_int("size", 10, 1, 1000, "agents");
  s.add_double("rate", 0.5, 0, 1, "a probability");
  s.add_bool("flag", false, "a switch");
  s.add_choice("kind", "a", {"alpha", "beta", "a"}, "kind");
  s.add_doubles("weights", {0.5, 0.5}, 0, 1, "weights").min_size = 1;
  auto& sec = s.section("network", "net");
  sec.add_double("mean_degree", 12, 0, 100, "k");
  auto& item = s.list("places", "[{name: x}]", "places");
  item.add_string("name", "", "name").required = true;
  item.find("name")->unique = true;
  item.add_int("size", 5, 0, 100, "size");
  return s;
}

ConfigError expect_error(const std::string& text, std::vector<std::string> overrides = {}) {
  try {
    Config c = Config::parse_text(text, "t.yaml", overrides);
    c.validate(test_schema());
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError for:\n" << text;
  return ConfigError(ConfigError::Kind::Invalid, {}, "", "");
}
}  // namespace

TEST(Config, DefaultsAreFilledIn) {
  Config c = Config::parse_text("size: 20\n", "t.yaml");
  c.validate(test_schema());
  EXPECT_EQ(c.get_int("size"), 20);
  EXPECT_DOUBLE_EQ(c.get_double("rate"), 0.5);
  EXPECT_DOUBLE_EQ(c.get_double("network.mean_degree"), 12);
  EXPECT_EQ(c.get_string("places.0.name"), "x");
  EXPECT_EQ(c.get_int("places.0.size"), 5);
  EXPECT_EQ(c.get_doubles("weights"), (std::vector<double>{0.5, 0.5}));
}

TEST(Config, UnknownKeySuggestsNearestAndNamesLine) {
  const auto e = expect_error("size: 20\nnetwork:\n  mean_degre: 3\n");
  EXPECT_EQ(e.kind(), ConfigError::Kind::UnknownKey);
  EXPECT_EQ(e.key(), "network.mean_degre");
  EXPECT_EQ(e.where().line, 3);
  EXPECT_EQ(e.where().column, 3);
  EXPECT_NE(std::string(e.what()).find("did you mean 'mean_degree'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("t.yaml:3:3"), std::string::npos) << e.what();
}

TEST(Config, WrongTypeNamesKeyAndPosition) {
  const auto e = expect_error("rate: 0.1\nsize: lots\n");
  EXPECT_EQ(e.kind(), ConfigError::Kind::WrongType);
  EXPECT_EQ(e.key(), "size");
  EXPECT_EQ(e.where().line, 2);
  EXPECT_EQ(e.where().column, 7);
  EXPECT_EQ(expect_error("size: 2.5\n").kind(), ConfigError::Kind::WrongType);
  EXPECT_EQ(expect_error("flag: maybe\n").kind(), ConfigError::Kind::WrongType);
  EXPECT_EQ(expect_error("weights: 0.3\n").kind(), ConfigError::Kind::WrongType);
  EXPECT_EQ(expect_error("network: 3\n").kind(), ConfigError::Kind::WrongType);
}

TEST(Config, OutOfRange) {
  const auto e = expect_error("rate: 1.5\n");
  EXPECT_EQ(e.kind(), ConfigError::Kind::OutOfRange);
  EXPECT_NE(std::string(e.what()).find("[0, 1]"), std::string::npos) << e.what();
  EXPECT_EQ(expect_error("weights: [0.2, 7]\n").key(), "weights.1");
  EXPECT_EQ(expect_error("weights: []\n").kind(), ConfigError::Kind::OutOfRange);
  const auto c = expect_error("kind: alpah\n");
  EXPECT_NE(std::string(c.what()).find("did you mean 'alpha'"), std::string::npos) << c.what();
}

TEST(Config, ListItemsAreValidated) {
  const auto e = expect_error("places:\n  - name: a\n  - name: b\n    size: 500\n");
  EXPECT_EQ(e.key(), "places.1.size");
  EXPECT_EQ(e.where().line, 4);
  const auto m = expect_error("places:\n  - size: 3\n");
  EXPECT_EQ(m.kind(), ConfigError::Kind::Missing);
  EXPECT_EQ(m.key(), "places.0.name");
}

TEST(Config, SyntaxErrorNamesLine) {
  try {
    Config::parse_text("size: 20\nnetwork: [1, 2\n", "t.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.kind(), ConfigError::Kind::Syntax);
    EXPECT_GE(e.where().line, 2);
  }
}

TEST(Config, OverridesApplyAndAreNamed) {
  Config c = Config::parse_text("size: 20\nplaces: [{name: a}]\n", "t.yaml",
                                {"network.mean_degree=4", "places.0.size=7", "weights=[0.1]"});
  c.validate(test_schema());
  EXPECT_DOUBLE_EQ(c.get_double("network.mean_degree"), 4);
  EXPECT_EQ(c.get_int("places.0.size"), 7);
  EXPECT_EQ(c.get_doubles("weights"), std::vector<double>{0.1});
  const auto e = expect_error("size: 20\n", {"rate=2"});
  EXPECT_EQ(e.where().file, "--set");
  EXPECT_EQ(e.key(), "rate");
  const auto u = expect_error("size: 20\n", {"rat=0.2"});
  EXPECT_EQ(u.where().file, "--set");
  EXPECT_NE(std::string(u.what()).find("did you mean 'rate'"), std::string::npos);
  EXPECT_THROW(Config::parse_text("size: 1\n", "t.yaml", {"size"}), ArgumentError);
  EXPECT_THROW(Config::parse_text("size: 1\n", "t.yaml", {"places.3.size=1"}), ArgumentError);  // not in file
  EXPECT_THROW(Config::parse_text("places: [{name: a}]\n", "t.yaml", {"places.3.size=1"}), ArgumentError);
}

TEST(Config, ResolvedConfigRoundTrips) {
  register_builtin_models();
  const Config a = load_scenario(kSrc + "/scenarios/threshold.yaml");
  const Config b = load_scenario_text(a.to_yaml(), "<resolved>");
  EXPECT_EQ(a.to_yaml(), b.to_yaml());
  EXPECT_NE(a.to_yaml().find("persistent: true"), std::string::npos);
}

TEST(Config, MissingFileIsIoError) {
  EXPECT_THROW(Config::parse_file("/nonexistent/scenario.yaml"), IoError);
}

TEST(Config, UnknownModelSuggests) {
  register_builtin_models();
  try {
    load_scenario_text("model: treshold\n", "t.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "model");
    EXPECT_EQ(e.where().line, 1);
    EXPECT_NE(std::string(e.what()).find("did you mean 'threshold'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_scenario_text("steps: 3\n", "t.yaml"), ConfigError);  // model missing
}

TEST(Config, ReferenceListsEveryKey) {
  const std::string ref = test_schema().reference();
  for (const char* k : {"`size`", "`network.mean_degree`", "`places[].name`", "alpha \\| beta"})
    EXPECT_NE(ref.find(k), std::string::npos) << k;
}

TEST(Config, KeyGivenTwiceIsAnError) {
  // yaml-cpp alone keeps the first value and drops the second without a word
  auto e = expect_error("size: 20\nrate: 0.1\nsize: 30\n");
  EXPECT_EQ(e.kind(), ConfigError::Kind::Syntax);
  EXPECT_EQ(e.key(), "size");
  EXPECT_EQ(e.where().line, 3);
  EXPECT_NE(e.message().find("given twice (first on line 1)"), std::string::npos) << e.what();
  e = expect_error("places:\n  - {name: a, size: 1, size: 2}\n");
  EXPECT_EQ(e.key(), "places.0.size");
  EXPECT_EQ(e.where().line, 2);
}

TEST(Config, KeyWithoutValueIsAnError) {
  auto e = expect_error("rate: 0.1\nsize:\n");
  EXPECT_EQ(e.key(), "size");
  EXPECT_EQ(e.where().line, 2);
  EXPECT_EQ(e.where().column, 1);
  EXPECT_NE(e.message().find("has no value; write one, or remove the key to use the default (10)"), std::string::npos)
      << e.what();
  e = expect_error("network:\n  mean_degree:\n");
  EXPECT_EQ(e.key(), "network.mean_degree");
}

TEST(Config, InvalidUtf8NamesLineAndColumn) {
  const auto e = expect_error("size: 20\nkind: caf\xe9\n");
  EXPECT_EQ(e.where().line, 2);
  EXPECT_EQ(e.where().column, 10);
  EXPECT_NE(e.message().find("not valid UTF-8 (byte 0xE9)"), std::string::npos) << e.what();
}

TEST(Config, UniqueNamesInLists) {
  const auto e = expect_error("places:\n  - {name: a}\n  - {name: b}\n  - {name: a, size: 3}\n");
  EXPECT_EQ(e.key(), "places.2.name");
  EXPECT_EQ(e.where().line, 4);
  EXPECT_NE(e.message().find("'a' is already the name of item 0"), std::string::npos) << e.what();
  Config ok = Config::parse_text("places:\n  - {name: a}\n  - {name: b}\n", "t.yaml");
  EXPECT_NO_THROW(ok.validate(test_schema()));
}

TEST(Config, SeedsAreExactUnsigned64BitIntegers) {
  register_builtin_models();
  auto seed_of = [](const std::string& text) {
    return load_scenario_text("model: threshold\nseed: " + text + "\n", "s.yaml").node("seed").as<std::uint64_t>();
  };
  // 2^53 + 1 is the first integer a double cannot hold: it must not become 2^53
  EXPECT_EQ(seed_of("9007199254740993"), 9007199254740993ull);
  EXPECT_EQ(seed_of("18446744073709551615"), 18446744073709551615ull);  // 2^64 - 1
  EXPECT_EQ(seed_of("0"), 0ull);
  for (const char* bad : {"18446744073709551616", "-1", "1.5"}) {
    try {
      seed_of(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "seed") << e.what();
    }
  }
  // and as an override
  EXPECT_EQ(load_scenario_text("model: threshold\n", "s.yaml", {"seed=9007199254740993"}).node("seed").as<std::uint64_t>(),
            9007199254740993ull);
}

TEST(Config, ListItemsByNameAndTheirNames) {
  Config c = Config::parse_text("places: [{name: harbour, size: 1}, {name: station, size: 2}]\n", "t.yaml",
                                {"places.station.size=7"});
  c.validate(test_schema());
  EXPECT_EQ(c.get_int("places.1.size"), 7);
  EXPECT_EQ(c.get_int("places.station.size"), 7);  // read by name too
  EXPECT_EQ(c.location("places.1.size").file, "--set");
  try {
    Config::parse_text("places: [{name: harbour}]\n", "t.yaml", {"places.habour.size=1"});
    ADD_FAILURE() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'harbour'?"), std::string::npos) << e.what();
  }
  const ConfigError bad = expect_error("places: [{name: '2nd street'}]\n");
  EXPECT_EQ(bad.key(), "places.0.name");
  EXPECT_NE(bad.message().find("cannot be a name"), std::string::npos) << bad.what();
}
