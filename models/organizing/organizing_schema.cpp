// Scenario keys of the organizing model, their defaults (MODEL.md sections 7
// and 8), and the strategy presets.
#include <algorithm>
#include <cstddef>

#include "organizing/organizing.hpp"
#include "tegenmacht/registry.hpp"

namespace tegenmacht::models {

namespace {

constexpr double kInf = 1e6;

const char* kDefaultIssues = "[{name: housing, weight: 0.5}, {name: pollution, weight: 0.5}]";

const char* kDefaultGroups = R"([
  {name: established,  class: established,  trust: 0.55, survival_load: 0.15, efficacy: 0.22, skill: 0.30, attitude: 0.60, exposure: [0.30, 0.30]},
  {name: mixed,        class: mixed,        trust: 0.45, survival_load: 0.25, efficacy: 0.18, skill: 0.25, attitude: 0.35, exposure: [0.45, 0.30]},
  {name: marginalised, class: marginalised, trust: 0.30, survival_load: 0.50, efficacy: 0.10, skill: 0.12, attitude: 0.00, exposure: [0.70, 0.40]}])";

const char* kDefaultNeighbourhoods = R"([
  {name: estate, size: 5000, group_shares: [0.35, 0.30, 0.35], exposure_factor: [1.2, 0.5], target_issue: housing, target_institution: municipality},
  {name: rental, size: 5000, group_shares: [0.45, 0.35, 0.20], exposure_factor: [1.1, 0.6], target_issue: housing, target_institution: housing_corporation},
  {name: plant,  size: 5000, group_shares: [0.45, 0.25, 0.30], exposure_factor: [0.8, 1.5], target_issue: pollution, target_institution: company},
  {name: owners, size: 5000, group_shares: [0.75, 0.20, 0.05], exposure_factor: [0.6, 0.8], target_issue: housing, target_institution: municipality}])";

const char* kDefaultInstitutions = R"([
  {name: municipality, issues: [housing, pollution], resistance: 0.15, responsiveness: 0.3, repression: 0.2, legitimacy: 0.6, stance: 0.6, funds: [all]},
  {name: company, issues: [pollution], resistance: 0.20, responsiveness: 0.3, repression: 0.2, legitimacy: 0.6, stance: 0.6, funds: []},
  {name: housing_corporation, issues: [housing], resistance: 0.15, responsiveness: 0.3, repression: 0.2, legitimacy: 0.6, stance: 0.6, funds: []}])";

}  // namespace

const std::vector<std::pair<const char*, const char*>>& OrganizingModel::parameter_sections() {
  static const std::vector<std::pair<const char*, const char*>> s{
      {"environment", "hardship and survival load"},
      {"workers", "social workers"},
      {"organizing", "what workers do with collective hours"},
      {"residents", "resident decisions"},
      {"tactics", "the resident organisations' strategy"},
      {"response", "institutional response"},
      {"feedback", "learning, trust, attitudes, fatigue"},
  };
  return s;
}

const std::vector<OrganizingModel::ParamSpec>& OrganizingModel::parameters() {
  // offset: where the value lives in OrganizingParams (-1: read once by init, not a run-time parameter)
  static const std::vector<ParamSpec> p{
      {"environment", "lambda_h", ParamSpec::kDouble, 0.05, 0, 1, {}, 1, offsetof(OrganizingParams, lambda_h),
       "λ_h: weekly adjustment of hardship to its structural level"},
      {"environment", "lambda_out", ParamSpec::kDouble, 0.02, 0, 1, {}, 1, offsetof(OrganizingParams, lambda_out),
       "λ_out: weekly recovery from survival load"},
      {"environment", "safety_net", ParamSpec::kDouble, 0.2, 0, 1, {}, 1, offsetof(OrganizingParams, safety_net),
       "share of exposure absorbed by the welfare state"},
      {"environment", "concreteness", ParamSpec::kDouble, 0.4, 0, 1, {}, 1, -1,
       "initial concreteness c_k(b) of issue framing"},
      {"workers", "hours", ParamSpec::kDouble, 32, 0, 168, {}, 1, offsetof(OrganizingParams, hours),
       "hours a week"},
      {"workers", "casework_share", ParamSpec::kDouble, 0.6, 0, 1, {}, 1, offsetof(OrganizingParams, casework_share),
       "φ: share of hours spent on individual casework"},
      {"workers", "profile", ParamSpec::kList, 0, 0, 1, {1.0 / 3, 1.0 / 3, 1.0 / 3}, 3, offsetof(OrganizingParams, profile),
       "split of collective hours: dialogue, organising, coalition (sums to 1)"},
      {"workers", "iron_rule", ParamSpec::kDouble, 0.5, 0, 1, {}, 1, offsetof(OrganizingParams, iron_rule),
       "'never do for others what they can do for themselves'"},
      {"workers", "power_literacy", ParamSpec::kDouble, 0.5, 0, 1, {}, 1, offsetof(OrganizingParams, power_literacy),
       "how well workers train leaders in power analysis"},
      {"workers", "funding_dependence", ParamSpec::kDouble, 1.0, 0, 1, {}, 1, -1,
       "d_w: 0 an independent organiser, 1 a fully subsidised worker"},
      {"workers", "hours_per_case", ParamSpec::kDouble, 2, 0.01, 1e3, {}, 1, offsetof(OrganizingParams, hours_per_case),
       "hours per casework client a week"},
      {"workers", "relief", ParamSpec::kDouble, 0.3, 0, 1, {}, 1, offsetof(OrganizingParams, relief),
       "survival load removed per case"},
      {"workers", "skill_gain", ParamSpec::kDouble, 0.02, 0, 1, {}, 1, offsetof(OrganizingParams, skill_gain),
       "skill a client gains per case × iron_rule"},
      {"workers", "case_sample", ParamSpec::kInt, 64, 1, 1e6, {}, 1, offsetof(OrganizingParams, case_sample),
       "residents screened per case (the neediest is helped)"},
      {"organizing", "meeting_interval", ParamSpec::kInt, 4, 1, 1000, {}, 1, offsetof(OrganizingParams, meeting_interval),
       "weeks between consultation meetings"},
      {"organizing", "invites_per_hour", ParamSpec::kDouble, 5, 0, 1e4, {}, 1, offsetof(OrganizingParams, invites_per_hour),
       "residents invited per dialogue hour"},
      {"organizing", "hours_per_121", ParamSpec::kDouble, 1.5, 0.01, 1e3, {}, 1, offsetof(OrganizingParams, hours_per_121),
       "hours per one-to-one conversation"},
      {"organizing", "snowball", ParamSpec::kDouble, 0.7, 0, 1, {}, 1, offsetof(OrganizingParams, snowball),
       "chance a one-to-one targets a contact of a member"},
      {"organizing", "agitation", ParamSpec::kDouble, 0.1, 0, 1, {}, 1, offsetof(OrganizingParams, agitation),
       "efficacy gain of a one-to-one"},
      {"organizing", "issue_cut", ParamSpec::kDouble, 0.0001, 0, 1, {}, 1, offsetof(OrganizingParams, issue_cut),
       "rise of issue concreteness per one-to-one"},
      {"organizing", "training", ParamSpec::kDouble, 0.005, 0, 1, {}, 1, offsetof(OrganizingParams, training),
       "skill gain of the two most skilled members per one-to-one × power_literacy"},
      {"organizing", "ally_rate", ParamSpec::kDouble, 0.005, 0, 1, {}, 1, offsetof(OrganizingParams, ally_rate),
       "weekly chance per coalition hour × interest that a CSO joins the alliance"},
      {"residents", "invite", ParamSpec::kDouble, 0.01, 0, 1, {}, 1, offsetof(OrganizingParams, invite),
       "chance that a member contact invites a passive resident in a week"},
      {"residents", "join_threshold", ParamSpec::kDouble, 0.25, 0, 1, {}, 1, offsetof(OrganizingParams, join_threshold),
       "motivation needed to join"},
      {"residents", "act_threshold", ParamSpec::kDouble, 0.2, -1, 1, {}, 1, offsetof(OrganizingParams, act_threshold),
       "motivation minus perceived risk needed to act (-1: never binding)"},
      {"residents", "a0", ParamSpec::kDouble, 0.05, 1e-9, 1, {}, 1, offsetof(OrganizingParams, a0),
       "safety in numbers: share of actives that cuts perceived risk by 1/e"},
      {"residents", "leader_skill", ParamSpec::kDouble, 0.6, 0, 1, {}, 1, offsetof(OrganizingParams, leader_skill),
       "skill above which a resident is a leader"},
      {"residents", "dropout", ParamSpec::kDouble, 0.07, 0, 1, {}, 1, offsetof(OrganizingParams, dropout),
       "weekly dropout × (1 − E)(1 − K)"},
      {"residents", "fatigue_max", ParamSpec::kDouble, 0.8, 0, 1, {}, 1, offsetof(OrganizingParams, fatigue_max),
       "fatigue above which nobody acts"},
      {"residents", "meeting_recruit", ParamSpec::kDouble, 0.1, 0, 1, {}, 1, offsetof(OrganizingParams, meeting_recruit),
       "chance an attendee counts as contacted"},
      {"residents", "member_weight", ParamSpec::kDouble, 0.3, 0, 1, {}, 1, offsetof(OrganizingParams, member_weight),
       "weight of a non-acting member in power"},
      {"residents", "threshold_mean", ParamSpec::kDouble, 0.25, 0, 1, {}, 1, -1,
       "mean Granovetter threshold θ (Normal, clipped to [0, 1])"},
      {"residents", "threshold_sd", ParamSpec::kDouble, 0.12, 0, 10, {}, 1, -1,
       "sd of θ"},
      {"residents", "initial_member_share", ParamSpec::kDouble, 0, 0, 1, {}, 1, -1,
       "share of residents who are members at week 0"},
      {"tactics", "max_level", ParamSpec::kInt, 4, 0, 4, {}, 1, offsetof(OrganizingParams, max_level),
       "highest escalation level: 0 consultation, 1 petition, 2 demonstration, 3 media, 4 direct action"},
      {"tactics", "initial_level", ParamSpec::kInt, 0, 0, 4, {}, 1, -1,
       "escalation level at week 0"},
      {"tactics", "patience", ParamSpec::kInt, 8, 1, 1e6, {}, 1, offsetof(OrganizingParams, patience),
       "weeks at a level without concession before escalating"},
      {"tactics", "power_needed", ParamSpec::kList, 0, 0, 1e6, {0, 0.01, 0.02, 0.03, 0.05}, 5, offsetof(OrganizingParams, power_needed),
       "power needed for each level"},
      {"tactics", "turnout_needed", ParamSpec::kDouble, 0.002, 0, 1, {}, 1, offsetof(OrganizingParams, turnout_needed),
       "share of residents acting last week needed for level 4"},
      {"tactics", "intensity", ParamSpec::kList, 0, 0, 1e6, {0.3, 0.5, 1.0, 1.5, 2.5}, 5, offsetof(OrganizingParams, intensity),
       "pressure multiplier of each level"},
      {"tactics", "deescalate", ParamSpec::kDouble, 0.7, 0, 1, {}, 1, offsetof(OrganizingParams, deescalate),
       "de-escalate when power < deescalate × power_needed[level]"},
      {"tactics", "assembly_interval", ParamSpec::kInt, 0, 0, 1e6, {}, 1, offsetof(OrganizingParams, assembly_interval),
       "weeks between accountability assemblies (0: none)"},
      {"tactics", "assembly_weight", ParamSpec::kDouble, 0.1, 0, 1e6, {}, 1, offsetof(OrganizingParams, assembly_weight),
       "pressure of an assembly per unit of allied legitimacy"},
      {"tactics", "voice", ParamSpec::kDouble, 1.0, 0, 1e6, {}, 1, offsetof(OrganizingParams, voice),
       "weight of consultation attendance in pressure"},
      {"response", "beta", ParamSpec::kDouble, 0.3, 0, 1, {}, 1, offsetof(OrganizingParams, beta),
       "β: weight of this week's pressure in perceived pressure"},
      {"response", "spread", ParamSpec::kDouble, 0.1, 1e-6, 1e6, {}, 1, offsetof(OrganizingParams, spread),
       "spread of the logistic concession curve"},
      {"response", "gain", ParamSpec::kDouble, 0.1, 0, 1, {}, 1, offsetof(OrganizingParams, gain),
       "concession size"},
      {"response", "small_gain", ParamSpec::kDouble, 0.005, 0, 1, {}, 1, offsetof(OrganizingParams, small_gain),
       "concession size of a consultation meeting"},
      {"response", "cooptation", ParamSpec::kDouble, 0.02, 0, 1, {}, 1, offsetof(OrganizingParams, cooptation),
       "weekly chance that a leader is co-opted while pressure is below resistance"},
      {"response", "cooptation_term", ParamSpec::kInt, 104, 0, 1e6, {}, 1, offsetof(OrganizingParams, cooptation_term),
       "weeks a co-optation lasts (0: for good); 104, half a four-year municipal council term, the expected time to the next council and its new appointments"},
      {"response", "subsidy_cut", ParamSpec::kDouble, 0.2, 0, 1, {}, 1, offsetof(OrganizingParams, subsidy_cut),
       "funding lost by a sanctioned, fully dependent worker"},
      {"response", "funder_solidarity", ParamSpec::kDouble, 0, 0, 1, {}, 1, offsetof(OrganizingParams, funder_solidarity),
       "share of the cut applied by other funders"},
      {"response", "funding_recovery", ParamSpec::kDouble, 0.01, 0, 1, {}, 1, offsetof(OrganizingParams, funding_recovery),
       "weekly recovery of funding lost to sanctions, up to the budget (a timeline subsidy_cut lowers the budget for good unless its `recovery` says otherwise)"},
      {"response", "risk_jump", ParamSpec::kDouble, 0.3, 0, 1, {}, 1, offsetof(OrganizingParams, risk_jump),
       "jump of perceived repression after a sanction"},
      {"response", "risk_decay", ParamSpec::kDouble, 0.05, 0, 1, {}, 1, offsetof(OrganizingParams, risk_decay),
       "weekly relaxation of perceived repression"},
      {"response", "legit_action", ParamSpec::kDouble, 0.002, 0, 1, {}, 1, offsetof(OrganizingParams, legit_action),
       "legitimacy lost per week of unanswered action × level/4"},
      {"response", "legit_sanction", ParamSpec::kDouble, 0.02, 0, 1, {}, 1, offsetof(OrganizingParams, legit_sanction),
       "legitimacy lost per sanction"},
      {"response", "legit_concession", ParamSpec::kDouble, 0.05, 0, 1, {}, 1, offsetof(OrganizingParams, legit_concession),
       "legitimacy gained per concession × min(1, size/gain)"},
      {"response", "legit_recovery", ParamSpec::kDouble, 0.01, 0, 1, {}, 1, offsetof(OrganizingParams, legit_recovery),
       "weekly recovery of legitimacy towards its initial value"},
      {"feedback", "learning_rate", ParamSpec::kDouble, 0.15, 0, 1, {}, 1, offsetof(OrganizingParams, learning_rate),
       "efficacy change after a concession, sanction or ignored action"},
      {"feedback", "trust_gain", ParamSpec::kDouble, 0.2, 0, 1, {}, 1, offsetof(OrganizingParams, trust_gain),
       "trust gained by attendees in a week with a concession"},
      {"feedback", "trust_loss", ParamSpec::kDouble, 0.08, 0, 1, {}, 1, offsetof(OrganizingParams, trust_loss),
       "trust lost by attendees in a week without one"},
      {"feedback", "sanction_trust", ParamSpec::kDouble, 0.1, 0, 1, {}, 1, offsetof(OrganizingParams, sanction_trust),
       "trust lost by residents of a sanctioned neighbourhood"},
      {"feedback", "coopt_trust", ParamSpec::kDouble, 0.3, 0, 1, {}, 1, offsetof(OrganizingParams, coopt_trust),
       "trust gained by a co-opted leader"},
      {"feedback", "media_rate", ParamSpec::kDouble, 0.002, 0, 1, {}, 1, offsetof(OrganizingParams, media_rate),
       "weekly drift of trust towards institutional legitimacy"},
      {"feedback", "confidence", ParamSpec::kDouble, 0.4, 0, 2, {}, 1, offsetof(OrganizingParams, confidence),
       "bounded confidence: attitudes closer than this assimilate"},
      {"feedback", "rejection", ParamSpec::kDouble, 0.8, 0, 2, {}, 1, offsetof(OrganizingParams, rejection),
       "attitudes farther than this repel actives (Jager–Amblard)"},
      {"feedback", "mu", ParamSpec::kDouble, 0.2, 0, 1, {}, 1, offsetof(OrganizingParams, mu),
       "attitude step towards/away from the institution"},
      {"feedback", "peer_mu", ParamSpec::kDouble, 0.005, 0, 1, {}, 1, offsetof(OrganizingParams, peer_mu),
       "attitude step towards a random contact"},
      {"feedback", "fatigue_rate", ParamSpec::kDouble, 0.05, 0, 1, {}, 1, offsetof(OrganizingParams, fatigue_rate),
       "weekly fatigue of an active resident"},
      {"feedback", "fatigue_decay", ParamSpec::kDouble, 0.1, 0, 1, {}, 1, offsetof(OrganizingParams, fatigue_decay),
       "weekly recovery from fatigue"},
      {"feedback", "learning", ParamSpec::kDouble, 0.002, 0, 1, {}, 1, offsetof(OrganizingParams, learning),
       "weekly skill gain of members × the workers' iron rule"},
  };
  return p;
}

const std::vector<std::string>& OrganizingModel::strategies() {
  static const std::vector<std::string> s{"polder", "alinsky", "coalition", "casework", "custom"};
  return s;
}

const std::vector<std::pair<std::string, std::string>>& OrganizingModel::preset(const std::string& strategy) {
  static const std::map<std::string, std::vector<std::pair<std::string, std::string>>> presets{
      {"polder",
       {{"workers.casework_share", "0.6"}, {"workers.profile", "[1, 0, 0]"}, {"tactics.max_level", "0"},
        {"tactics.assembly_interval", "0"}}},
      {"alinsky",
       {{"workers.casework_share", "0.6"}, {"workers.profile", "[0, 1, 0]"}, {"tactics.max_level", "4"},
        {"tactics.assembly_interval", "0"}}},
      {"coalition",
       {{"workers.casework_share", "0.6"}, {"workers.profile", "[0, 0.5, 0.5]"}, {"tactics.max_level", "2"},
        {"tactics.assembly_interval", "13"}}},
      {"casework",
       {{"workers.casework_share", "1"}, {"workers.profile", "[1, 0, 0]"}, {"tactics.max_level", "0"},
        {"tactics.assembly_interval", "0"}}},
      {"custom", {}},
  };
  static const std::vector<std::pair<std::string, std::string>> none;
  auto it = presets.find(strategy);
  return it == presets.end() ? none : it->second;
}

void OrganizingModel::prepare(Config& raw) {
  const YAML::Node s = raw.root()["strategy"];
  const std::string name = s && s.IsScalar() ? s.Scalar() : "polder";
  for (const auto& [path, value] : preset(name))
    raw.set_default(path, YAML::Load(value), "strategy preset '" + name + "'");
}

void OrganizingModel::declare_schema(Schema& s) {
  s.add_choice("strategy", "polder", strategies(),
               "strategy preset: fills workers.casework_share, workers.profile, tactics.max_level and "
               "tactics.assembly_interval unless the scenario sets them (custom: fills nothing)");
  s.add_double("concentration", 10, 0.01, 1e6, "Beta concentration of individual values around group means");

  auto& issue = s.list("issues", kDefaultIssues, "issues residents face");
  issue.add_string("name", "", "issue name").required = true;
  issue.find("name")->unique = true;
  issue.add_double("weight", 1, 0, 1, "weight w_k in grievance (weights must sum to 1)");

  auto& g = s.list("groups", kDefaultGroups, "resident groups (means of individual values)");
  g.add_string("name", "", "group name").required = true;
  g.find("name")->unique = true;
  g.add_choice("class", "mixed", {"established", "mixed", "marginalised"},
               "for the participation ratio marginalised / established");
  g.add_double("trust", 0.5, 0, 1, "mean trust L in institutions");
  g.add_double("survival_load", 0.2, 0, 1, "mean survival load s");
  g.add_double("efficacy", 0.2, 0, 1, "mean collective efficacy E");
  g.add_double("skill", 0.2, 0, 1, "mean leadership skill");
  g.add_double("attitude", 0, -1, 1, "mean attitude towards the institutions' position");
  g.add_doubles("exposure", {}, 0, 1, "exposure per issue (one value per issue)").min_size = 1;

  auto& nb = s.list("neighbourhoods", kDefaultNeighbourhoods, "neighbourhoods and their resident organisations");
  nb.add_string("name", "", "neighbourhood name").required = true;
  nb.find("name")->unique = true;
  nb.add_int("size", 5000, 1, 4e9, "residents");
  nb.add_doubles("group_shares", {}, 0, 1, "share of each group (sums to 1)").min_size = 1;
  nb.add_doubles("exposure_factor", {}, 0, 100, "multiplier of group exposure per issue").min_size = 1;
  nb.add_string("target_issue", "", "issue the resident organisation campaigns on").required = true;
  nb.add_string("target_institution", "", "institution it targets ('' for none)");
  nb.add_int("workers", 2, 0, 1000, "social workers in the neighbourhood");
  nb.add_double("funding_dependence", -1, -1, 1,
                "funding dependence of its workers (-1: workers.funding_dependence)");
  nb.add_double("concreteness", -1, -1, 1, "initial concreteness of the issue framing (-1: environment.concreteness)");

  auto& inst = s.list("institutions", kDefaultInstitutions, "institutions residents press");
  inst.add_string("name", "", "institution name").required = true;
  inst.find("name")->unique = true;
  inst.add_strings("issues", {}, "issues it can concede on");
  inst.add_double("resistance", 0.15, 1e-6, kInf, "resistance R: pressure needed for an even chance of conceding");
  inst.add_double("responsiveness", 0.3, 0, 1, "responsiveness ω: gates level-0 pressure and consultation");
  inst.add_double("repression", 0.2, 0, 1, "repression ρ");
  inst.add_double("legitimacy", 0.6, 0, 1, "initial legitimacy Λ");
  inst.add_double("stance", 0.6, -1, 1, "position a_j on the attitude scale");
  inst.add_strings("funds", {}, "neighbourhoods whose workers it pays ([all] for every neighbourhood)");

  auto& cso = s.list("csos", "[]", "civil society organisations (scenarios/default.yaml has the default town's six)");
  cso.add_string("name", "", "organisation name").required = true;
  cso.find("name")->unique = true;
  cso.add_string("neighbourhood", "", "neighbourhood it is rooted in").required = true;
  cso.add_double("members", 50, 0, 1e9, "members");
  cso.add_double("legitimacy", 0.5, 0, 1, "legitimacy");
  cso.add_doubles("interest", {}, 0, 1, "interest per issue (one value per issue)").min_size = 1;

  auto& ev = s.list("timeline", "[]", "scheduled shocks and policy changes (scenarios/default.yaml has the default town's two)");
  ev.add_int("week", 0, 1, 1e8, "week the event happens (before the week's environment update)").required = true;
  auto& evn = ev.add_string("name", "", "optional name, so that the event can be changed as timeline.NAME.size");
  evn.optional = true;
  evn.unique = true;
  ev.add_choice("type", "shock", {"structural", "shock", "subsidy_cut", "strategy", "set"},
                "structural: exposure ×= 1 + size; shock: hardship += size × exposure × (1 − safety_net); "
                "subsidy_cut: a budget decision, funding −= size × funding_dependence of the workers an institution "
                "funds, lasting unless `recovery` is given; strategy: switch to a preset; set: set a parameter")
      .optional = true;
  ev.add_string("issue", "", "issue (structural, shock; '' = every issue)").optional = true;
  ev.add_string("neighbourhood", "", "neighbourhood ('' = every neighbourhood)").optional = true;
  ev.add_string("institution", "", "subsidy_cut: funding institution ('' = every funder)").optional = true;
  ev.add_double("size", 0, -1, 100, "size of the event (subsidy_cut: a share of the budget in [0, 1])").optional = true;
  ev.add_double("recovery", 0, 0, 1,
                "subsidy_cut: weekly recovery of the cut budget, as a share of the full budget (default 0: the cut "
                "lasts)").optional = true;
  ev.add_double("hardship", 0, -1, 1, "shorthand for type: shock, size: value").optional = true;
  ev.add_double("exposure", 0, -1, 100, "shorthand for type: structural, size: value").optional = true;
  ev.add_choice("strategy", "polder", strategies(), "strategy: the preset to switch to").optional = true;
  ev.add_string("key", "", "set: parameter path, e.g. response.cooptation").optional = true;
  ev.add_any("value", "set: new value: a number, or a list of numbers for a list parameter (as the key takes it "
                     "in a scenario)");

  auto& net = s.section("network", "social network: stochastic block model over neighbourhood × group cells");
  net.add_choice("type", "sbm", {"sbm", "complete"}, "sbm, or complete (for reductions to the threshold model)");
  net.add_double("mean_degree", 12, 0, 1e5, "mean number of contacts");
  net.add_double("local", 0.8, 0, 1, "share of ties inside the own neighbourhood");
  net.add_double("homophily", 0.7, 0, 1, "share of ties inside the own group");

  // the parameters of the weekly cycle: one declaration (parameters()) serves the
  // schema, reading the scenario and run-time changes
  for (const auto& [name, description] : parameter_sections()) s.section(name, description);
  for (const ParamSpec& p : parameters()) {
    Schema& sec = s.section(p.section, "");
    if (p.kind == ParamSpec::kDouble) {
      sec.add_double(p.name, p.def, p.min, p.max, p.description);
    } else if (p.kind == ParamSpec::kInt) {
      sec.add_int(p.name, static_cast<std::int64_t>(p.def), p.min, p.max, p.description);
    } else {
      auto& k = sec.add_doubles(p.name, p.defs, p.min, p.max, p.description);
      k.min_size = k.max_size = p.size;
    }
  }
}

namespace {

/// Events and settings of a valid scenario that cannot act as written (see Warning).
std::vector<Warning> organizing_warnings(const Config& c) {
  std::vector<Warning> out;
  auto warn = [&](const std::string& key, const std::string& msg) { out.push_back({c.location(key), key, msg}); };
  const std::int64_t steps = c.get_int("steps");
  const std::size_t B = c.size("neighbourhoods"), J = c.size("institutions");
  std::vector<std::string> nb_names(B);
  std::vector<std::int64_t> sizes(B), workers(B);
  std::vector<double> dependence(B);
  for (std::size_t b = 0; b < B; ++b) {
    const std::string p = "neighbourhoods." + std::to_string(b);
    nb_names[b] = c.get_string(p + ".name");
    sizes[b] = c.get_int(p + ".size");
    workers[b] = c.get_int(p + ".workers");
    const double d = c.get_double(p + ".funding_dependence");
    dependence[b] = d < 0 ? c.get_double("workers.funding_dependence") : d;
  }
  // who pays the workers of each neighbourhood (init refuses two funders)
  std::vector<std::string> inst_names(J);
  std::vector<int> funder(B, -1);
  for (std::size_t j = 0; j < J; ++j) {
    const std::string p = "institutions." + std::to_string(j);
    inst_names[j] = c.get_string(p + ".name");
    for (const auto& f : c.get_strings(p + ".funds"))
      for (std::size_t b = 0; b < B; ++b)
        if (f == "all" || f == nb_names[b]) funder[b] = static_cast<int>(j);
  }
  // a neighbourhood far smaller than the others (a Dutch thousands dot, 12.000, reads as 12)
  if (B > 1) {
    std::vector<std::int64_t> sorted = sizes;
    std::sort(sorted.begin(), sorted.end());
    const std::int64_t median = sorted[B / 2];
    for (std::size_t b = 0; b < B; ++b)
      if (sizes[b] * 50 < median)
        warn("neighbourhoods." + std::to_string(b) + ".size",
             std::to_string(sizes[b]) + " residents, far fewer than the other neighbourhoods (median " +
                 std::to_string(median) + ")" +
                 (sizes[b] < 1000 ? "; if you meant " + std::to_string(sizes[b] * 1000) +
                                        ", write it without a thousands separator"
                                  : std::string()));
  }
  for (std::size_t i = 0; i < c.size("timeline"); ++i) {
    const std::string p = "timeline." + std::to_string(i);
    const std::int64_t week = c.get_int(p + ".week");
    if (week > steps)
      warn(p + ".week", "week " + std::to_string(week) + " is after the last week (" + std::to_string(steps) +
                            "): this event never happens");
    if (!c.has(p + ".type") || c.get_string(p + ".type") != "subsidy_cut") continue;
    const std::string inst = c.has(p + ".institution") ? c.get_string(p + ".institution") : "";
    const std::string nb = c.has(p + ".neighbourhood") ? c.get_string(p + ".neighbourhood") : "";
    int j_cut = -1;
    for (std::size_t j = 0; j < J; ++j)
      if (inst_names[j] == inst) j_cut = static_cast<int>(j);
    bool funds_any = false, reaches = false;
    for (std::size_t b = 0; b < B; ++b) {
      if (funder[b] < 0 || (!inst.empty() && funder[b] != j_cut) || (!nb.empty() && nb_names[b] != nb)) continue;
      funds_any = true;
      if (workers[b] > 0 && dependence[b] > 0) reaches = true;
    }
    if (reaches) continue;
    const std::string key = !inst.empty() ? p + ".institution" : p;
    std::string why;
    if (!inst.empty() && j_cut >= 0 && c.get_strings("institutions." + std::to_string(j_cut) + ".funds").empty())
      why = "'" + inst + "' pays no social workers (its `funds` is empty)";
    else if (inst.empty() && !funds_any)
      why = "no institution pays social workers (every `funds` is empty)";
    else if (!funds_any)
      why = "'" + inst + "' pays no social workers" + (nb.empty() ? "" : " in '" + nb + "'");
    else
      why = "the workers it pays have no funding dependence or there are none (workers: 0)";
    warn(key, "this subsidy cut changes nothing: " + why);
  }
  return out;
}

}  // namespace

void register_organizing_model() {
  ModelInfo info{"organizing", "residents, institutions and social workers under polder, Alinsky and coalition rules",
                 OrganizingModel::declare_schema, [] { return std::make_unique<OrganizingModel>(); },
                 OrganizingModel::prepare};
  // what an experiment reports when its file names no outcomes: the question
  // of MODEL.md section 1 (hardship, power, trust, inclusion) and its costs
  info.default_outcomes = {"concessions", "concessions_by_neighbourhood", "won_by_pressure", "won_in_consultation", "arnstein_mean", "hardship",
                           "survival_load", "trust", "efficacy", "member", "active", "exclusion_gap",
                           "coopted_leaders", "sanctions_total", "worker_funding_min", "legitimacy"};
  // less is better for what residents bear, the gap between groups and the backlash
  info.lower_is_better = {"hardship", "survival_load", "exclusion_gap", "coopted_leaders", "sanctions_total", "grievance",
                          "sanctions"};
  info.warnings = organizing_warnings;
  // peak bytes to build one town: about 134 per resident for the agent columns and
  // their scratch, and 8 per link end for the network and its edge list while it is
  // built (tests/cli/test_bad_input.cpp checks the estimate against the measured peak)
  info.memory_estimate = [](const Config& c) {
    double residents = 0;
    for (std::size_t b = 0; b < c.size("neighbourhoods"); ++b)
      residents += static_cast<double>(c.get_int("neighbourhoods." + std::to_string(b) + ".size"));
    return residents * (134.0 + 8.0 * (c.get_double("network.mean_degree") + 1.0));
  };
  Registry::instance().add(std::move(info));
}

}  // namespace tegenmacht::models
