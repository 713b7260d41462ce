// Writes the report files of a run into a directory, all or nothing: every
// file is written to a temporary first and renamed into place only when all
// of them are complete, so an error never leaves a partial report behind.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "reports/report.h"

namespace fti::reports {

// (file name, content) pairs.
using RenderedFiles = std::vector<std::pair<std::string, std::string>>;

// report.json, report.txt, report.md, report.html, and for a gate report.junit.xml.
RenderedFiles render_report_files(const Report& report);

// Creates `directory` if needed and writes `files` atomically.
void write_report_files(const std::filesystem::path& directory, const RenderedFiles& files);

}  // namespace fti::reports
