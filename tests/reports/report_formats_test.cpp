// The report directory holds every format; a diff has no JUnit file.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "reports/report_files.h"
#include "tests/reports/sample_reports.h"
#include "tests/reports/xml_checker.h"
#include "tests/support/temp_dir.h"

namespace fti::reports {
namespace {

std::vector<std::string> names(const RenderedFiles& files) {
  std::vector<std::string> out;
  for (const auto& [name, content] : files) out.push_back(name);
  return out;
}

TEST(ReportFormats, GateWritesEveryFormat) {
  const RenderedFiles files = render_report_files(testing::violating_gate_report());
  EXPECT_EQ(names(files),
            (std::vector<std::string>{"report.json", "report.txt", "report.md", "report.html", "report.junit.xml"}));
  fti::testing::TempDir dir;
  write_report_files(dir / "out", files);
  for (const auto& [name, content] : files) {
    std::ifstream in(dir / "out" / name, std::ios::binary);
    std::stringstream read;
    read << in.rdbuf();
    EXPECT_EQ(read.str(), content) << name;
  }
  testing::parse_xml(files[3].second);
  testing::parse_xml(files[4].second);
}

TEST(ReportFormats, DiffWritesNoJunit) {
  EXPECT_EQ(names(render_report_files(testing::diff_report())),
            (std::vector<std::string>{"report.json", "report.txt", "report.md", "report.html"}));
}

}  // namespace
}  // namespace fti::reports
