#include "reports/report_files.h"

#include <memory>

#include "engine/common/atomic_file.h"
#include "engine/common/error.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "reports/text_report.h"

namespace fti::reports {

RenderedFiles render_report_files(const Report& report) {
  RenderedFiles files;
  files.emplace_back("report.json", to_json(report).dump(2) + "\n");
  TextOptions all;
  all.all_tensors = true;
  files.emplace_back("report.txt", to_text(report, all));
  files.emplace_back("report.md", to_markdown(report));
  files.emplace_back("report.html", to_html(report));
  // Test cases are policy rules: a diff has none.
  if (report.kind == "gate") files.emplace_back("report.junit.xml", to_junit(report));
  return files;
}

void write_report_files(const std::filesystem::path& directory, const RenderedFiles& files) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw Error(ErrorCode::kIo, directory.string() + ": cannot create report directory: " + ec.message());
  std::vector<std::unique_ptr<AtomicFile>> pending;
  for (const auto& [name, content] : files) {
    pending.push_back(std::make_unique<AtomicFile>(directory / name));
    pending.back()->write(content);
  }
  // Everything is on disk under temporary names: publish.
  for (auto& file : pending) file->commit();
}

}  // namespace fti::reports
